/**
 * Where Baton keeps things in each workspace folder. Every folder of a multi-root workspace has
 * its own `.baton/` (templates, database, run folders); the database may be moved with the
 * setting `baton.databasePath` (relative paths are relative to the folder).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface BatonFolder {
  readonly folder: vscode.WorkspaceFolder;
  /** `<folder>/.baton` */
  readonly batonDir: string;
  /** `<folder>/.baton/templates` */
  readonly templatesDir: string;
  /** Absolute path of the SQLite file. */
  readonly databasePath: string;
}

export function batonFolder(folder: vscode.WorkspaceFolder): BatonFolder {
  const root = folder.uri.fsPath;
  const batonDir = path.join(root, '.baton');
  const configured = vscode.workspace.getConfiguration('baton', folder.uri).get<string>('databasePath')?.trim();
  const databasePath = configured ? path.resolve(root, configured) : path.join(batonDir, 'baton.db');
  return { folder, batonDir, templatesDir: path.join(batonDir, 'templates'), databasePath };
}

/** Baton folders for every local workspace folder (virtual file systems have no SQLite file). */
export function batonFolders(): BatonFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map(batonFolder);
}

/**
 * The folder a command acts on: the only one, or the user's pick in a multi-root workspace.
 * Undefined when there is none or the user dismissed the pick.
 */
export async function pickBatonFolder(placeHolder: string): Promise<BatonFolder | undefined> {
  const folders = batonFolders();
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('Baton needs a folder: open a folder or workspace first.');
    return undefined;
  }
  if (folders.length === 1) return folders[0];
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder });
  return picked ? batonFolder(picked) : undefined;
}
