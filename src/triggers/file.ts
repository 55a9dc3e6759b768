/**
 * File triggers (`on.file`): globs relative to the workspace folder, an event filter and a
 * trailing debounce, so a burst of saves starts one run whose payload lists every changed path.
 * Baton's own files (`.baton/**`, the database and run folders wherever they are) never trigger.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { describeError } from '../core/errors';
import { instantiate } from '../core/template/inputs';
import type { FileTrigger, LoadedTemplate } from '../core/template/types';
import type { FileEvent, FileEventKind, TriggerHostPorts } from './ports';

/** Payload of a file-triggered run (`trigger.paths` in expressions). */
export interface FileTriggerPayload {
  /** Changed paths relative to the workspace folder, `/`-separated, sorted, no duplicates. */
  paths: string[];
  /** Each change in arrival order (a path saved twice appears twice). */
  changes: Array<{ path: string; kind: FileEventKind }>;
}

export interface FileTriggerOptions {
  /** The workspace folder globs are relative to. */
  workspaceDir: string;
  /** More folders whose writes are Baton's own (a moved database, run folders outside `.baton/`). */
  ignoredDirs?: readonly string[];
}

interface PendingBurst {
  templateId: string;
  index: number;
  changes: Array<{ path: string; kind: FileEventKind }>;
  /** Wall time of the burst's first change. */
  firstAt: number;
  timer: ReturnType<typeof setTimeout>;
}

/** A burst fires at the latest this many debounce periods after its first change. */
export const MAX_WAIT_FACTOR = 10;

interface CompiledTrigger {
  template: LoadedTemplate;
  index: number;
  trigger: FileTrigger;
  matches: (path: string) => boolean;
}

export class FileTriggers {
  private compiled: CompiledTrigger[] = [];
  private readonly pending = new Map<string, PendingBurst>();
  private readonly workspaceDir: string;
  private readonly ignoredDirs: string[];
  /** Runs started so far (for tests and the host's status). */
  readonly started: string[] = [];

  constructor(
    private readonly ports: TriggerHostPorts,
    options: FileTriggerOptions,
  ) {
    this.workspaceDir = resolve(options.workspaceDir);
    this.ignoredDirs = (options.ignoredDirs ?? []).map((dir) => resolve(this.workspaceDir, dir));
  }

  /** Compiles the current templates' globs. */
  sync(): void {
    const compiled: CompiledTrigger[] = [];
    for (const template of this.ports.templates.list()) {
      template.definition.on.file.forEach((trigger, index) => {
        compiled.push({ template, index, trigger, matches: picomatch(trigger.paths, { dot: true }) });
      });
    }
    this.compiled = compiled;
  }

  /** The workspace-relative `/` path of a change, or undefined when it is outside the folder or Baton's own. */
  relativePath(path: string): string | undefined {
    const absolute = isAbsolute(path) ? resolve(path) : resolve(this.workspaceDir, path);
    if (this.ignoredDirs.some((dir) => absolute === dir || absolute.startsWith(dir + sep))) return undefined;
    const rel = relative(this.workspaceDir, absolute);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    const posix = rel.split(sep).join('/');
    if (posix === '.baton' || posix.startsWith('.baton/')) return undefined;
    return posix;
  }

  /** Feeds one change; matching triggers start (after their debounce) one run per burst. */
  handle(event: FileEvent): void {
    const path = this.relativePath(event.path);
    if (path === undefined) return;
    for (const entry of this.compiled) {
      if (!entry.trigger.events.includes(event.kind) || !entry.matches(path)) continue;
      const key = `${entry.template.definition.id}#${entry.index}`;
      const burst = this.pending.get(key);
      if (burst) {
        burst.changes.push({ path, kind: event.kind });
        // A steady stream of changes (a build writing files) still fires every MAX_WAIT_FACTOR debounces.
        if (this.ports.clock.now() - burst.firstAt >= entry.trigger.debounceMs * MAX_WAIT_FACTOR) continue;
        clearTimeout(burst.timer);
        burst.timer = setTimeout(() => this.flush(key), entry.trigger.debounceMs);
        continue;
      }
      const timer = setTimeout(() => this.flush(key), entry.trigger.debounceMs);
      this.pending.set(key, {
        templateId: entry.template.definition.id,
        index: entry.index,
        changes: [{ path, kind: event.kind }],
        firstAt: this.ports.clock.now(),
        timer,
      });
    }
  }

  private flush(key: string): void {
    const burst = this.pending.get(key);
    if (!burst) return;
    this.pending.delete(key);
    const verdict = this.ports.trust();
    if (!verdict.trusted) {
      this.ports.logger.info(`file trigger of "${burst.templateId}" did not start a run: ${verdict.reason}`);
      return;
    }
    // The template may have changed or gone during the debounce: use the current one.
    const template = this.ports.templates.find(burst.templateId);
    if (!template || template.definition.on.file[burst.index] === undefined) return;
    const payload: FileTriggerPayload = { paths: [...new Set(burst.changes.map((c) => c.path))].sort(), changes: burst.changes };
    try {
      const inputs = instantiate(template.definition, {});
      const run = this.ports.engine.startRun(template.definition, { inputs, trigger: { kind: 'file', payload } });
      this.started.push(run.id);
      this.ports.logger.info(`file change started run ${run.id} of "${burst.templateId}"`, { runId: run.id, paths: payload.paths });
    } catch (error) {
      this.ports.logger.error(`file trigger of "${burst.templateId}" could not start a run: ${describeError(error)}`);
    }
  }

  /** Drops bursts that have not fired yet. */
  dispose(): void {
    for (const burst of this.pending.values()) clearTimeout(burst.timer);
    this.pending.clear();
  }
}
