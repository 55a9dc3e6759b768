/** The file access template loading needs, as a port (tests and VS Code may supply their own). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TemplateFileSystem {
  readFile(path: string): Promise<string>;
  /** Absolute paths of the files directly in `dir`, sorted; [] when `dir` does not exist. */
  listFiles(dir: string): Promise<string[]>;
}

/** TemplateFileSystem over node:fs. */
export const nodeTemplateFileSystem: TemplateFileSystem = {
  readFile: (path) => readFile(path, 'utf8'),
  async listFiles(dir) {
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => join(dir, e.name))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
  },
};
