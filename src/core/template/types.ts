/**
 * The shape of a workflow template after loading and validation. YAML and TypeScript
 * templates both end up as a `TemplateDefinition`; `schemas/template.schema.json` is the
 * source of truth for the file format and must agree with these types.
 */
import type { JsonValue } from '../model';

/** JSON Schema for one input (subset we rely on; anything else is passed to ajv as is). */
export interface InputSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: InputSchema;
  format?: string;
  /** Baton extension: the value is a secret (masked in forms, redacted in logs). */
  secret?: boolean;
  title?: string;
  [key: string]: unknown;
}

/** `inputs:` section: JSON Schema `properties` plus `required`. */
export interface TemplateInputs {
  properties: Record<string, InputSchema>;
  required: string[];
}

export interface RetryPolicy {
  /** Maximum attempts including the first (default 1: no retry). */
  max: number;
  /** `exponential` (default) or `fixed`. */
  backoff: 'exponential' | 'fixed';
  /** First delay in ms (default 1000). */
  delayMs: number;
  /** Cap for any delay in ms (default 60000). */
  maxDelayMs: number;
}

export type AgentKind = 'claude' | 'codex' | 'gemini';
export type AgentPermission = 'read-only' | 'edit' | 'full';

interface StepCommon {
  id: string;
  name?: string;
  phase?: string;
  needs: string[];
  /** Condition expression (without `${{ }}`); default `success()`. */
  if?: string;
  env: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  continueOnError: boolean;
  /** Declared outputs: name -> JSON Schema (or description string). */
  outputs?: Record<string, InputSchema>;
  /** Fan-out: expression producing a list; one instance per item. */
  foreach?: string;
  maxParallel?: number;
  /** Acceptance criteria given to agent steps. */
  acceptance?: string;
}

export interface RunStep extends StepCommon {
  kind: 'run';
  run: string;
  shell?: string;
}

export interface AgentStep extends StepCommon {
  kind: 'agent';
  agent: AgentKind;
  prompt: string;
  model?: string;
  permission?: AgentPermission;
  tools?: string[];
  maxTurns?: number;
  /** Continue the previous attempt's session instead of a fresh one. */
  resume?: boolean;
}

export interface LlmStep extends StepCommon {
  kind: 'llm';
  prompt: string;
  model?: string;
  maxTokens?: number;
  system?: string;
  jsonSchema?: Record<string, unknown>;
}

export interface McpStep extends StepCommon {
  kind: 'mcp';
  server: string;
  tool: string;
  args: Record<string, JsonValue>;
}

export interface GateStep extends StepCommon {
  kind: 'gate';
  message: string;
  approvers: string[];
  /** ms before `onTimeout` applies; undefined = wait forever. */
  gateTimeoutMs?: number;
  onTimeout: 'proceed' | 'cancel' | 'escalate';
  /** Form the approver fills. */
  inputs?: TemplateInputs;
}

export interface WorkflowStep extends StepCommon {
  kind: 'workflow';
  workflow: string;
  with: Record<string, JsonValue>;
}

/**
 * The body of a TypeScript template that has `execute(ctx)` instead of `steps`: one step whose
 * executor re-imports `module` and calls its `execute`; `ctx.step(id, fn)` results are
 * checkpointed in the run's events, so a retry or resume does not run finished ones again.
 */
export interface FunctionStep extends StepCommon {
  kind: 'function';
  /** Absolute path of the template module. */
  module: string;
}

export type StepDefinition = RunStep | AgentStep | LlmStep | McpStep | GateStep | WorkflowStep | FunctionStep;
export type StepKind = StepDefinition['kind'];
export const STEP_KINDS = ['run', 'agent', 'llm', 'mcp', 'gate', 'workflow'] as const;

export interface ScheduleTrigger {
  cron: string;
  timezone?: string;
  catchup: 'none' | 'latest' | 'all';
  overlap: 'skip' | 'allow' | 'queue';
}
export interface FileTrigger {
  paths: string[];
  events: Array<'save' | 'create' | 'delete'>;
  debounceMs: number;
}
export interface EventTrigger {
  type: string;
  if?: string;
}
export interface Triggers {
  manual: boolean;
  schedule: ScheduleTrigger[];
  file: FileTrigger[];
  webhook?: { secret?: string };
  event: EventTrigger[];
}

export interface TemplateDefaults {
  retry?: RetryPolicy;
  timeoutMs?: number;
  agent?: AgentKind;
  model?: string;
}

export interface TemplateDefinition {
  id: string;
  name: string;
  description?: string;
  category?: string;
  tags: string[];
  version?: string;
  phases: string[];
  inputs: TemplateInputs;
  on: Triggers;
  env: Record<string, string>;
  defaults: TemplateDefaults;
  /** Concurrency: key expression and limit of active runs per key. */
  concurrency?: { group: string; limit: number };
  steps: StepDefinition[];
}

/** Where a template came from. */
export type TemplateSourceKind = 'builtin' | 'workspace' | 'user';

export interface LoadedTemplate {
  definition: TemplateDefinition;
  /** Absolute path of the source file. */
  sourcePath: string;
  source: TemplateSourceKind;
  /** sha256 of the source text. */
  hash: string;
}
