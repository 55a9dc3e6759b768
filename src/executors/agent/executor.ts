/**
 * Executor for `agent:` steps: runs one real agent CLI (Claude Code, Codex, Gemini CLI)
 * headless for one attempt of a step.
 *
 * - Prompt: assembled on purpose (prompt.ts) from the run's goal, the step's acceptance
 *   criteria, the run's inputs, the outputs of the steps it needs and its instructions. The exact
 *   prompt (secrets redacted) and what it was assembled from go into the step's `input.json`
 *   (`agent.prompt`, `agent.assembledFrom`, and `agent.attempts` for every attempt so far), and
 *   the prompt alone into `prompt.md`; the engine owns `input.json` and `events.jsonl`.
 * - Session: every attempt is a fresh session, unless the step says `resume: true` and an
 *   earlier attempt recorded one (`agent-session.json` in the step folder).
 * - Streaming: stdout is parsed line by line by the CLI's adapter; each event goes to
 *   `ctx.progress` (which the engine persists as events and the step log); the raw stream is
 *   kept as `agent-stream.jsonl`. Secrets are redacted from everything reported or written.
 * - Baton's MCP server (src/mcp): when `options.mcpServers` gives one, the CLI starts it; outputs
 *   the agent sets with `set_output` (`mcp-outputs.json`) are merged into the step's outputs.
 * - Outcome: `outputs.result` is the agent's final text; `session` carries the session id,
 *   transcript path, cost and tokens. Failures are classified (classifyOutcome): turn limit,
 *   auth errors and bad input are not retryable; API errors and crashes are. Timeout and cancel
 *   kill the whole process tree (runProcess).
 * - Executable: `options.executables[kind]`, else `$BATON_<CLI>_PATH`, else the CLI's name on PATH.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ExecutableNotFoundError, StepTimeoutError } from '../../core/errors';
import type { JsonValue } from '../../core/model';
import type { AgentSessionInfo, StepExecutionContext, StepExecutionResult, StepExecutor, StepProgress } from '../../core/ports';
import type { AgentKind, AgentStep } from '../../core/template/types';
import { findExecutable, runProcess, type ProcessResult } from '../process';
import { createRedactor, type Redactor } from '../redact';
import { classifyOutcome, type AgentAdapter, type AgentInvocation, type AgentMcpServer, type AgentOutcome, AgentOutcomeKind } from './adapter';
import { agentAdapter } from './adapters';
import { emptySummary, summarize, type AgentEvent, type AgentRunSummary } from './events';
import { agentPromptSources, assembleAgentPrompt, type AgentPromptParts, type AgentPromptSources } from './prompt';

/** File names in the step folder. */
export const AGENT_PROMPT_FILE = 'prompt.md';
export const AGENT_STREAM_FILE = 'agent-stream.jsonl';
export const AGENT_SESSION_FILE = 'agent-session.json';
/** The prompt of every attempt so far (what `input.json`'s `agent.attempts` is rebuilt from). */
export const AGENT_PROMPTS_FILE = 'agent-prompts.json';
/** Outputs the agent set through Baton's MCP server (`set_output`), merged into the step's outputs. */
export const AGENT_MCP_OUTPUTS_FILE = 'mcp-outputs.json';

/** Tool results longer than this are cut in progress events (the raw stream keeps them whole). */
const MAX_PROGRESS_TEXT = 4_000;

export interface AgentExecutorOptions {
  /** Environment the CLIs start from (default: this process's environment). */
  baseEnv?: Record<string, string | undefined>;
  /** Executable path per CLI; wins over `$BATON_<CLI>_PATH` and PATH. */
  executables?: Partial<Record<AgentKind, string>>;
  /** SIGTERM -> SIGKILL grace on timeout/cancel (default: runProcess's 5 s). */
  killGraceMs?: number;
  /** MCP servers handed to each agent step (Baton's own server); default none. */
  mcpServers?(ctx: StepExecutionContext): Record<string, AgentMcpServer> | undefined;
  /** Session ids for fresh sessions (default: random UUIDs). */
  newSessionId?(): string;
}

/** What an earlier attempt left for `resume: true`. */
interface RecordedSession {
  agent: AgentKind;
  attempt: number;
  sessionId: string;
  transcriptPath?: string;
}

/** The `StepExecutor` for `agent:` steps. */
export class AgentExecutor implements StepExecutor {
  readonly kind = 'agent';
  /** prompt.md, the stream and the session record go to the step folder. */
  readonly needsStepDir = true;

  constructor(private readonly options: AgentExecutorOptions = {}) {}

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    if (ctx.step.kind !== 'agent') {
      return { kind: 'failed', error: `the agent executor cannot execute a ${ctx.step.kind} step`, retryable: false };
    }
    const step: AgentStep = ctx.step;
    const adapter = agentAdapter(step.agent);
    const redact = createRedactor(ctx.secrets);
    const baseEnv: Record<string, string | undefined> = { ...(this.options.baseEnv ?? process.env), ...ctx.env };
    const executable = this.resolveExecutable(adapter, baseEnv, ctx.cwd);

    await mkdir(ctx.stepDir, { recursive: true });
    // The agent (and Baton's MCP server for it) get the folder in BATON_ARTIFACTS_DIR.
    await mkdir(ctx.artifactsDir, { recursive: true });
    const promptParts: AgentPromptParts = {
      instructions: stringField(ctx.resolved.prompt) ?? step.prompt,
      templateName: ctx.template.name,
      ...(ctx.template.description ? { templateDescription: ctx.template.description } : {}),
      stepId: step.id,
      ...(step.acceptance ? { acceptance: stringField(ctx.resolved.acceptance) ?? step.acceptance } : {}),
      inputs: redactJson(ctx.inputs, redact) as Record<string, JsonValue>,
      upstream: redactJson(ctx.upstream as JsonValue, redact) as Record<string, Record<string, JsonValue>>,
      needs: step.needs,
      ...(ctx.itemKey !== undefined ? { item: { key: ctx.itemKey, ...(ctx.item !== undefined ? { value: redactJson(ctx.item, redact) } : {}) } } : {}),
      ...(ctx.feedback && ctx.feedback.length > 0 ? { feedback: ctx.feedback.map((f) => ({ ...f, comment: redact(f.comment) })) } : {}),
    };
    const prompt = assembleAgentPrompt(promptParts);
    await writeFile(join(ctx.stepDir, AGENT_PROMPT_FILE), redact(prompt));
    await recordPrompt(ctx, redact(prompt), redactJson(agentPromptSources(promptParts) as unknown as JsonValue, redact));
    // Outputs set through Baton's MCP server belong to one attempt only.
    await rm(join(ctx.stepDir, AGENT_MCP_OUTPUTS_FILE), { force: true });

    const previous = step.resume && ctx.attempt > 1 ? await readRecordedSession(ctx.stepDir, step.agent) : undefined;
    const newSessionId = (this.options.newSessionId ?? randomUUID)();
    const model = stringField(ctx.resolved.model) ?? step.model ?? ctx.template.defaults.model;
    if (step.tools && step.tools.length > 0 && !adapter.acceptsToolAllowList) {
      ctx.progress({
        kind: 'message',
        text: `${step.agent}: tools (${step.tools.join(', ')}) ignored: this CLI has no per-run tool allow-list; permission "${step.permission ?? 'edit'}" decides what it may do`,
      });
    }
    const mcpServers = this.options.mcpServers?.(ctx);
    const invocation = adapter.buildInvocation({
      prompt,
      ...(model ? { model } : {}),
      permission: step.permission ?? 'edit',
      ...(step.tools ? { tools: step.tools } : {}),
      ...(step.maxTurns !== undefined ? { maxTurns: step.maxTurns } : {}),
      cwd: ctx.cwd,
      ...(previous ? { resumeSessionId: previous.sessionId } : { newSessionId }),
      ...(mcpServers ? { mcpServers } : {}),
      baseEnv,
    });
    const env: Record<string, string | undefined> = {
      ...this.options.baseEnv ?? process.env,
      ...invocation.env,
      ...ctx.env,
      BATON_RUN_ID: ctx.runId,
      BATON_STEP_ID: step.id,
      BATON_ATTEMPT: String(ctx.attempt),
      BATON_STEP_DIR: ctx.stepDir,
      BATON_ARTIFACTS_DIR: ctx.artifactsDir,
    };
    if (ctx.itemKey !== undefined) env.BATON_ITEM_KEY = ctx.itemKey;

    ctx.progress({
      kind: 'message',
      text: previous
        ? `${step.agent}: resuming session ${previous.sessionId} (attempt ${ctx.attempt})`
        : `${step.agent}: starting a fresh session (attempt ${ctx.attempt})`,
    });

    for (const notice of invocation.notices ?? []) ctx.progress({ kind: 'message', text: `${step.agent}: ${redact(notice)}` });

    try {
      return await this.runInvocation(ctx, step, adapter, invocation, env, executable, redact, previous, newSessionId);
    } finally {
      invocation.dispose?.();
    }
  }

  private async runInvocation(
    ctx: StepExecutionContext,
    step: AgentStep,
    adapter: AgentAdapter,
    invocation: AgentInvocation,
    env: Record<string, string | undefined>,
    executable: string,
    redact: Redactor,
    previous: RecordedSession | undefined,
    newSessionId: string,
  ): Promise<StepExecutionResult> {
    const run = new AgentRun(adapter.createParser(), ctx, redact, join(ctx.stepDir, AGENT_STREAM_FILE), invocation.enforcedMaxToolCalls);
    const startedAt = Date.now();
    let result: ProcessResult;
    try {
      result = await runProcess({
        command: executable,
        args: invocation.args,
        cwd: ctx.cwd,
        env,
        stdin: invocation.stdin ?? 'ignore',
        signal: run.signal,
        ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}),
        ...(this.options.killGraceMs !== undefined ? { killGraceMs: this.options.killGraceMs } : {}),
        installHint: adapter.installHint,
        onStdout: (chunk) => run.stdout(chunk),
        onStderr: (chunk) => run.stderr(chunk),
      });
    } finally {
      await run.end();
    }

    const summary = run.summary;
    // The id Baton chose for Claude names a session only once Claude wrote its transcript: one that
    // died before that must not make every later `resume: true` attempt ask for a session that
    // does not exist.
    const reported = summary.sessionId ?? previous?.sessionId;
    const chosen = adapter.kind === 'claude' && !previous ? newSessionId : undefined;
    const candidate = reported ?? chosen;
    const transcriptPath = candidate ? adapter.findTranscript({ sessionId: candidate, cwd: ctx.cwd, env, startedAt }) : undefined;
    const sessionId = reported ?? (transcriptPath ? chosen : undefined);
    const session: AgentSessionInfo = {
      ...(sessionId ? { sessionId } : {}),
      ...(transcriptPath ? { transcriptPath } : {}),
      ...(summary.costUsd !== undefined ? { costUsd: summary.costUsd } : {}),
      inputTokens: summary.inputTokens,
      outputTokens: summary.outputTokens,
    };
    if (sessionId) {
      const record: RecordedSession = { agent: step.agent, attempt: ctx.attempt, sessionId, ...(transcriptPath ? { transcriptPath } : {}) };
      await writeFile(join(ctx.stepDir, AGENT_SESSION_FILE), `${JSON.stringify(record, null, 2)}\n`);
    }

    const outcome = this.outcomeOf(adapter, summary, result, run, ctx);
    const exitCode = result.exitCode === null ? {} : { exitCode: result.exitCode };
    if (outcome.kind === AgentOutcomeKind.Succeeded) {
      const text = summary.result?.text ?? summary.assistantTexts[summary.assistantTexts.length - 1] ?? '';
      const fromMcp = await readMcpOutputs(ctx.stepDir);
      const outputs = { ...(redactJson(fromMcp, redact) as Record<string, JsonValue>), result: redact(text) };
      return { kind: 'succeeded', outputs, session };
    }
    return { kind: 'failed', error: redact(outcome.message), retryable: outcome.retryable, ...exitCode, session };
  }

  private outcomeOf(
    adapter: AgentAdapter,
    summary: AgentRunSummary,
    result: ProcessResult,
    run: AgentRun,
    ctx: StepExecutionContext,
  ): AgentOutcome {
    if (result.timedOut || (result.cancelled && ctx.signal.reason instanceof StepTimeoutError)) {
      const ms = ctx.timeoutMs ?? (ctx.signal.reason as StepTimeoutError).timeoutMs;
      return { kind: AgentOutcomeKind.Failed, retryable: true, message: new StepTimeoutError(ms).message };
    }
    if (run.turnLimitHit !== undefined) {
      return {
        kind: AgentOutcomeKind.TurnLimit,
        retryable: false,
        message: `${adapter.kind} reached its turn limit before finishing: stopped by Baton at tool call ${run.turnLimitHit + 1} (max_turns ${run.turnLimitHit})`,
      };
    }
    if (result.cancelled) return { kind: AgentOutcomeKind.Failed, retryable: false, message: `cancelled: ${adapter.kind} was stopped` };
    const outcome = classifyOutcome(adapter, summary, result);
    if (outcome.kind === AgentOutcomeKind.Crashed && run.stderrTail) {
      return { ...outcome, message: `${outcome.message}: ${run.stderrTail}` };
    }
    return outcome;
  }

  private resolveExecutable(adapter: AgentAdapter, env: Record<string, string | undefined>, cwd: string): string {
    const fromOptions = this.options.executables?.[adapter.kind];
    const fromEnv = env[adapter.pathEnvVar];
    const configured = fromOptions ?? (fromEnv && fromEnv.length > 0 ? fromEnv : undefined);
    const found = findExecutable(configured ?? adapter.executable, env.PATH, cwd);
    if (found) return found;
    if (configured) {
      const source = fromOptions ? 'the configured agent path' : `$${adapter.pathEnvVar}`;
      throw new ExecutableNotFoundError(adapter.executable, `${configured} (from ${source}) is not an executable file; ${adapter.installHint}`);
    }
    throw new ExecutableNotFoundError(adapter.executable, adapter.installHint);
  }
}

/** The streaming state of one attempt: line splitting, parsing, progress, the raw stream file. */
class AgentRun {
  readonly summary = emptySummary();
  /** Set (to the limit) when Baton stopped the CLI for exceeding max_turns. */
  turnLimitHit: number | undefined;
  private readonly controller = new AbortController();
  readonly signal: AbortSignal;
  private pending = '';
  private stderrPending = '';
  private stderrLines: string[] = [];
  private readonly stream;

  constructor(
    private readonly parser: ReturnType<AgentAdapter['createParser']>,
    private readonly ctx: StepExecutionContext,
    private readonly redact: Redactor,
    streamFile: string,
    private readonly maxToolCalls: number | undefined,
  ) {
    this.signal = AbortSignal.any([ctx.signal, this.controller.signal]);
    this.stream = createWriteStream(streamFile, { flags: 'a' });
    this.stream.on('error', () => undefined);
  }

  get stderrTail(): string {
    return this.stderrLines.slice(-3).join(' | ');
  }

  stdout(chunk: string): void {
    this.pending += chunk;
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      this.line(this.pending.slice(0, newline).replace(/\r$/, ''));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
  }

  stderr(chunk: string): void {
    this.stderrPending += chunk;
    const lines = this.stderrPending.split('\n');
    this.stderrPending = lines.pop() ?? '';
    const meaningful = lines.filter((l) => l.trim() !== '');
    if (meaningful.length === 0) return;
    this.stderrLines.push(...meaningful.map((l) => this.redact(l.trim())));
    if (this.stderrLines.length > 20) this.stderrLines = this.stderrLines.slice(-20);
    this.ctx.progress({ kind: 'output', stream: 'stderr', text: this.redact(`${meaningful.join('\n')}\n`) });
  }

  async end(): Promise<void> {
    if (this.pending.length > 0) this.line(this.pending);
    this.pending = '';
    if (this.stderrPending.trim() !== '') this.stderr('\n');
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
  }

  private line(line: string): void {
    if (line.trim() === '') return;
    this.stream.write(`${this.redact(line)}\n`);
    for (const event of this.parser.parseLine(line)) {
      summarize(this.summary, event);
      const progress = toProgress(event, this.redact);
      if (progress) this.ctx.progress(progress);
      if (
        event.type === 'tool_call' &&
        this.maxToolCalls !== undefined &&
        this.summary.toolCalls > this.maxToolCalls &&
        this.turnLimitHit === undefined
      ) {
        this.turnLimitHit = this.maxToolCalls;
        this.ctx.progress({ kind: 'message', text: `max_turns ${this.maxToolCalls} reached: stopping the agent` });
        this.controller.abort();
      }
    }
  }
}

/** Maps an agent event to the engine's progress vocabulary (secrets redacted, long texts cut). */
export function toProgress(event: AgentEvent, redact: Redactor = (t) => t): StepProgress | undefined {
  switch (event.type) {
    case 'session':
      return { kind: 'message', text: `session ${event.sessionId}${event.model ? ` (model ${event.model})` : ''}` };
    case 'assistant_text':
      return { kind: 'assistant_text', text: redact(event.text) };
    case 'tool_call':
      return {
        kind: 'tool_call',
        tool: event.tool,
        ...(event.id ? { id: event.id } : {}),
        ...(event.input !== undefined ? { input: redactJson(event.input, redact) } : {}),
      };
    case 'tool_result':
      return {
        kind: 'tool_result',
        ...(event.id ? { id: event.id } : {}),
        ...(event.output !== undefined ? { output: cut(redact(event.output)) } : {}),
        ...(event.isError !== undefined ? { isError: event.isError } : {}),
      };
    case 'usage':
      return {
        kind: 'usage',
        ...(event.inputTokens !== undefined ? { inputTokens: event.inputTokens } : {}),
        ...(event.outputTokens !== undefined ? { outputTokens: event.outputTokens } : {}),
        ...(event.costUsd !== undefined ? { costUsd: event.costUsd } : {}),
      };
    case 'notice':
      return { kind: 'message', text: redact(`${event.level}: ${event.message}`) };
    case 'result':
      return {
        kind: 'message',
        text: redact(`result: ${event.status}${event.message ? ` — ${event.message}` : ''}${event.numTurns !== undefined ? ` (${event.numTurns} turns)` : ''}`),
      };
    case 'raw':
      return { kind: 'output', stream: 'stdout', text: `${redact(event.text)}\n` };
  }
}

function cut(text: string): string {
  return text.length > MAX_PROGRESS_TEXT ? `${text.slice(0, MAX_PROGRESS_TEXT)}…(${text.length - MAX_PROGRESS_TEXT} more characters)` : text;
}

function stringField(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function redactJson(value: JsonValue, redact: Redactor): JsonValue {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (value && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, v] of Object.entries(value)) out[key] = redactJson(v, redact);
    return out;
  }
  return value;
}

/** One attempt's prompt as `input.json` shows it. */
interface AttemptPrompt {
  attempt: number;
  /** The exact prompt the CLI was given (secrets redacted); absent when `sameAsAttempt` says where it is. */
  prompt?: string;
  /** What the prompt was assembled from (goal, acceptance criteria, inputs, upstream outputs, instructions). */
  assembledFrom?: JsonValue;
  /** This attempt's prompt was the same as that earlier attempt's. */
  sameAsAttempt?: number;
}

/**
 * Adds this attempt's exact prompt and its parts to the step's `input.json` (through the engine,
 * which owns that file), with the prompts of the earlier attempts: a retry may be given a
 * different prompt (its attempt number, changed upstream outputs), so each attempt is kept;
 * one identical to an earlier attempt's only names it.
 */
async function recordPrompt(ctx: StepExecutionContext, prompt: string, assembledFrom: JsonValue): Promise<void> {
  const file = join(ctx.stepDir, AGENT_PROMPTS_FILE);
  let attempts: AttemptPrompt[] = [];
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (Array.isArray(saved)) attempts = (saved as AttemptPrompt[]).filter((a) => a.attempt < ctx.attempt);
  } catch {
    // First attempt, or a step folder from before this file existed.
  }
  const same = attempts.find((a) => a.prompt === prompt && isDeepStrictEqual(a.assembledFrom, assembledFrom));
  attempts.push(same ? { attempt: ctx.attempt, sameAsAttempt: same.attempt } : { attempt: ctx.attempt, prompt, assembledFrom });
  await writeFile(file, `${JSON.stringify(attempts, null, 2)}\n`);
  ctx.recordInput?.({
    agent: {
      prompt,
      promptFile: AGENT_PROMPT_FILE,
      assembledFrom,
      attempts: attempts as unknown as JsonValue,
    },
  });
}

/**
 * What the latest attempt's prompt was assembled from (following `sameAsAttempt`), read from the
 * step folder; undefined before an attempt recorded one.
 */
export function readLatestPromptSources(stepDir: string): Partial<AgentPromptSources> | undefined {
  try {
    const attempts = JSON.parse(readFileSync(join(stepDir, AGENT_PROMPTS_FILE), 'utf8')) as AttemptPrompt[];
    const latest = attempts[attempts.length - 1];
    const source = latest?.sameAsAttempt === undefined ? latest : attempts.find((a) => a.attempt === latest.sameAsAttempt);
    return source?.assembledFrom as Partial<AgentPromptSources> | undefined;
  } catch {
    return undefined;
  }
}

async function readMcpOutputs(stepDir: string): Promise<JsonValue> {
  try {
    const value = JSON.parse(await readFile(join(stepDir, AGENT_MCP_OUTPUTS_FILE), 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonValue) : {};
  } catch {
    return {};
  }
}

async function readRecordedSession(stepDir: string, agent: AgentKind): Promise<RecordedSession | undefined> {
  try {
    const record = JSON.parse(await readFile(join(stepDir, AGENT_SESSION_FILE), 'utf8')) as Partial<RecordedSession>;
    return record.agent === agent && typeof record.sessionId === 'string' ? (record as RecordedSession) : undefined;
  } catch {
    return undefined;
  }
}
