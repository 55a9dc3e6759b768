/**
 * Executor for `function` steps: the body of a TypeScript template written as code
 * (`defineWorkflow({ id, execute: async (ctx) => { ... } })`, see src/sdk.ts).
 *
 * - Each attempt re-imports the template module (the run's snapshot keeps only its path: a
 *   function cannot be stored) and calls its `execute(ctx)`.
 * - `ctx.step(id, fn)` is memoised by id in the database: when `fn` returns, its result is
 *   reported as a `checkpoint` progress event (persisted in the run's events). Before calling
 *   `execute`, the executor reads this step's checkpoints back from the store, so a retried or
 *   resumed run gets recorded results without calling finished functions again. Progress is
 *   committed in small batches, so a process that dies within ~50 ms of a function returning
 *   may run that function again (at least once, never lost).
 * - Checkpointed values pass through the engine's redaction: a secret in a result comes back
 *   as `***` on resume. Results must be JSON (undefined is recorded as null).
 * - Outputs: the returned object's fields plus `result` (the returned value). A thrown error is
 *   a retryable failure (a BatonError keeps its own `retryable`); cancel is not retryable.
 */
import { readFileSync } from 'node:fs';
import { BatonError, StepFailedError, StepTimeoutError, describeError } from '../core/errors';
import { EventType, type JsonValue, type Outputs } from '../core/model';
import type { StepExecutionContext, StepExecutionResult, StepExecutor, Store } from '../core/ports';
import type { TypeScriptTemplateEvaluator } from '../core/template/load';

export interface FunctionExecutorOptions {
  /** Where checkpoints are read back from (the run's events). */
  store: Pick<Store, 'listEvents'>;
  /** Imports a TypeScript template module and returns its default export. */
  evaluate: TypeScriptTemplateEvaluator;
}

/** `ctx` of `execute(ctx)`; matches WorkflowContext in src/sdk.ts. */
export interface FunctionStepContext {
  runId: string;
  attempt: number;
  inputs: Record<string, JsonValue>;
  /** The step's working directory (the workspace unless the template sets `cwd`). */
  cwd: string;
  signal: AbortSignal;
  step<T>(id: string, fn: () => T | Promise<T>): Promise<T>;
  log(text: string): void;
}

const EVENT_PAGE = 1000;

/** The checkpoints recorded so far for one step instance, by key (later ones win). */
export function readCheckpoints(store: Pick<Store, 'listEvents'>, runId: string, stepId: string, itemKey: string | null): Map<string, JsonValue> {
  const recorded = new Map<string, JsonValue>();
  let after = 0;
  for (;;) {
    const page = store.listEvents(after, { runId, limit: EVENT_PAGE });
    for (const event of page) {
      if (event.type !== EventType.StepProgress || event.stepId !== stepId || event.itemKey !== itemKey) continue;
      const { kind, key } = event.payload;
      if (kind === 'checkpoint' && typeof key === 'string') recorded.set(key, event.payload.value ?? null);
    }
    if (page.length < EVENT_PAGE) return recorded;
    after = page[page.length - 1]!.id;
  }
}

/** The `StepExecutor` for `function` steps. */
export class FunctionExecutor implements StepExecutor {
  readonly kind = 'function';

  constructor(private readonly options: FunctionExecutorOptions) {}

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    if (ctx.step.kind !== 'function') {
      return { kind: 'failed', error: `the function executor cannot execute a ${ctx.step.kind} step`, retryable: false };
    }
    const modulePath = ctx.step.module;
    let execute: (workflowCtx: FunctionStepContext) => unknown;
    try {
      const exported = (await this.options.evaluate(modulePath, readFileSync(modulePath, 'utf8'))) as { execute?: unknown } | undefined;
      if (typeof exported?.execute !== 'function') {
        return { kind: 'failed', error: `${modulePath}: the template no longer exports execute(ctx)`, retryable: false };
      }
      execute = exported.execute as typeof execute;
    } catch (error) {
      return { kind: 'failed', error: `${modulePath}: cannot load the template: ${describeError(error)}`, retryable: false };
    }

    const recorded = readCheckpoints(this.options.store, ctx.runId, ctx.step.id, ctx.itemKey ?? null);
    const used = new Set<string>();
    let reused = 0;
    const workflowCtx: FunctionStepContext = {
      runId: ctx.runId,
      attempt: ctx.attempt,
      inputs: ctx.inputs,
      cwd: ctx.cwd,
      signal: ctx.signal,
      log: (text) => ctx.progress({ kind: 'output', stream: 'stdout', text: text.endsWith('\n') ? text : `${text}\n` }),
      step: async <T>(id: string, fn: () => T | Promise<T>): Promise<T> => {
        if (used.has(id)) throw new StepFailedError(`ctx.step("${id}") is called twice in one run: step ids must be unique`, { retryable: false });
        used.add(id);
        if (recorded.has(id)) {
          reused++;
          ctx.progress({ kind: 'message', text: `step ${id}: recorded result reused` });
          return recorded.get(id) as T;
        }
        if (ctx.signal.aborted) throw ctx.signal.reason;
        ctx.progress({ kind: 'message', text: `step ${id}: running` });
        const value = await fn();
        const json = toJson(value, id);
        ctx.progress({ kind: 'checkpoint', key: id, value: json });
        recorded.set(id, json);
        return value;
      },
    };

    try {
      const value = toJson(await untilAborted(Promise.resolve().then(() => execute(workflowCtx)), ctx.signal), 'execute');
      const outputs: Outputs = {};
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(outputs, value);
      outputs.result = value;
      const summary = reused > 0 ? `${reused} recorded step result(s) reused` : undefined;
      return summary ? { kind: 'succeeded', outputs, summary } : { kind: 'succeeded', outputs };
    } catch (error) {
      if (ctx.signal.aborted) {
        if (ctx.signal.reason instanceof StepTimeoutError) return { kind: 'failed', error: ctx.signal.reason.message, retryable: true };
        return { kind: 'failed', error: 'cancelled: execute(ctx) was stopped', retryable: false };
      }
      const retryable = error instanceof BatonError ? error.retryable : true;
      return { kind: 'failed', error: `execute(ctx) threw: ${describeError(error)}`, retryable };
    }
  }
}

/** A value as JSON (what can be recorded); undefined is null, anything else unserialisable is an error. */
function toJson(value: unknown, where: string): JsonValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch (error) {
    throw new StepFailedError(`${where}: the result is not JSON: ${describeError(error)}`, { retryable: false });
  }
}

/** Settles with `work`, or rejects as soon as `signal` aborts (the function may ignore it). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
