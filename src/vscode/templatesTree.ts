/**
 * The Templates view: templates grouped by category (per folder in a multi-root workspace),
 * a click opens the source, an inline button runs it; files that fail to load are listed with
 * their first problem so they are not silently missing.
 */
import * as vscode from 'vscode';
import type { InvalidTemplate } from '../core/template';
import type { LoadedTemplate } from '../core/template/types';
import { relativeTemplatePath, type FolderTemplates, type WorkspaceTemplates } from './templates';

export type TemplatesNode =
  | { kind: 'folder'; entry: FolderTemplates }
  | { kind: 'category'; entry: FolderTemplates; category: string }
  | { kind: 'template'; entry: FolderTemplates; template: LoadedTemplate }
  | { kind: 'invalid'; entry: FolderTemplates; invalid: InvalidTemplate };

const UNCATEGORIZED = 'other';

export class TemplatesTreeProvider implements vscode.TreeDataProvider<TemplatesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TemplatesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly templates: WorkspaceTemplates,
    /** When a scheduled template runs next (from the folder's trigger host), if known. */
    private readonly nextRunAt: (entry: FolderTemplates, templateId: string) => number | undefined = () => undefined,
  ) {
    this.subscription = templates.onDidChange(() => this.changed.fire(undefined));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: TemplatesNode): Promise<TemplatesNode[]> {
    if (!node) {
      const folders = await this.templates.ready();
      if (folders.length > 1) return folders.map((entry) => ({ kind: 'folder', entry }));
      return folders[0] ? this.topLevel(folders[0]) : [];
    }
    if (node.kind === 'folder') return this.topLevel(node.entry);
    if (node.kind === 'category') {
      return node.entry.registry
        .list()
        .filter((t) => (t.definition.category ?? UNCATEGORIZED) === node.category)
        .map((template) => ({ kind: 'template', entry: node.entry, template }));
    }
    return [];
  }

  private topLevel(entry: FolderTemplates): TemplatesNode[] {
    const templates = entry.registry.list();
    const invalid: TemplatesNode[] = entry.registry.invalid().map((i) => ({ kind: 'invalid', entry, invalid: i }));
    // An empty view shows the welcome content (New Template) instead.
    if (templates.length === 0 && invalid.length === 0) return [];
    const categories = [...new Set(templates.map((t) => t.definition.category ?? UNCATEGORIZED))].sort();
    return [...categories.map((category): TemplatesNode => ({ kind: 'category', entry, category })), ...invalid];
  }

  getTreeItem(node: TemplatesNode): vscode.TreeItem {
    const folderKey = node.entry.folder.folder.uri.toString();
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.entry.folder.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `tfolder:${folderKey}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        return item;
      }
      case 'category': {
        const item = new vscode.TreeItem(node.category, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `category:${folderKey}:${node.category}`;
        item.iconPath = new vscode.ThemeIcon('folder-library');
        return item;
      }
      case 'template': {
        const { definition, sourcePath, source } = node.template;
        const item = new vscode.TreeItem(definition.name, vscode.TreeItemCollapsibleState.None);
        item.id = `template:${folderKey}:${definition.id}`;
        const next = definition.on.schedule.length > 0 ? this.nextRunAt(node.entry, definition.id) : undefined;
        item.description = [
          definition.id,
          source === 'builtin' ? 'built-in' : undefined,
          next !== undefined ? `next ${new Date(next).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}` : undefined,
        ]
          .filter(Boolean)
          .join(' · ');
        item.iconPath = new vscode.ThemeIcon(source === 'builtin' ? 'library' : 'symbol-event');
        item.contextValue = 'baton.template';
        item.resourceUri = vscode.Uri.file(sourcePath);
        const tooltip = new vscode.MarkdownString(`**${definition.name}** \`${definition.id}\``);
        if (definition.description) tooltip.appendMarkdown(`\n\n${definition.description}`);
        tooltip.appendMarkdown(`\n\n${definition.steps.length} steps · ${relativeTemplatePath(node.entry.folder, sourcePath)}`);
        item.tooltip = tooltip;
        item.command = { command: 'vscode.open', title: 'Open Template', arguments: [vscode.Uri.file(sourcePath)] };
        return item;
      }
      case 'invalid': {
        const { sourcePath, problems } = node.invalid;
        const first = problems[0];
        const item = new vscode.TreeItem(relativeTemplatePath(node.entry.folder, sourcePath), vscode.TreeItemCollapsibleState.None);
        item.id = `invalid:${folderKey}:${sourcePath}`;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.description = first ? `line ${first.line}: ${first.message}` : 'invalid';
        item.tooltip = problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`).join('\n');
        item.contextValue = 'baton.invalidTemplate';
        const line = Math.max(0, (first?.line ?? 1) - 1);
        item.command = {
          command: 'vscode.open',
          title: 'Open Template',
          arguments: [vscode.Uri.file(sourcePath), { selection: new vscode.Range(line, 0, line, 0) }],
        };
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
