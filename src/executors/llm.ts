/**
 * Executor for `llm:` steps: one Anthropic Messages call through `@anthropic-ai/sdk`.
 *
 * - Request: the step's `prompt` (expressions resolved) as the one user message, `system`,
 *   `model` (default DEFAULT_LLM_MODEL) and `max_tokens` (default DEFAULT_LLM_MAX_TOKENS). The
 *   exact prompt is saved (secrets redacted) as `prompt.md` in the step folder, the reply as
 *   `reply.md`.
 * - Key and endpoint: the API key is the secret `ANTHROPIC_API_KEY` from the secret source
 *   (so `$BATON_SECRET_ANTHROPIC_API_KEY` or `$ANTHROPIC_API_KEY` in the CLI, SecretStorage in
 *   VS Code); the base URL is `options.baseUrl`, else `$BATON_ANTHROPIC_BASE_URL`, else
 *   `$ANTHROPIC_BASE_URL`, else the SDK's default. The key is redacted like any secret.
 * - Outputs: `text` (the reply), `result` (the parsed JSON with `json_schema`, else the text)
 *   and, with `json_schema`, each top-level property of the parsed object as its own output.
 * - `json_schema`: the reply is parsed as JSON (a ```json fence is tolerated) and validated
 *   with ajv; a reply that is not JSON or does not match is a retryable failure that lists the
 *   validation errors (a second sample usually fixes it; `retry:` decides how often).
 * - Usage: tokens (and cost for known models) go to `ctx.progress({kind:'usage'})` and the
 *   attempt's session info.
 * - Errors: 400/401/403/404 (bad request, auth, permission, unknown model) are not retryable;
 *   429, 5xx, overload and connection failures are; cancel is not, timeout is.
 */
import Anthropic from '@anthropic-ai/sdk';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatonError, StepFailedError, StepTimeoutError, describeError } from '../core/errors';
import type { JsonValue, Outputs } from '../core/model';
import type { SecretSource, StepExecutionContext, StepExecutionResult, StepExecutor } from '../core/ports';
import { createRedactor } from './redact';

/** Model used when neither the step nor the template's `defaults.model` names one. */
export const DEFAULT_LLM_MODEL = 'claude-sonnet-5-5';
/** `max_tokens` when the step gives none. */
export const DEFAULT_LLM_MAX_TOKENS = 4096;
/** Name of the secret holding the Anthropic API key. */
export const ANTHROPIC_KEY_SECRET = 'ANTHROPIC_API_KEY';
/** Files the executor leaves in the step folder. */
export const LLM_PROMPT_FILE = 'prompt.md';
export const LLM_REPLY_FILE = 'reply.md';

/**
 * USD per million tokens (input, output), by model name prefix, for the models whose list price
 * we know; other models (newer ones included) report tokens but no cost rather than a guess.
 */
const PRICES: ReadonlyArray<{ prefix: string; input: number; output: number }> = [
  { prefix: 'claude-opus-4-5', input: 5, output: 25 },
  { prefix: 'claude-opus-4', input: 15, output: 75 },
  { prefix: 'claude-sonnet-4', input: 3, output: 15 },
  { prefix: 'claude-3-7-sonnet', input: 3, output: 15 },
  { prefix: 'claude-haiku-4-5', input: 1, output: 5 },
  { prefix: 'claude-3-5-haiku', input: 0.8, output: 4 },
];

/** Cost in USD of a call, when the model's price is known. */
export function llmCostUsd(model: string, inputTokens: number, outputTokens: number): number | undefined {
  const price = PRICES.find((p) => model.startsWith(p.prefix));
  if (!price) return undefined;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

export interface LlmClientOptions {
  /** Where API keys come from (the secret `ANTHROPIC_API_KEY`). */
  secrets?: SecretSource;
  /** Environment for `$BATON_ANTHROPIC_BASE_URL` / `$ANTHROPIC_BASE_URL` (default: this process's). */
  env?: Record<string, string | undefined>;
  /** Base URL of the Messages API; wins over the environment. */
  baseUrl?: string;
}

export interface LlmRequest {
  prompt: string;
  system?: string;
  model?: string;
  maxTokens?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface LlmReply {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd?: number;
  stopReason: string | null;
}

/**
 * One Messages call. Throws StepFailedError (retryable per the HTTP status) with the API's
 * message; callers redact it with the key. Shared by the `llm` executor and `baton ask`.
 */
export async function callMessages(options: LlmClientOptions, request: LlmRequest): Promise<LlmReply> {
  const apiKey = await resolveApiKey(options);
  const env = options.env ?? process.env;
  const baseURL = options.baseUrl ?? nonEmpty(env.BATON_ANTHROPIC_BASE_URL) ?? nonEmpty(env.ANTHROPIC_BASE_URL);
  // Retries are the engine's job (policy, backoff, attempts recorded), not the SDK's.
  const client = new Anthropic({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0 });
  const model = request.model ?? DEFAULT_LLM_MODEL;
  let message: Anthropic.Message;
  try {
    message = await client.messages.create(
      {
        model,
        max_tokens: request.maxTokens ?? DEFAULT_LLM_MAX_TOKENS,
        ...(request.system ? { system: request.system } : {}),
        messages: [{ role: 'user', content: request.prompt }],
      },
      { ...(request.signal ? { signal: request.signal } : {}), ...(request.timeoutMs !== undefined ? { timeout: request.timeoutMs } : {}) },
    );
  } catch (error) {
    throw classifyApiError(error, model);
  }
  const text = message.content
    .filter((block): block is Anthropic.TextBlock => block.type === 'text')
    .map((block) => block.text)
    .join('');
  const inputTokens = message.usage.input_tokens;
  const outputTokens = message.usage.output_tokens;
  const costUsd = llmCostUsd(message.model || model, inputTokens, outputTokens);
  return {
    text,
    model: message.model || model,
    inputTokens,
    outputTokens,
    ...(costUsd !== undefined ? { costUsd } : {}),
    stopReason: message.stop_reason,
  };
}

async function resolveApiKey(options: LlmClientOptions): Promise<string> {
  const key = (await options.secrets?.get(ANTHROPIC_KEY_SECRET)) ?? undefined;
  if (key === undefined || key === '') {
    throw new StepFailedError(
      `no Anthropic API key: set the secret ${ANTHROPIC_KEY_SECRET} (CLI: $BATON_SECRET_${ANTHROPIC_KEY_SECRET} or $${ANTHROPIC_KEY_SECRET}; VS Code: "Baton: Set Secret")`,
      { retryable: false },
    );
  }
  return key;
}

/** An SDK error as a StepFailedError whose `retryable` follows the HTTP status. */
function classifyApiError(error: unknown, model: string): BatonError {
  if (error instanceof BatonError) return error;
  if (error instanceof Anthropic.APIUserAbortError) {
    return new StepFailedError('cancelled: the Messages call was aborted', { cause: error, retryable: false });
  }
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return new StepFailedError('the Messages API did not answer in time', { cause: error, retryable: true });
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return new StepFailedError(`cannot reach the Messages API: ${error.message}`, { cause: error, retryable: true });
  }
  if (error instanceof Anthropic.APIError) {
    const status = error.status ?? 0;
    const detail = apiErrorMessage(error);
    if (status === 401) return new StepFailedError(`Anthropic API key rejected (401): ${detail}`, { cause: error, retryable: false });
    if (status === 403) return new StepFailedError(`Anthropic API permission denied (403): ${detail}`, { cause: error, retryable: false });
    if (status === 404) return new StepFailedError(`Anthropic API: not found (404; is the model "${model}" right?): ${detail}`, { cause: error, retryable: false });
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return new StepFailedError(`Anthropic API error ${status}: ${detail}`, { cause: error, retryable });
  }
  return new StepFailedError(`Messages call failed: ${describeError(error)}`, { cause: error, retryable: true });
}

/** The server's own message (`{error:{message}}`), else the SDK's. */
function apiErrorMessage(error: InstanceType<typeof Anthropic.APIError>): string {
  const body = error.error as { error?: { message?: unknown } } | undefined;
  const message = body?.error?.message;
  return typeof message === 'string' && message !== '' ? message : error.message;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The JSON in a reply: the whole text, or the body of its first ``` fence. */
export function extractJson(text: string): { ok: true; value: JsonValue } | { ok: false; message: string } {
  const candidates = [text.trim()];
  const fence = /```(?:json|JSON)?\s*\n([\s\S]*?)```/.exec(text);
  if (fence?.[1] !== undefined) candidates.unshift(fence[1].trim());
  let lastError = '';
  for (const candidate of candidates) {
    try {
      return { ok: true, value: JSON.parse(candidate) as JsonValue };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
  }
  return { ok: false, message: `the reply is not JSON (${lastError})` };
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/** Validation errors as `path: message` lines (empty when the value matches). */
export function schemaErrors(schema: Record<string, unknown>, value: JsonValue): string[] {
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new StepFailedError(`json_schema is not a valid JSON Schema: ${describeError(error)}`, { retryable: false });
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '(root)'}: ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

/** The `StepExecutor` for `llm:` steps. */
export class LlmExecutor implements StepExecutor {
  readonly kind = 'llm';
  /** The prompt and the reply go to the step folder. */
  readonly needsStepDir = true;

  constructor(private readonly options: LlmClientOptions = {}) {}

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    if (ctx.step.kind !== 'llm') {
      return { kind: 'failed', error: `the llm executor cannot execute a ${ctx.step.kind} step`, retryable: false };
    }
    const step = ctx.step;
    const apiKey = await this.options.secrets?.get(ANTHROPIC_KEY_SECRET);
    const redact = createRedactor(apiKey ? [...ctx.secrets, apiKey] : ctx.secrets);
    const prompt = str(ctx.resolved.prompt) ?? step.prompt;
    const system = str(ctx.resolved.system) ?? step.system;
    const model = str(ctx.resolved.model) ?? step.model ?? ctx.template.defaults.model ?? DEFAULT_LLM_MODEL;
    const maxTokens = typeof ctx.resolved.maxTokens === 'number' ? ctx.resolved.maxTokens : step.maxTokens;
    const schema = step.jsonSchema;

    await mkdir(ctx.stepDir, { recursive: true });
    const fullPrompt = schema ? `${prompt}\n\n${schemaInstruction(schema)}` : prompt;
    await writeFile(join(ctx.stepDir, LLM_PROMPT_FILE), redact(system ? `<!-- system -->\n${system}\n\n<!-- user -->\n${fullPrompt}` : fullPrompt));
    ctx.progress({ kind: 'message', text: `llm: calling ${model} (attempt ${ctx.attempt})` });

    let reply: LlmReply;
    try {
      reply = await callMessages(this.options, {
        prompt: fullPrompt,
        ...(system ? { system } : {}),
        model,
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        signal: ctx.signal,
        ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}),
      });
    } catch (error) {
      if (ctx.signal.aborted && ctx.signal.reason instanceof StepTimeoutError) {
        return { kind: 'failed', error: ctx.signal.reason.message, retryable: true };
      }
      const retryable = error instanceof BatonError ? error.retryable : true;
      return { kind: 'failed', error: redact(describeError(error)), retryable };
    }

    const text = redact(reply.text);
    await writeFile(join(ctx.stepDir, LLM_REPLY_FILE), text);
    ctx.progress({ kind: 'assistant_text', text });
    ctx.progress({
      kind: 'usage',
      inputTokens: reply.inputTokens,
      outputTokens: reply.outputTokens,
      ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
    });
    const session = {
      inputTokens: reply.inputTokens,
      outputTokens: reply.outputTokens,
      ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
    };

    if (!schema) return { kind: 'succeeded', outputs: { text, result: text }, session };
    if (reply.stopReason === 'max_tokens') {
      return { kind: 'failed', error: `the reply was cut at max_tokens (${maxTokens ?? DEFAULT_LLM_MAX_TOKENS}) before the JSON was complete`, retryable: false, outputs: { text }, session };
    }
    const parsed = extractJson(text);
    if (!parsed.ok) return { kind: 'failed', error: `json_schema: ${parsed.message}`, retryable: true, outputs: { text }, session };
    const problems = schemaErrors(schema, parsed.value);
    if (problems.length > 0) {
      return {
        kind: 'failed',
        error: `json_schema: the reply does not match the schema: ${problems.join('; ')}`,
        retryable: true,
        outputs: { text },
        session,
      };
    }
    const outputs: Outputs = {};
    if (parsed.value !== null && typeof parsed.value === 'object' && !Array.isArray(parsed.value)) {
      for (const [name, value] of Object.entries(parsed.value)) outputs[name] = value;
    }
    return { kind: 'succeeded', outputs: { ...outputs, text, result: parsed.value }, session };
  }
}

/** Tells the model the shape expected, so a first sample usually matches. */
function schemaInstruction(schema: Record<string, unknown>): string {
  return `Reply with only a JSON value (no prose) that matches this JSON Schema:\n\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\``;
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
