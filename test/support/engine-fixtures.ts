/**
 * Helpers for engine and store tests: hand-built templates, a fake clock, temp folders,
 * and a tiny in-process `run:` executor that interprets a few commands (so engine tests do
 * not depend on shells and stay fast).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, Worker, type EngineDeps, type WorkerOptions, type WorkerStats } from '../../src/core/engine';
import { isStepActive, isStepFinished, type JsonValue, type Outputs } from '../../src/core/model';
import type { Clock, RunFiles, StepExecutionContext, StepExecutionResult, StepExecutor } from '../../src/core/ports';
import type {
  GateStep,
  RunStep,
  StepDefinition,
  TemplateDefinition,
  WorkflowStep,
} from '../../src/core/template/types';
import { SqliteStore, openDatabase, openStore, type OpenedStore } from '../../src/store';

/** A clock that only moves when told; `sleep` resolves when time passes its deadline. */
export class FakeClock implements Clock {
  private sleepers: Array<{ until: number; resolve: () => void }> = [];
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { until: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  advance(ms: number): void {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.resolve();
  }
}

/** A fresh temp folder; remove it with `cleanup`. */
export function tempDir(prefix = 'baton-engine-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type StepExtras = Partial<Omit<RunStep, 'kind' | 'id' | 'run'>>;

/** A `run:` step. */
export function runStep(id: string, run: string, extras: StepExtras = {}): RunStep {
  return { kind: 'run', id, run, needs: [], env: {}, continueOnError: false, ...extras };
}

export function gateStep(id: string, extras: Partial<Omit<GateStep, 'kind' | 'id'>> = {}): GateStep {
  return {
    kind: 'gate',
    id,
    message: `approve ${id}?`,
    approvers: [],
    onTimeout: 'cancel',
    needs: [],
    env: {},
    continueOnError: false,
    ...extras,
  };
}

export function workflowStep(id: string, workflow: string, extras: Partial<Omit<WorkflowStep, 'kind' | 'id'>> = {}): WorkflowStep {
  return { kind: 'workflow', id, workflow, with: {}, needs: [], env: {}, continueOnError: false, ...extras };
}

/** A normalized template from steps. */
export function template(id: string, steps: StepDefinition[], extras: Partial<TemplateDefinition> = {}): TemplateDefinition {
  return {
    id,
    name: id,
    tags: [],
    phases: [],
    inputs: { properties: {}, required: [] },
    on: { manual: true, schedule: [], file: [], event: [] },
    env: {},
    defaults: {},
    steps,
    ...extras,
  };
}

/**
 * A `run:` executor that interprets one command per line:
 * `ok`, `out k=v …` (outputs), `sleep <ms>`, `fail <msg>` (retryable), `fatal <msg>`,
 * `append <file> <text>` (a side effect), `echo <text>` (progress output).
 * It tracks how many attempts run at once (`maxConcurrent`, `running`).
 */
export class CommandExecutor implements StepExecutor {
  readonly kind = 'run';
  running = 0;
  maxConcurrent = 0;
  executed: Array<{ runId: string; stepId: string; itemKey?: string; attempt: number }> = [];

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    this.executed.push({ runId: ctx.runId, stepId: ctx.step.id, ...(ctx.itemKey === undefined ? {} : { itemKey: ctx.itemKey }), attempt: ctx.attempt });
    try {
      const outputs: Outputs = {};
      const script = String(ctx.resolved.run ?? '');
      for (const line of script.split('\n').map((l) => l.trim()).filter(Boolean)) {
        const [command, ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (command) {
          case 'ok':
            break;
          case 'out':
            for (const pair of rest) {
              const eq = pair.indexOf('=');
              outputs[pair.slice(0, eq)] = pair.slice(eq + 1);
            }
            break;
          case 'sleep':
            await abortableSleep(Number(arg), ctx.signal);
            if (ctx.signal.aborted) return { kind: 'failed', error: 'aborted', retryable: false };
            break;
          case 'fail':
            return { kind: 'failed', error: arg || 'failed', retryable: true, outputs };
          case 'fatal':
            return { kind: 'failed', error: arg || 'fatal', retryable: false };
          case 'append': {
            const space = arg.indexOf(' ');
            appendFileSync(arg.slice(0, space), `${arg.slice(space + 1)}\n`);
            break;
          }
          case 'echo':
            ctx.progress({ kind: 'output', stream: 'stdout', text: `${arg}\n` });
            break;
          default:
            return { kind: 'failed', error: `unknown command ${command}`, retryable: false };
        }
      }
      return { kind: 'succeeded', outputs };
    } finally {
      this.running--;
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export interface EngineHarness {
  engine: Engine;
  opened: OpenedStore;
  dir: string;
  dbPath: string;
  executor: CommandExecutor;
  close(): void;
}

/** Opens a real database in a temp folder and an engine with a CommandExecutor. */
export function createEngineHarness(deps: Partial<EngineDeps> = {}, dir?: string): EngineHarness {
  const temp = dir ? { dir, cleanup: () => {} } : tempDir();
  const dbPath = join(temp.dir, '.baton', 'baton.db');
  const opened = openStore(dbPath);
  const executor = new CommandExecutor();
  const engine = new Engine({
    store: opened.store,
    files: opened.files,
    workspaceDir: temp.dir,
    executors: [executor],
    ...deps,
  });
  return {
    engine,
    opened,
    dir: temp.dir,
    dbPath,
    executor,
    close() {
      opened.close();
      temp.cleanup();
    },
  };
}

/** RunFiles kept in memory (unit tests: no disk). */
export class MemoryRunFiles implements RunFiles {
  readonly files = new Map<string, string>();
  runDir(runId: string): string {
    return `/mem/runs/${runId}`;
  }
  stepDir(runId: string, stepId: string, itemKey: string | null): string {
    return `${this.runDir(runId)}/steps/${stepId}${itemKey === null ? '' : `/${itemKey}`}`;
  }
  artifactsDir(runId: string): string {
    return `${this.runDir(runId)}/artifacts`;
  }
  writeRunSnapshot(runId: string, definition: TemplateDefinition, inputs: Record<string, JsonValue>): void {
    this.files.set(`${this.runDir(runId)}/definition.json`, JSON.stringify(definition));
    this.files.set(`${this.runDir(runId)}/inputs.json`, JSON.stringify(inputs));
  }
  writeStepInput(runId: string, stepId: string, itemKey: string | null, input: JsonValue): void {
    this.files.set(`${this.stepDir(runId, stepId, itemKey)}/input.json`, JSON.stringify(input));
  }
  writeStepOutput(runId: string, stepId: string, itemKey: string | null, output: JsonValue): void {
    this.files.set(`${this.stepDir(runId, stepId, itemKey)}/output.json`, JSON.stringify(output));
  }
  writeStepSummary(runId: string, stepId: string, itemKey: string | null, markdown: string): void {
    this.files.set(`${this.stepDir(runId, stepId, itemKey)}/summary.md`, markdown);
  }
  appendStepLog(runId: string, stepId: string, itemKey: string | null, text: string): void {
    const path = this.stepLogPath(runId, stepId, itemKey);
    this.files.set(path, (this.files.get(path) ?? '') + text);
  }
  appendStepEvent(runId: string, stepId: string, itemKey: string | null, event: JsonValue): void {
    const path = `${this.stepDir(runId, stepId, itemKey)}/events.jsonl`;
    this.files.set(path, `${this.files.get(path) ?? ''}${JSON.stringify(event)}\n`);
  }
  stepLogPath(runId: string, stepId: string, itemKey: string | null): string {
    return `${this.stepDir(runId, stepId, itemKey)}/stdout.log`;
  }
}

export interface MemoryEngine {
  engine: Engine;
  store: SqliteStore;
  files: MemoryRunFiles;
  executor: CommandExecutor;
  clock: FakeClock;
  close(): void;
}

/** An engine on an in-memory SQLite database with a fake clock and in-memory run files (unit tests). */
export function createMemoryEngine(deps: Partial<EngineDeps> = {}): MemoryEngine {
  const store = new SqliteStore(openDatabase(':memory:'));
  const files = new MemoryRunFiles();
  const executor = new CommandExecutor();
  const clock = new FakeClock();
  const engine = new Engine({ store, files, clock, workspaceDir: '/work', executors: [executor], random: () => 0, ...deps });
  return { engine, store, files, executor, clock, close: () => store.close() };
}

/** Runs a worker until nothing is runnable now. */
export async function drain(engine: Engine, options: WorkerOptions = {}): Promise<WorkerStats> {
  return new Worker(engine, { pollMs: 5, ...options }).run({ untilIdle: true });
}

/** Statuses by step id (items as `id[key]`). */
export function statuses(engine: Engine, runId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of engine.getRun(runId).steps) out[row.itemKey === null ? row.stepId : `${row.stepId}[${row.itemKey}]`] = row.status;
  return out;
}

/** Starts a fixture script as `node --import tsx <script> ...args` (same Node as the tests). */
export function spawnTs(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--no-warnings=ExperimentalWarning', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a fixture script to completion. */
export function runTs(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTs(script, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Polls until `predicate` holds; fails (instead of hanging the suite) after `timeoutMs`. */
export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Recomputes a run's counters from its step rows and compares them with the stored ones. */
export function assertRunCountersConsistent(engine: Engine, runId: string): void {
  const { run, steps } = engine.getRun(runId);
  const definition = engine.getRunDefinition(runId);
  const continueOnError = new Set(definition.steps.filter((s) => s.continueOnError).map((s) => s.id));
  const expected = {
    unfinishedSteps: steps.filter((s) => !isStepFinished(s.status)).length,
    activeSteps: steps.filter((s) => isStepActive(s.status, s.kind)).length,
    failedSteps: steps.filter((s) => s.parentRowId === null && s.status === 'failed' && !continueOnError.has(s.stepId)).length,
  };
  const actual = { unfinishedSteps: run.unfinishedSteps, activeSteps: run.activeSteps, failedSteps: run.failedSteps };
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`run ${runId} counters ${JSON.stringify(actual)} but its steps say ${JSON.stringify(expected)}`);
  }
}
