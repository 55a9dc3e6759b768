/**
 * A FileEventSource on node:fs watch (recursive), for hosts without VS Code's watchers (the CLI).
 * fs.watch reports `rename` for both creation and deletion, so the path is checked afterwards;
 * `change` counts as a save. `.baton/` is skipped here already (the file trigger skips it too).
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { FileEvent, FileEventSource } from './ports';

export class NodeFileEventSource implements FileEventSource {
  private readonly listeners = new Set<(event: FileEvent) => void>();
  private watcher: FSWatcher | undefined;

  constructor(private readonly workspaceDir: string) {}

  onFileEvent(listener: (event: FileEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    this.watcher ??= this.startWatching();
    return {
      dispose: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.close();
      },
    };
  }

  private startWatching(): FSWatcher {
    const watcher = watch(this.workspaceDir, { recursive: true }, (eventType, filename) => {
      if (!filename) return;
      const relative = filename.toString();
      if (relative === '.baton' || relative.startsWith('.baton/') || relative.startsWith('.baton\\')) return;
      const path = join(this.workspaceDir, relative);
      const kind = eventType === 'change' ? 'save' : existsSync(path) ? 'create' : 'delete';
      for (const listener of [...this.listeners]) listener({ path, kind });
    });
    // A watcher error (folder removed) ends watching; it must not crash the host process.
    watcher.on('error', () => this.close());
    return watcher;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
