/**
 * Ports: how the pure core talks to the world. Adapters live in src/store, src/executors,
 * src/triggers, src/vscode and src/cli.
 */
import type { JsonValue, Outputs } from './model';
import type { StepDefinition, TemplateDefinition } from './template/types';

/** Time, injectable so tests control it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (or at once when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Secret values by name (VS Code SecretStorage, env vars, --secret). */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}

/** One chunk of progress a step reports while it runs. */
export type StepProgress =
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'assistant_text'; text: string }
  | { kind: 'tool_call'; tool: string; id?: string; input?: JsonValue }
  | { kind: 'tool_result'; id?: string; output?: string; isError?: boolean }
  | { kind: 'usage'; inputTokens?: number; outputTokens?: number; costUsd?: number }
  | { kind: 'message'; text: string };

/** Everything an executor needs to run one attempt of one step instance. */
export interface StepExecutionContext {
  runId: string;
  /** Step id (plus `[itemKey]` for foreach instances is in `itemKey`). */
  step: StepDefinition;
  itemKey?: string;
  attempt: number;
  template: TemplateDefinition;
  /** The step's fields with `${{ }}` already resolved (prompt, run, args, ...). */
  resolved: Record<string, JsonValue>;
  env: Record<string, string>;
  /** Absolute working directory. */
  cwd: string;
  /** Folder for this step instance: `.baton/runs/<run>/steps/<step>[/<item>]`. */
  stepDir: string;
  /** Folder for the run's artifacts. */
  artifactsDir: string;
  timeoutMs?: number;
  /** Aborted on cancel, pause-kill or timeout; executors must kill their process tree. */
  signal: AbortSignal;
  /** Values to redact from anything persisted. */
  secrets: readonly string[];
  /** Report progress (persisted as events + step log). */
  progress(event: StepProgress): void;
  /** Outputs of the steps this one needs, by step id. */
  upstream: Record<string, Outputs>;
  /** Run inputs. */
  inputs: Record<string, JsonValue>;
}

/** The result of one attempt. A thrown BatonError is a failure too (retryable per its flag). */
export type StepExecutionResult =
  | {
      kind: 'succeeded';
      outputs: Outputs;
      summary?: string;
      /** Agent steps: session id, transcript path, cost and tokens. */
      session?: AgentSessionInfo;
    }
  | {
      kind: 'failed';
      error: string;
      retryable: boolean;
      exitCode?: number;
      outputs?: Outputs;
      session?: AgentSessionInfo;
    };

export interface AgentSessionInfo {
  sessionId?: string;
  transcriptPath?: string;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
}

/** Runs one kind of step (run, agent, llm, mcp, function). Gates and workflows are the engine's. */
export interface StepExecutor {
  readonly kind: string;
  execute(context: StepExecutionContext): Promise<StepExecutionResult>;
}
