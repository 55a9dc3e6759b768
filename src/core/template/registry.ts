/**
 * The template registry: every template from the built-in folder, the user folder and the
 * workspace's `.baton/templates/`, by id. A later source overrides an earlier one with the
 * same id (workspace > user > built-in) and the override is reported, never silent.
 * Invalid files are kept with their problems so views can show them.
 */
import { TemplateNotFoundError, type TemplateProblem } from '../errors';
import type { TemplateResolver } from '../ports';
import { nodeTemplateFileSystem, type TemplateFileSystem } from './fs';
import { checkTemplateFile, isTemplateFile, type TypeScriptTemplateEvaluator } from './load';
import { findWorkflowCycles, workflowReferences } from './references';
import type { LoadedTemplate, TemplateDefinition, TemplateSourceKind } from './types';

/** One folder of templates. */
export interface TemplateSourceFolder {
  kind: TemplateSourceKind;
  dir: string;
}

/** Change notifications for template folders (a file watcher in VS Code, fs.watch in the CLI). */
export interface TemplateChangeSource {
  onDidChange(listener: () => void): { dispose(): void };
}

/** A template file that failed to load. */
export interface InvalidTemplate {
  sourcePath: string;
  source: TemplateSourceKind;
  problems: TemplateProblem[];
}

/**
 * Something the registry wants users to know: an override, an id used twice in one source,
 * a `workflow:` step naming no known template, or templates that start each other in a cycle.
 */
export interface RegistryNotice {
  code: 'template-overridden' | 'duplicate-template-id' | 'unknown-workflow' | 'workflow-cycle';
  templateId: string;
  message: string;
  /** The file that wins (overrides, duplicates), else the file the notice is about. */
  sourcePath: string;
  /** The file to show the warning on: the hidden one for overrides and duplicates, else the file the notice is about. */
  hiddenPath: string;
}

export type TriggerKind = 'manual' | 'schedule' | 'file' | 'webhook' | 'event';

export interface TemplateFilter {
  category?: string;
  tag?: string;
  trigger?: TriggerKind;
  source?: TemplateSourceKind;
  /** Case-insensitive words, all of which must appear in id, name, description, category or tags. */
  text?: string;
}

export interface TemplateRegistryOptions {
  /** In increasing priority: later sources override earlier ones. */
  sources: TemplateSourceFolder[];
  fs?: TemplateFileSystem;
  evaluateTypeScript?: TypeScriptTemplateEvaluator;
  changes?: TemplateChangeSource;
}

const SOURCE_PRIORITY: Record<TemplateSourceKind, number> = { builtin: 0, user: 1, workspace: 2 };

/** True when the template can be started by this kind of trigger. */
export function hasTrigger(definition: TemplateDefinition, kind: TriggerKind): boolean {
  switch (kind) {
    case 'manual':
      return definition.on.manual;
    case 'webhook':
      return definition.on.webhook !== undefined;
    default:
      return definition.on[kind].length > 0;
  }
}

/** Notices about `workflow:` steps: unknown targets and templates that start each other in a cycle. */
function referenceNotices(byId: ReadonlyMap<string, LoadedTemplate>): RegistryNotice[] {
  const notices: RegistryNotice[] = [];
  for (const template of byId.values()) {
    for (const reference of workflowReferences(template.definition)) {
      if (byId.has(reference.target)) continue;
      notices.push({
        code: 'unknown-workflow',
        templateId: template.definition.id,
        message: `step "${reference.stepId}" of template "${template.definition.id}" runs workflow "${reference.target}", which is not a known template`,
        sourcePath: template.sourcePath,
        hiddenPath: template.sourcePath,
      });
    }
  }
  const definitions = new Map([...byId].map(([id, t]) => [id, t.definition]));
  for (const cycle of findWorkflowCycles(definitions)) {
    const first = byId.get(cycle[0]!)!;
    notices.push({
      code: 'workflow-cycle',
      templateId: first.definition.id,
      message: `templates start each other in a cycle: ${cycle.join(' -> ')}`,
      sourcePath: first.sourcePath,
      hiddenPath: first.sourcePath,
    });
  }
  return notices;
}

export class TemplateRegistry implements TemplateResolver {
  private byId = new Map<string, LoadedTemplate>();
  private invalidFiles: InvalidTemplate[] = [];
  private noticeList: RegistryNotice[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly subscription: { dispose(): void } | undefined;
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  private loaded = false;

  constructor(private readonly options: TemplateRegistryOptions) {
    this.subscription = options.changes?.onDidChange(() => {
      void this.reload();
    });
  }

  /** Re-reads every source; concurrent calls coalesce into one more pass. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.loadAll();
        } while (this.reloadAgain);
      } finally {
        this.loading = undefined;
      }
      this.loaded = true;
      for (const listener of [...this.listeners]) listener();
    })();
    return this.loading;
  }

  /** Loads once if never loaded. */
  async ready(): Promise<void> {
    if (!this.loaded) await this.reload();
  }

  private async loadAll(): Promise<void> {
    const fs = this.options.fs ?? nodeTemplateFileSystem;
    const byId = new Map<string, LoadedTemplate>();
    const invalid: InvalidTemplate[] = [];
    const notices: RegistryNotice[] = [];
    const sources = [...this.options.sources].sort((a, b) => SOURCE_PRIORITY[a.kind] - SOURCE_PRIORITY[b.kind]);
    for (const folder of sources) {
      const files = (await fs.listFiles(folder.dir)).filter(isTemplateFile);
      for (const file of files) {
        const result = await checkTemplateFile(file, { fs, evaluateTypeScript: this.options.evaluateTypeScript, source: folder.kind });
        if (!result.definition) {
          invalid.push({ sourcePath: file, source: folder.kind, problems: result.problems });
          continue;
        }
        const loaded: LoadedTemplate = { definition: result.definition, sourcePath: file, source: folder.kind, hash: result.hash! };
        const id = result.definition.id;
        const previous = byId.get(id);
        if (previous && previous.source === folder.kind) {
          notices.push({
            code: 'duplicate-template-id',
            templateId: id,
            message: `template id "${id}" is used by two ${folder.kind} files; ${file} is ignored`,
            sourcePath: previous.sourcePath,
            hiddenPath: file,
          });
          continue;
        }
        if (previous) {
          notices.push({
            code: 'template-overridden',
            templateId: id,
            message: `${folder.kind} template "${id}" (${file}) overrides the ${previous.source} one (${previous.sourcePath})`,
            sourcePath: file,
            hiddenPath: previous.sourcePath,
          });
        }
        byId.set(id, loaded);
      }
    }
    notices.push(...referenceNotices(byId));
    this.byId = byId;
    this.invalidFiles = invalid;
    this.noticeList = notices;
  }

  /** Valid templates, sorted by name, optionally filtered. */
  list(filter: TemplateFilter = {}): LoadedTemplate[] {
    const words = (filter.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    return [...this.byId.values()]
      .filter((t) => {
        const d = t.definition;
        if (filter.category !== undefined && d.category?.toLowerCase() !== filter.category.toLowerCase()) return false;
        if (filter.tag !== undefined && !d.tags.some((tag) => tag.toLowerCase() === filter.tag!.toLowerCase())) return false;
        if (filter.trigger !== undefined && !hasTrigger(d, filter.trigger)) return false;
        if (filter.source !== undefined && t.source !== filter.source) return false;
        if (words.length > 0) {
          const haystack = [d.id, d.name, d.description ?? '', d.category ?? '', ...d.tags].join(' ').toLowerCase();
          if (!words.every((w) => haystack.includes(w))) return false;
        }
        return true;
      })
      .sort((a, b) => a.definition.name.localeCompare(b.definition.name) || a.definition.id.localeCompare(b.definition.id));
  }

  /** Templates whose text matches every word of `text`. */
  search(text: string): LoadedTemplate[] {
    return this.list({ text });
  }

  /** The template with this id, or undefined. */
  find(id: string): LoadedTemplate | undefined {
    return this.byId.get(id);
  }

  /** The template with this id; throws TemplateNotFoundError. */
  get(id: string): LoadedTemplate {
    const found = this.byId.get(id);
    if (!found) throw new TemplateNotFoundError(id);
    return found;
  }

  /** TemplateResolver for `workflow:` steps: by id. */
  async resolve(reference: string): Promise<TemplateDefinition> {
    await this.ready();
    return this.get(reference).definition;
  }

  /** Sorted distinct categories of the valid templates. */
  categories(): string[] {
    return [...new Set([...this.byId.values()].flatMap((t) => (t.definition.category ? [t.definition.category] : [])))].sort();
  }

  /** Files that failed to load, with their problems. */
  invalid(): readonly InvalidTemplate[] {
    return this.invalidFiles;
  }

  /** Overrides and duplicate ids found by the last load. */
  notices(): readonly RegistryNotice[] {
    return this.noticeList;
  }

  /** Called after every reload. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.subscription?.dispose();
    this.listeners.clear();
  }
}
