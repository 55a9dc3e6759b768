/**
 * Run folders on disk: `.baton/runs/<run-id>/{definition.json,inputs.json,steps/<step>[/<item>]/…,artifacts/}`.
 * The database is the source of truth; these files are for people and agents to read.
 *
 * Step files are written behind (asynchronously, in order per file) so the engine's hot path
 * does not wait on the file system, which costs far more than a SQLite commit here; `flush()`
 * resolves when everything queued is on disk.
 *
 * A run's folder is created with its first file: the run snapshots (definition.json,
 * inputs.json) are held until a step of the run writes something, so a run whose steps have
 * nothing to show (and whose snapshots the database has anyway) costs no folder at all.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonValue } from '../core/model';
import type { RunFiles } from '../core/ports';
import type { TemplateDefinition } from '../core/template/types';

/** Step ids and item keys become folder names: keep them to a safe alphabet. */
function segment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Runs whose snapshots wait for their first file; beyond this many the oldest are written at once. */
const MAX_PENDING_SNAPSHOTS = 1000;

export class FsRunFiles implements RunFiles {
  /** Run id -> writes of its snapshots, until the run's folder gets its first file. */
  private readonly pendingSnapshots = new Map<string, () => void>();

  /**
   * `runsDir` is usually `<workspace>/.baton/runs`. `stepSnapshots: false` skips each step's
   * input.json/output.json (the database has both): creating two files and a folder per step
   * costs more than the step's commits on slow file systems and huge fan-outs.
   */
  constructor(
    readonly runsDir: string,
    private readonly options: { stepSnapshots?: boolean } = {},
  ) {}

  runDir(runId: string): string {
    return join(this.runsDir, segment(runId));
  }

  stepDir(runId: string, stepId: string, itemKey: string | null): string {
    const base = join(this.runDir(runId), 'steps', segment(stepId));
    return itemKey === null ? base : join(base, segment(itemKey));
  }

  /** Not created here: whoever writes an artifact creates the folder (most runs have none). */
  artifactsDir(runId: string): string {
    return join(this.runDir(runId), 'artifacts');
  }

  writeRunSnapshot(runId: string, definition: TemplateDefinition, inputs: Record<string, JsonValue>): void {
    // Snapshots are immutable: 'wx' never replaces a file that exists (a reopened run keeps its originals).
    const dir = this.runDir(runId);
    this.pendingSnapshots.delete(runId);
    this.pendingSnapshots.set(runId, () => {
      this.queueWrite(dir, 'definition.json', `${JSON.stringify(definition, null, 2)}\n`, 'create');
      this.queueWrite(dir, 'inputs.json', `${JSON.stringify(inputs, null, 2)}\n`, 'create');
    });
    if (this.pendingSnapshots.size > MAX_PENDING_SNAPSHOTS) {
      const oldest = this.pendingSnapshots.keys().next().value as string;
      this.writePendingSnapshot(oldest);
    }
  }

  writeStepInput(runId: string, stepId: string, itemKey: string | null, input: JsonValue): void {
    if (this.options.stepSnapshots === false) return;
    this.queueStepWrite(runId, stepId, itemKey, 'input.json', `${JSON.stringify(input, null, 2)}\n`, 'replace');
  }

  writeStepOutput(runId: string, stepId: string, itemKey: string | null, output: JsonValue): void {
    if (this.options.stepSnapshots === false) return;
    this.queueStepWrite(runId, stepId, itemKey, 'output.json', `${JSON.stringify(output, null, 2)}\n`, 'replace');
  }

  writeStepSummary(runId: string, stepId: string, itemKey: string | null, markdown: string): void {
    this.queueStepWrite(runId, stepId, itemKey, 'summary.md', markdown, 'replace');
  }

  appendStepLog(runId: string, stepId: string, itemKey: string | null, text: string): void {
    this.queueStepWrite(runId, stepId, itemKey, 'stdout.log', text, 'append');
  }

  appendStepEvent(runId: string, stepId: string, itemKey: string | null, event: JsonValue): void {
    this.queueStepWrite(runId, stepId, itemKey, 'events.jsonl', `${JSON.stringify(event)}\n`, 'append');
  }

  /** Resolves when every queued write is on disk; rejects with the first write error since the last flush. */
  async flush(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
    const error = this.writeErrors[0];
    this.writeErrors = [];
    if (error) throw error;
  }

  stepLogPath(runId: string, stepId: string, itemKey: string | null): string {
    return join(this.stepDir(runId, stepId, itemKey), 'stdout.log');
  }

  private readonly tails = new Map<string, Promise<void>>();
  private readonly dirs = new Map<string, Promise<unknown>>();
  private writeErrors: unknown[] = [];

  prepareStepDir(runId: string, stepId: string, itemKey: string | null): Promise<void> {
    this.writePendingSnapshot(runId);
    return this.makeDir(this.stepDir(runId, stepId, itemKey)).then(() => undefined);
  }

  /** A step's file; its run's snapshots go first when the run folder does not have them yet. */
  private queueStepWrite(runId: string, stepId: string, itemKey: string | null, name: string, text: string, mode: 'replace' | 'append'): void {
    this.writePendingSnapshot(runId);
    this.queueWrite(this.stepDir(runId, stepId, itemKey), name, text, mode);
  }

  /** mkdir -p, once per folder (the promise is shared by every write into it). */
  private makeDir(dir: string): Promise<unknown> {
    let made = this.dirs.get(dir);
    if (!made) {
      if (this.dirs.size > 10_000) this.dirs.clear();
      made = mkdir(dir, { recursive: true });
      this.dirs.set(dir, made);
    }
    return made;
  }

  private writePendingSnapshot(runId: string): void {
    const write = this.pendingSnapshots.get(runId);
    if (!write) return;
    this.pendingSnapshots.delete(runId);
    write();
  }

  private queueWrite(dir: string, name: string, text: string, mode: 'replace' | 'append' | 'create'): void {
    const path = join(dir, name);
    const previous = this.tails.get(path) ?? this.makeDir(dir);
    const tail = previous
      .then(() => (mode === 'append' ? appendFile(path, text) : writeFile(path, text, { flag: mode === 'create' ? 'wx' : 'w' })))
      .catch((error: unknown) => {
        if (mode === 'create' && (error as NodeJS.ErrnoException).code === 'EEXIST') return;
        this.writeErrors.push(error);
      });
    this.tails.set(path, tail);
    void tail.then(() => {
      if (this.tails.get(path) === tail) this.tails.delete(path);
    });
  }
}
