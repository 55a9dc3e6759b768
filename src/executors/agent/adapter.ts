/**
 * One interface for the three agent CLIs. An adapter knows its CLI's flags, environment,
 * stream format, transcript location and exit codes; the AgentExecutor knows none of that.
 */
import type { AgentKind, AgentPermission } from '../../core/template/types';
import { AgentResultStatus, type AgentRunSummary, type AgentStreamParser } from './events';

/** An MCP server handed to the agent (the stdio shape every CLI understands). */
export interface AgentMcpServer {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** What one agent attempt should do, independent of the CLI. */
export interface AgentInvocationRequest {
  /** The complete prompt (preamble + instructions). */
  prompt: string;
  model?: string;
  permission: AgentPermission;
  /** Tools the agent may use without asking (CLI tool names). */
  tools?: readonly string[];
  maxTurns?: number;
  /** Absolute working directory of the agent. */
  cwd: string;
  /** A session id chosen by Baton for a fresh session (CLIs that accept one). */
  newSessionId?: string;
  /** Continue this session instead of starting a fresh one. */
  resumeSessionId?: string;
  mcpServers?: Record<string, AgentMcpServer>;
  /** The environment the CLI will start from (to find HOME and config dirs). */
  baseEnv: Record<string, string | undefined>;
}

/** How to start the CLI for one attempt. */
export interface AgentInvocation {
  args: string[];
  /** Variables added to (or overriding) the base environment. */
  env: Record<string, string>;
  /** Written to stdin (then closed); used for prompts too long for one argv string. */
  stdin?: string;
  /**
   * When the CLI has no turn limit of its own, Baton stops it after this many tool calls and
   * reports a turn limit.
   */
  enforcedMaxToolCalls?: number;
  /** Things the user should know about this invocation (reported as step progress). */
  notices?: string[];
  /** Removes what buildInvocation created for this attempt (called once the attempt is over). */
  dispose?(): void;
}

/** Where to look for a run's transcript. */
export interface TranscriptQuery {
  sessionId: string;
  cwd: string;
  env: Record<string, string | undefined>;
  /** When the attempt started (ms since epoch): transcripts older than this are not it. */
  startedAt: number;
}

export interface AgentAdapter {
  readonly kind: AgentKind;
  /** Default executable name (looked up on PATH). */
  readonly executable: string;
  /** Environment variable that overrides the executable path, e.g. BATON_CLAUDE_PATH. */
  readonly pathEnvVar: string;
  /** How to install the CLI, shown when it is missing. */
  readonly installHint: string;
  /** False when the CLI has no per-run tool allow-list (`tools:` is then reported as ignored). */
  readonly acceptsToolAllowList: boolean;
  buildInvocation(request: AgentInvocationRequest): AgentInvocation;
  createParser(): AgentStreamParser;
  /** Absolute path of the session transcript when it exists. */
  findTranscript(query: TranscriptQuery): string | undefined;
  /** What a non-zero exit code means for this CLI, when it means something specific. */
  exitCodeMeaning(exitCode: number): AgentResultStatus | 'bad_input' | undefined;
}

/** Final outcome of one agent attempt. */
export const AgentOutcomeKind = {
  Succeeded: 'succeeded',
  /** The CLI or the model API reported an error; trying again may help. */
  Failed: 'failed',
  TurnLimit: 'turn_limit',
  AuthError: 'auth_error',
  /** The CLI refused its arguments or environment (bad flag, untrusted folder). */
  BadInput: 'bad_input',
  /** The process ended without a result line (crash, kill). */
  Crashed: 'crashed',
} as const;
export type AgentOutcomeKind = (typeof AgentOutcomeKind)[keyof typeof AgentOutcomeKind];

export interface AgentOutcome {
  kind: AgentOutcomeKind;
  retryable: boolean;
  /** One line for the step's error (empty on success). */
  message: string;
}

/**
 * Classifies an attempt from the stream summary and the exit status. The result line wins over
 * the exit code (it says why); the exit code decides when there is no result line.
 * Turn limits, auth errors and bad input are not retryable: a fresh session would hit them again.
 */
export function classifyOutcome(
  adapter: Pick<AgentAdapter, 'kind' | 'exitCodeMeaning'>,
  summary: AgentRunSummary,
  exit: { exitCode: number | null; signal: string | null },
): AgentOutcome {
  const result = summary.result;
  const exitMeaning = exit.exitCode !== null && exit.exitCode !== 0 ? adapter.exitCodeMeaning(exit.exitCode) : undefined;
  const lastError = summary.errors[summary.errors.length - 1];
  const exitText = exit.exitCode === null ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with code ${exit.exitCode}`;

  const status = exitMeaning === AgentResultStatus.TurnLimit || exitMeaning === AgentResultStatus.AuthError ? exitMeaning : result?.status;
  if (status === AgentResultStatus.TurnLimit) {
    return {
      kind: AgentOutcomeKind.TurnLimit,
      retryable: false,
      message: `${adapter.kind} reached its turn limit before finishing${result?.message ? `: ${result.message}` : ''}`,
    };
  }
  if (status === AgentResultStatus.AuthError) {
    return {
      kind: AgentOutcomeKind.AuthError,
      retryable: false,
      message: `${adapter.kind} could not authenticate with its model API: ${result?.message ?? lastError ?? exitText}`,
    };
  }
  if (exitMeaning === 'bad_input') {
    return { kind: AgentOutcomeKind.BadInput, retryable: false, message: `${adapter.kind} ${exitText}: ${result?.message ?? lastError ?? 'it refused its input'}` };
  }
  if (result?.status === AgentResultStatus.Success && (exit.exitCode === 0 || exit.exitCode === null)) {
    return { kind: AgentOutcomeKind.Succeeded, retryable: false, message: '' };
  }
  if (result) {
    return {
      kind: AgentOutcomeKind.Failed,
      retryable: true,
      message: `${adapter.kind} reported an error: ${result.message ?? result.text ?? lastError ?? exitText}`,
    };
  }
  return {
    kind: AgentOutcomeKind.Crashed,
    retryable: true,
    message: `${adapter.kind} ${exitText} without a result${lastError ? `: ${lastError}` : ''}`,
  };
}

/** True when an API error text looks like a credentials problem (401/403, invalid key). */
export function looksLikeAuthError(text: string): boolean {
  return /\b(401|403)\b|unauthori[sz]ed|authentication|invalid[ _-]?(x-)?api[ _-]?key|api key not valid|UNAUTHENTICATED|PERMISSION_DENIED/i.test(
    text,
  );
}
