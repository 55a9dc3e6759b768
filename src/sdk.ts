/**
 * Public entry point for TypeScript templates:
 *
 * ```ts
 * import { defineWorkflow } from 'baton';
 * export default defineWorkflow({ id: 'hello', steps: [{ id: 'say', run: 'echo hello' }] });
 * ```
 *
 * The object has the same shape as a YAML template (snake_case fields, durations as text);
 * it is checked by the same schema and rules (schemas/template.schema.json, docs/templates.md).
 * When Baton bundles a template it resolves `baton` and `baton/sdk` to this module.
 */

/** `30s`, `5m`, `2h`, `1h30m`, `500ms`, `1d`, or a number of seconds. */
export type Duration = string | number;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface InputSpec {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  title?: string;
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  const?: JsonValue;
  examples?: JsonValue[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  items?: InputSpec;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, InputSpec>;
  required?: string[];
  additionalProperties?: boolean;
  /** The value is secret (masked in forms, redacted from logs). */
  secret?: boolean;
  /** Multi-line text box in forms. */
  multiline?: boolean;
}

export interface InputsSpec {
  properties?: Record<string, InputSpec>;
  required?: string[];
}

export interface RetrySpec {
  /** Maximum attempts including the first (default 1). */
  max?: number;
  backoff?: 'exponential' | 'fixed';
  delay?: Duration;
  max_delay?: Duration;
}

export interface ScheduleSpec {
  cron: string;
  timezone?: string;
  catchup?: 'none' | 'latest' | 'all';
  overlap?: 'skip' | 'allow' | 'queue';
}

export interface FileTriggerSpec {
  paths: string | string[];
  events?: Array<'save' | 'create' | 'delete'>;
  debounce?: Duration;
}

export interface EventTriggerSpec {
  type: string;
  if?: string;
}

export interface TriggersSpec {
  manual?: boolean;
  schedule?: ScheduleSpec | ScheduleSpec[];
  file?: FileTriggerSpec | FileTriggerSpec[];
  webhook?: boolean | { secret?: string };
  event?: EventTriggerSpec | EventTriggerSpec[];
}

interface StepSpecCommon {
  id: string;
  name?: string;
  phase?: string;
  needs?: string | string[];
  if?: string | boolean;
  env?: Record<string, string | number | boolean>;
  cwd?: string;
  timeout?: Duration;
  retry?: number | RetrySpec;
  continue_on_error?: boolean;
  outputs?: Record<string, string | InputSpec>;
  foreach?: string | JsonValue[];
  max_parallel?: number;
}

export interface RunStepSpec extends StepSpecCommon {
  run: string;
  shell?: string;
}

export interface AgentStepSpec extends StepSpecCommon {
  agent: 'claude' | 'codex' | 'gemini' | 'default';
  prompt: string;
  acceptance?: string;
  model?: string;
  permission?: 'read-only' | 'edit' | 'full';
  tools?: string[];
  max_turns?: number;
  resume?: boolean;
}

export interface LlmStepSpec extends StepSpecCommon {
  llm: { prompt: string; system?: string; model?: string; max_tokens?: number; json_schema?: Record<string, unknown> };
}

export interface McpStepSpec extends StepSpecCommon {
  mcp: { server: string; tool: string; args?: Record<string, JsonValue> };
}

export interface GateStepSpec extends Omit<StepSpecCommon, 'timeout' | 'retry'> {
  gate: {
    message: string;
    approvers?: string[];
    timeout?: Duration;
    on_timeout?: 'proceed' | 'cancel' | 'escalate';
    inputs?: InputsSpec;
  };
}

export interface WorkflowStepSpec extends StepSpecCommon {
  workflow: string;
  with?: Record<string, JsonValue>;
}

export type StepSpec = RunStepSpec | AgentStepSpec | LlmStepSpec | McpStepSpec | GateStepSpec | WorkflowStepSpec;

/** A workflow template, as written in YAML. */
export interface WorkflowSpec {
  id: string;
  name?: string;
  description?: string;
  category?: string;
  tags?: string[];
  version?: string | number;
  phases?: string[];
  inputs?: InputsSpec;
  on?: TriggersSpec;
  env?: Record<string, string | number | boolean>;
  defaults?: { retry?: number | RetrySpec; timeout?: Duration; agent?: 'claude' | 'codex' | 'gemini'; model?: string };
  concurrency?: { group: string; limit?: number };
  steps: StepSpec[];
}

/** What `execute(ctx)` of a code template gets. */
export interface WorkflowContext {
  runId: string;
  /** 1 for the first attempt of the run's body; higher on retry or resume. */
  attempt: number;
  inputs: Record<string, JsonValue>;
  /** Working directory (the workspace folder). */
  cwd: string;
  /** Aborted on cancel and timeout. */
  signal: AbortSignal;
  /**
   * Runs `fn` once per run: its (JSON) result is recorded under `id`; a retried or resumed run
   * gets the recorded result back without calling `fn` again. Ids must be unique in a run.
   */
  step<T extends JsonValue | void>(id: string, fn: () => T | Promise<T>): Promise<T>;
  /** A line in the step's log. */
  log(text: string): void;
}

/** A template written as code: `execute(ctx)` instead of `steps` (TypeScript templates only). */
export interface CodeWorkflowSpec extends Omit<WorkflowSpec, 'steps'> {
  /** The run's body; its return value (an object's fields, or `result`) becomes the outputs. */
  execute(ctx: WorkflowContext): Promise<JsonValue | void> | JsonValue | void;
}

/** Declares a workflow template; returns it unchanged (the types are the point). */
export function defineWorkflow<const T extends WorkflowSpec | CodeWorkflowSpec>(spec: T): T {
  return spec;
}
