/**
 * Turns a template object that passed the schema and the semantic checks into the
 * normalized `TemplateDefinition`: durations in ms, lists where one item was allowed,
 * defaults applied, each step tagged with its `kind`.
 */
import type { JsonValue } from '../model';
import { parseDuration } from './duration';
import type {
  AgentKind,
  AgentPermission,
  EventTrigger,
  FileTrigger,
  InputSchema,
  RetryPolicy,
  ScheduleTrigger,
  StepDefinition,
  TemplateDefaults,
  TemplateDefinition,
  TemplateInputs,
  Triggers,
} from './types';

type RawRecord = Record<string, unknown>;

/** Retry policy fields not given take these values. */
export const RETRY_DEFAULTS: RetryPolicy = { max: 1, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000 };
/** Quiet time of a file trigger when `debounce` is not given. */
export const FILE_DEBOUNCE_DEFAULT_MS = 2000;
/** Agent used by `agent: default` when `defaults.agent` is not set. */
export const DEFAULT_AGENT: AgentKind = 'claude';

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function durationMs(value: unknown): number | undefined {
  return value === undefined ? undefined : parseDuration(value);
}

function normalizeRetry(raw: unknown): RetryPolicy | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'number') return { ...RETRY_DEFAULTS, max: raw };
  const r = raw as RawRecord;
  return {
    max: (r.max as number | undefined) ?? RETRY_DEFAULTS.max,
    backoff: (r.backoff as RetryPolicy['backoff'] | undefined) ?? RETRY_DEFAULTS.backoff,
    delayMs: durationMs(r.delay) ?? RETRY_DEFAULTS.delayMs,
    maxDelayMs: durationMs(r.max_delay) ?? RETRY_DEFAULTS.maxDelayMs,
  };
}

function normalizeEnv(raw: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries((raw as RawRecord | undefined) ?? {})) env[key] = String(value);
  return env;
}

function normalizeInputs(raw: unknown): TemplateInputs {
  const r = (raw as RawRecord | undefined) ?? {};
  return {
    properties: { ...((r.properties as Record<string, InputSchema> | undefined) ?? {}) },
    required: [...((r.required as string[] | undefined) ?? [])],
  };
}

function normalizeTriggers(raw: unknown): Triggers {
  const r = (raw as RawRecord | undefined) ?? {};
  const webhook = r.webhook;
  const triggers: Triggers = {
    manual: (r.manual as boolean | undefined) ?? true,
    schedule: asList(r.schedule as RawRecord | RawRecord[] | undefined).map(
      (s): ScheduleTrigger => ({
        cron: s.cron as string,
        ...(s.timezone !== undefined ? { timezone: s.timezone as string } : {}),
        catchup: (s.catchup as ScheduleTrigger['catchup'] | undefined) ?? 'latest',
        overlap: (s.overlap as ScheduleTrigger['overlap'] | undefined) ?? 'skip',
      }),
    ),
    file: asList(r.file as RawRecord | RawRecord[] | undefined).map(
      (f): FileTrigger => ({
        paths: asList(f.paths as string | string[]),
        events: (f.events as FileTrigger['events'] | undefined) ?? ['save', 'create'],
        debounceMs: durationMs(f.debounce) ?? FILE_DEBOUNCE_DEFAULT_MS,
      }),
    ),
    event: asList(r.event as RawRecord | RawRecord[] | undefined).map(
      (e): EventTrigger => ({ type: e.type as string, ...(e.if !== undefined ? { if: e.if as string } : {}) }),
    ),
  };
  if (webhook === true) triggers.webhook = {};
  else if (webhook !== undefined && webhook !== false) {
    const secret = (webhook as RawRecord).secret;
    triggers.webhook = secret === undefined ? {} : { secret: secret as string };
  }
  return triggers;
}

/** `${{ fromJSON('[…]') }}` for a literal foreach list, so the engine always evaluates one expression. */
function foreachExpression(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') return raw;
  return `\${{ fromJSON('${JSON.stringify(raw).replace(/'/g, "''")}') }}`;
}

function normalizeOutputs(raw: unknown): Record<string, InputSchema> | undefined {
  if (raw === undefined) return undefined;
  const outputs: Record<string, InputSchema> = {};
  for (const [name, value] of Object.entries(raw as RawRecord)) {
    outputs[name] = typeof value === 'string' ? { description: value } : { ...(value as InputSchema) };
  }
  return outputs;
}

function normalizeStep(raw: RawRecord, defaults: TemplateDefaults): StepDefinition {
  const timeoutMs = durationMs(raw.timeout) ?? defaults.timeoutMs;
  const retry = normalizeRetry(raw.retry) ?? defaults.retry;
  const outputs = normalizeOutputs(raw.outputs);
  const foreach = foreachExpression(raw.foreach);
  const common = {
    id: raw.id as string,
    ...(raw.name !== undefined ? { name: raw.name as string } : {}),
    ...(raw.phase !== undefined ? { phase: raw.phase as string } : {}),
    needs: asList(raw.needs as string | string[] | undefined),
    ...(raw.if !== undefined ? { if: String(raw.if) } : {}),
    env: normalizeEnv(raw.env),
    ...(raw.cwd !== undefined ? { cwd: raw.cwd as string } : {}),
    continueOnError: (raw.continue_on_error as boolean | undefined) ?? false,
    ...(outputs ? { outputs } : {}),
    ...(foreach !== undefined ? { foreach } : {}),
    ...(raw.max_parallel !== undefined ? { maxParallel: raw.max_parallel as number } : {}),
    ...(raw.acceptance !== undefined ? { acceptance: raw.acceptance as string } : {}),
  };
  // Gates wait for people: the step-level timeout and retry defaults do not apply to them.
  const policies = {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retry !== undefined ? { retry: { ...retry } } : {}),
  };
  if (raw.run !== undefined) {
    return { ...common, ...policies, kind: 'run', run: raw.run as string, ...(raw.shell !== undefined ? { shell: raw.shell as string } : {}) };
  }
  if (raw.agent !== undefined) {
    const agent = raw.agent === 'default' ? (defaults.agent ?? DEFAULT_AGENT) : (raw.agent as AgentKind);
    const model = (raw.model as string | undefined) ?? defaults.model;
    return {
      ...common,
      ...policies,
      kind: 'agent',
      agent,
      prompt: (raw.prompt as string | undefined) ?? '',
      ...(model !== undefined ? { model } : {}),
      ...(raw.permission !== undefined ? { permission: raw.permission as AgentPermission } : {}),
      ...(raw.tools !== undefined ? { tools: [...(raw.tools as string[])] } : {}),
      ...(raw.max_turns !== undefined ? { maxTurns: raw.max_turns as number } : {}),
      ...(raw.resume !== undefined ? { resume: raw.resume as boolean } : {}),
    };
  }
  if (raw.llm !== undefined) {
    const llm = raw.llm as RawRecord;
    const model = (llm.model as string | undefined) ?? defaults.model;
    return {
      ...common,
      ...policies,
      kind: 'llm',
      prompt: llm.prompt as string,
      ...(model !== undefined ? { model } : {}),
      ...(llm.max_tokens !== undefined ? { maxTokens: llm.max_tokens as number } : {}),
      ...(llm.system !== undefined ? { system: llm.system as string } : {}),
      ...(llm.json_schema !== undefined ? { jsonSchema: llm.json_schema as Record<string, unknown> } : {}),
    };
  }
  if (raw.mcp !== undefined) {
    const mcp = raw.mcp as RawRecord;
    return {
      ...common,
      ...policies,
      kind: 'mcp',
      server: mcp.server as string,
      tool: mcp.tool as string,
      args: { ...((mcp.args as Record<string, JsonValue> | undefined) ?? {}) },
    };
  }
  if (raw.gate !== undefined) {
    const gate = raw.gate as RawRecord;
    const gateTimeoutMs = durationMs(gate.timeout);
    return {
      ...common,
      kind: 'gate',
      message: gate.message as string,
      approvers: [...((gate.approvers as string[] | undefined) ?? [])],
      ...(gateTimeoutMs !== undefined ? { gateTimeoutMs } : {}),
      onTimeout: (gate.on_timeout as 'proceed' | 'cancel' | 'escalate' | undefined) ?? 'cancel',
      ...(gate.inputs !== undefined ? { inputs: normalizeInputs(gate.inputs) } : {}),
    };
  }
  return {
    ...common,
    ...policies,
    kind: 'workflow',
    workflow: raw.workflow as string,
    with: { ...((raw.with as Record<string, JsonValue> | undefined) ?? {}) },
  };
}

/** Builds the normalized definition from a template object that has no problems. */
export function normalizeTemplate(raw: RawRecord): TemplateDefinition {
  const rawDefaults = (raw.defaults as RawRecord | undefined) ?? {};
  const defaults: TemplateDefaults = {};
  const defaultRetry = normalizeRetry(rawDefaults.retry);
  if (defaultRetry) defaults.retry = defaultRetry;
  const defaultTimeout = durationMs(rawDefaults.timeout);
  if (defaultTimeout !== undefined) defaults.timeoutMs = defaultTimeout;
  if (rawDefaults.agent !== undefined) defaults.agent = rawDefaults.agent as AgentKind;
  if (rawDefaults.model !== undefined) defaults.model = rawDefaults.model as string;
  const concurrency = raw.concurrency as RawRecord | undefined;
  const definition: TemplateDefinition = {
    id: raw.id as string,
    name: (raw.name as string | undefined) ?? (raw.id as string),
    tags: [...((raw.tags as string[] | undefined) ?? [])],
    phases: [...((raw.phases as string[] | undefined) ?? [])],
    inputs: normalizeInputs(raw.inputs),
    on: normalizeTriggers(raw.on),
    env: normalizeEnv(raw.env),
    defaults,
    steps: (raw.steps as RawRecord[]).map((s) => normalizeStep(s, defaults)),
  };
  if (raw.description !== undefined) definition.description = raw.description as string;
  if (raw.category !== undefined) definition.category = raw.category as string;
  if (raw.version !== undefined) definition.version = String(raw.version);
  if (concurrency) definition.concurrency = { group: concurrency.group as string, limit: (concurrency.limit as number | undefined) ?? 1 };
  return definition;
}

type FileObject = Record<string, JsonValue>;

function durationText(ms: number): string {
  return `${ms}ms`;
}

function retryObject(retry: RetryPolicy): FileObject {
  return { max: retry.max, backoff: retry.backoff, delay: durationText(retry.delayMs), max_delay: durationText(retry.maxDelayMs) };
}

function inputsObject(inputs: TemplateInputs): FileObject {
  return { properties: inputs.properties as unknown as FileObject, required: inputs.required };
}

/**
 * The file form of a definition (what a YAML template with the same meaning holds): the
 * inverse of normalization, with defaults made explicit. Loading it gives the same definition.
 */
export function serializeTemplate(definition: TemplateDefinition): FileObject {
  const file: FileObject = { id: definition.id, name: definition.name };
  if (definition.description !== undefined) file.description = definition.description;
  if (definition.category !== undefined) file.category = definition.category;
  file.tags = definition.tags;
  if (definition.version !== undefined) file.version = definition.version;
  file.phases = definition.phases;
  file.inputs = inputsObject(definition.inputs);
  const on: FileObject = {
    manual: definition.on.manual,
    schedule: definition.on.schedule.map((s) => ({ ...s })) as unknown as JsonValue[],
    file: definition.on.file.map((f) => ({ paths: f.paths, events: f.events, debounce: durationText(f.debounceMs) })),
    event: definition.on.event.map((e) => ({ ...e })) as unknown as JsonValue[],
  };
  if (definition.on.webhook) on.webhook = { ...definition.on.webhook } as FileObject;
  file.on = on;
  file.env = definition.env;
  const defaults: FileObject = {};
  if (definition.defaults.retry) defaults.retry = retryObject(definition.defaults.retry);
  if (definition.defaults.timeoutMs !== undefined) defaults.timeout = durationText(definition.defaults.timeoutMs);
  if (definition.defaults.agent !== undefined) defaults.agent = definition.defaults.agent;
  if (definition.defaults.model !== undefined) defaults.model = definition.defaults.model;
  file.defaults = defaults;
  if (definition.concurrency) file.concurrency = { ...definition.concurrency };
  file.steps = definition.steps.map(serializeStep);
  return file;
}

function serializeStep(step: StepDefinition): FileObject {
  const out: FileObject = { id: step.id };
  if (step.name !== undefined) out.name = step.name;
  if (step.phase !== undefined) out.phase = step.phase;
  out.needs = step.needs;
  if (step.if !== undefined) out.if = step.if;
  out.env = step.env;
  if (step.cwd !== undefined) out.cwd = step.cwd;
  if (step.timeoutMs !== undefined && step.kind !== 'gate') out.timeout = durationText(step.timeoutMs);
  if (step.retry !== undefined && step.kind !== 'gate') out.retry = retryObject(step.retry);
  out.continue_on_error = step.continueOnError;
  if (step.outputs !== undefined) out.outputs = step.outputs as unknown as FileObject;
  if (step.foreach !== undefined) out.foreach = step.foreach;
  if (step.maxParallel !== undefined) out.max_parallel = step.maxParallel;
  if (step.acceptance !== undefined) out.acceptance = step.acceptance;
  switch (step.kind) {
    case 'run':
      out.run = step.run;
      if (step.shell !== undefined) out.shell = step.shell;
      break;
    case 'agent':
      out.agent = step.agent;
      out.prompt = step.prompt;
      if (step.model !== undefined) out.model = step.model;
      if (step.permission !== undefined) out.permission = step.permission;
      if (step.tools !== undefined) out.tools = step.tools;
      if (step.maxTurns !== undefined) out.max_turns = step.maxTurns;
      if (step.resume !== undefined) out.resume = step.resume;
      break;
    case 'llm': {
      const llm: FileObject = { prompt: step.prompt };
      if (step.system !== undefined) llm.system = step.system;
      if (step.model !== undefined) llm.model = step.model;
      if (step.maxTokens !== undefined) llm.max_tokens = step.maxTokens;
      if (step.jsonSchema !== undefined) llm.json_schema = step.jsonSchema as FileObject;
      out.llm = llm;
      break;
    }
    case 'mcp':
      out.mcp = { server: step.server, tool: step.tool, args: step.args };
      break;
    case 'gate': {
      const gate: FileObject = { message: step.message, approvers: step.approvers, on_timeout: step.onTimeout };
      if (step.gateTimeoutMs !== undefined) gate.timeout = durationText(step.gateTimeoutMs);
      if (step.inputs !== undefined) gate.inputs = inputsObject(step.inputs);
      out.gate = gate;
      break;
    }
    case 'workflow':
      out.workflow = step.workflow;
      out.with = step.with;
      break;
    case 'function':
      // Function steps exist only in TypeScript templates and have no file form.
      throw new TypeError(`step ${step.id} is a function step and cannot be serialized`);
  }
  return out;
}
