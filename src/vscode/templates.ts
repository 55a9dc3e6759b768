/**
 * Templates of every workspace folder: one TemplateRegistry per folder (built-in templates
 * shipped with the extension, then the folder's `.baton/templates/`), reloaded when files there
 * change. Problems of invalid files go to the Problems panel through one DiagnosticCollection.
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TemplateProblem } from '../core/errors';
import { TemplateRegistry, type InvalidTemplate, type TemplateSourceFolder } from '../core/template';
import type { LoadedTemplate } from '../core/template/types';
import { evaluateTypeScriptTemplate } from '../loaders/typescript';
import { batonFolders, type BatonFolder } from './workspaceFolders';

export interface FolderTemplates {
  folder: BatonFolder;
  registry: TemplateRegistry;
  /** Names, sizes and mtimes of the template files at the last look (see pollForChanges). */
  signature?: string;
}

/** Fallback for file watchers that miss events (remote hosts, network drives): a cheap listing. */
const TEMPLATE_POLL_MS = 2000;

function folderSignature(dir: string): string {
  try {
    return readdirSync(dir)
      .sort()
      .map((name) => {
        const stat = statSync(path.join(dir, name), { throwIfNoEntry: false });
        return stat ? `${name}:${stat.size}:${stat.mtimeMs}` : name;
      })
      .join('|');
  } catch {
    return '';
  }
}

export class WorkspaceTemplates implements vscode.Disposable {
  private readonly byFolder = new Map<string, FolderTemplates>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly diagnostics = vscode.languages.createDiagnosticCollection('baton');
  private readonly disposables: vscode.Disposable[] = [this.changed, this.diagnostics];

  private readonly pollTimer: NodeJS.Timeout;

  constructor(private readonly builtinDir: string) {
    this.pollTimer = setInterval(() => this.pollForChanges(), TEMPLATE_POLL_MS);
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        for (const entry of this.byFolder.values()) entry.registry.dispose();
        this.byFolder.clear();
        this.changed.fire();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reloadAll()),
    );
  }

  /** Registries of every folder, created (and loaded in the background) on first use. */
  folders(): FolderTemplates[] {
    return batonFolders().map((folder) => this.forFolder(folder));
  }

  forFolder(folder: BatonFolder): FolderTemplates {
    const key = folder.folder.uri.toString();
    const existing = this.byFolder.get(key);
    if (existing) return existing;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder.folder, '.baton/templates/*'));
    const sources: TemplateSourceFolder[] = [
      { kind: 'builtin', dir: this.builtinDir },
      { kind: 'workspace', dir: folder.templatesDir },
    ];
    const registry = new TemplateRegistry({
      sources,
      // TypeScript templates execute code: only in a trusted workspace.
      ...(vscode.workspace.isTrusted ? { evaluateTypeScript: evaluateTypeScriptTemplate } : {}),
      changes: {
        onDidChange: (listener) => {
          const subscriptions = [watcher.onDidChange(listener), watcher.onDidCreate(listener), watcher.onDidDelete(listener)];
          return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
        },
      },
    });
    const entry: FolderTemplates = { folder, registry, signature: folderSignature(folder.templatesDir) };
    this.byFolder.set(key, entry);
    this.disposables.push(
      watcher,
      registry.onDidChange(() => {
        this.publishDiagnostics();
        this.changed.fire();
      }),
    );
    void registry.reload();
    return entry;
  }

  private pollForChanges(): void {
    for (const entry of this.byFolder.values()) {
      const signature = folderSignature(entry.folder.templatesDir);
      if (signature === entry.signature) continue;
      entry.signature = signature;
      void entry.registry.reload();
    }
  }

  /** Re-reads every folder; resolves when all are loaded. */
  async reloadAll(): Promise<void> {
    await Promise.all(this.folders().map((f) => f.registry.reload()));
  }

  async ready(): Promise<FolderTemplates[]> {
    const folders = this.folders();
    await Promise.all(folders.map((f) => f.registry.ready()));
    return folders;
  }

  /** Finds a template by id in any folder (the first folder that has it). */
  async find(id: string): Promise<{ folder: BatonFolder; template: LoadedTemplate } | undefined> {
    for (const entry of await this.ready()) {
      const template = entry.registry.find(id);
      if (template) return { folder: entry.folder, template };
    }
    return undefined;
  }

  invalid(): InvalidTemplate[] {
    return [...this.byFolder.values()].flatMap((f) => [...f.registry.invalid()]);
  }

  private publishDiagnostics(): void {
    this.diagnostics.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const invalid of this.invalid()) {
      const list = byFile.get(invalid.sourcePath) ?? [];
      list.push(...invalid.problems.map(toDiagnostic));
      byFile.set(invalid.sourcePath, list);
    }
    for (const entry of this.byFolder.values()) {
      for (const notice of entry.registry.notices()) {
        const list = byFile.get(notice.hiddenPath) ?? [];
        const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), notice.message, vscode.DiagnosticSeverity.Warning);
        diagnostic.source = 'baton';
        diagnostic.code = notice.code;
        list.push(diagnostic);
        byFile.set(notice.hiddenPath, list);
      }
    }
    for (const [file, diagnostics] of byFile) this.diagnostics.set(vscode.Uri.file(file), diagnostics);
  }

  dispose(): void {
    clearInterval(this.pollTimer);
    for (const entry of this.byFolder.values()) entry.registry.dispose();
    this.byFolder.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** A located template problem as an editor diagnostic (lines and columns are 1-based in Baton). */
export function toDiagnostic(problem: TemplateProblem): vscode.Diagnostic {
  const line = Math.max(0, problem.line - 1);
  const column = Math.max(0, problem.column - 1);
  const message = `${problem.path !== '(file)' ? `${problem.path}: ` : ''}${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`;
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(line, column, line, column + 1),
    message,
    problem.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
  );
  diagnostic.source = 'baton';
  diagnostic.code = problem.code;
  return diagnostic;
}

/** Display path of a template file relative to its workspace folder. */
export function relativeTemplatePath(folder: BatonFolder, file: string): string {
  return path.relative(folder.folder.uri.fsPath, file) || file;
}
