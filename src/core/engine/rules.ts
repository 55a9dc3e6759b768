/**
 * The engine's pure rules: how upstream outcomes drive `success()`/`failure()`/`cancelled()`,
 * how foreach outputs aggregate, input defaults, redaction. No I/O; unit-tested directly.
 */
import { InputInvalidError, type InputProblem } from '../errors';
import type { StatusFunctions } from '../expressions';
import { StepStatus, Upstream, type JsonValue, type Outputs, type StepRecord } from '../model';
import type { Clock } from '../ports';
import type { TemplateDefinition } from '../template/types';

/** Real time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Time-ordered, collision-resistant run id. */
export function defaultRunId(now: number): string {
  const random = globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 8);
  return `${now.toString(36)}-${random}`;
}

/** `run/step` or `run/step[item]`, for messages. */
export function stepLabel(row: StepRecord): string {
  return row.itemKey === null ? `${row.runId}/${row.stepId}` : `${row.runId}/${row.stepId}[${row.itemKey}]`;
}

/** Upstream bits a finished step hands to the steps that need it. */
export function upstreamBitsOf(status: StepStatus, continueOnError: boolean, ownUpstream: number): number {
  // Failure and cancellation are transitive (GitHub's `failure()` looks at all ancestors); skip is direct.
  let bits = ownUpstream & (Upstream.Failed | Upstream.Cancelled);
  if (status === StepStatus.Failed && !continueOnError) bits |= Upstream.Failed;
  if (status === StepStatus.Cancelled) bits |= Upstream.Cancelled;
  if (status === StepStatus.Skipped) bits |= Upstream.Skipped;
  return bits;
}

/** `success()` of a step whose needs finished with these upstream bits (the default `if:`). */
export function upstreamSucceeded(upstream: number): boolean {
  return (upstream & (Upstream.Failed | Upstream.Skipped | Upstream.Cancelled)) === 0;
}

/** The status functions of a step whose needs have all finished with these upstream bits. */
export function statusFunctionsFor(upstream: number): StatusFunctions {
  return {
    success: () => upstreamSucceeded(upstream),
    failure: () => (upstream & Upstream.Failed) !== 0,
    always: () => true,
    cancelled: () => (upstream & Upstream.Cancelled) !== 0,
  };
}

/** Aggregates foreach item outputs: `items` (each item's outputs, in item order) plus one list per output name. */
export function aggregateItemOutputs(items: ReadonlyArray<Outputs | null>): Outputs {
  const names = new Set<string>();
  for (const outputs of items) for (const name of Object.keys(outputs ?? {})) names.add(name);
  const aggregated: Outputs = {};
  for (const name of names) {
    if (name === 'items') continue;
    aggregated[name] = items.map((outputs) => outputs?.[name] ?? null);
  }
  aggregated.items = items.map((outputs) => outputs ?? null);
  return aggregated;
}

/** Fills defaults for missing inputs and checks required ones. */
export function applyInputDefaults(
  template: TemplateDefinition,
  inputs: Record<string, JsonValue>,
): Record<string, JsonValue> {
  const resolved: Record<string, JsonValue> = { ...inputs };
  const problems: InputProblem[] = [];
  for (const [name, schema] of Object.entries(template.inputs.properties)) {
    if (resolved[name] === undefined && schema.default !== undefined) resolved[name] = schema.default;
  }
  for (const name of template.inputs.required) {
    if (resolved[name] === undefined) problems.push({ field: name, message: 'is required' });
  }
  if (problems.length > 0) throw new InputInvalidError(template.id, problems);
  return resolved;
}

/** `path` resolved against `base` unless absolute. */
export function joinPath(base: string, path: string): string {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return path;
  return `${base.replace(/[\\/]+$/, '')}/${path}`;
}

/** Replaces every secret value in a JSON value by `***`. */
export function redact(value: JsonValue, secrets: readonly string[]): JsonValue {
  if (secrets.length === 0) return value;
  let text = JSON.stringify(value);
  for (const secret of secrets) text = text.split(JSON.stringify(secret).slice(1, -1)).join('***');
  return JSON.parse(text) as JsonValue;
}
