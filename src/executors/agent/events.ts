/**
 * The typed events Baton reads out of an agent CLI's line stream, common to every CLI, and the
 * running summary an executor keeps of them. Adapters (claude.ts, codex.ts, gemini.ts) turn
 * their CLI's JSON lines into these.
 */
import type { JsonValue } from '../../core/model';

/** How a CLI said its run ended (from its final result line). */
export const AgentResultStatus = {
  Success: 'success',
  /** The CLI reported an error (API error, tool failure it gave up on, ...). */
  Error: 'error',
  /** The turn limit (max_turns) was reached before the agent finished. */
  TurnLimit: 'turn_limit',
  /** The model API refused the credentials. */
  AuthError: 'auth_error',
} as const;
export type AgentResultStatus = (typeof AgentResultStatus)[keyof typeof AgentResultStatus];

export type AgentEvent =
  /** The CLI started (or resumed) a session. */
  | { type: 'session'; sessionId: string; model?: string }
  | { type: 'assistant_text'; text: string }
  | { type: 'tool_call'; tool: string; id?: string; input?: JsonValue }
  | { type: 'tool_result'; id?: string; output?: string; isError?: boolean }
  /** Token usage (and cost when the CLI reports it) for the part of the run since the last usage event. */
  | { type: 'usage'; inputTokens?: number; outputTokens?: number; costUsd?: number }
  /** A problem the CLI reported that is not (yet) the final outcome: API retries, stream errors. */
  | { type: 'notice'; message: string; level: 'info' | 'warning' | 'error' }
  /** The CLI's final word on the run. */
  | {
      type: 'result';
      status: AgentResultStatus;
      /** The agent's final answer, when there is one. */
      text?: string;
      /** Why it failed, in the CLI's words. */
      message?: string;
      numTurns?: number;
      durationMs?: number;
    }
  /** A stdout line that is not JSON (banners, warnings); kept for the log. */
  | { type: 'raw'; text: string };

export type AgentEventType = AgentEvent['type'];

/** Turns one stdout line of one CLI into events. Stateful: some CLIs spread a result over lines. */
export interface AgentStreamParser {
  /** One line without its newline. Never throws: unknown or broken lines become `raw` events. */
  parseLine(line: string): AgentEvent[];
}

/** What an executor knows about a run after reading its stream. */
export interface AgentRunSummary {
  sessionId?: string;
  model?: string;
  result?: Extract<AgentEvent, { type: 'result' }>;
  /** Every assistant text, in order (the final answer when the CLI gives no result text). */
  assistantTexts: string[];
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd?: number;
  /** Notices of level error, in order (used to explain failures without a result line). */
  errors: string[];
}

/** An empty summary. */
export function emptySummary(): AgentRunSummary {
  return { assistantTexts: [], toolCalls: 0, inputTokens: 0, outputTokens: 0, errors: [] };
}

/** Folds one event into the summary (mutates and returns it). */
export function summarize(summary: AgentRunSummary, event: AgentEvent): AgentRunSummary {
  switch (event.type) {
    case 'session':
      summary.sessionId = event.sessionId;
      if (event.model) summary.model = event.model;
      break;
    case 'assistant_text':
      summary.assistantTexts.push(event.text);
      break;
    case 'tool_call':
      summary.toolCalls += 1;
      break;
    case 'usage':
      summary.inputTokens += event.inputTokens ?? 0;
      summary.outputTokens += event.outputTokens ?? 0;
      if (event.costUsd !== undefined) summary.costUsd = (summary.costUsd ?? 0) + event.costUsd;
      break;
    case 'notice':
      if (event.level === 'error') summary.errors.push(event.message);
      break;
    case 'result':
      summary.result = event;
      break;
    case 'tool_result':
    case 'raw':
      break;
  }
  return summary;
}

/** Parses a JSON object line; undefined for anything else (blank, banner, array, broken JSON). */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Narrowing helpers for loosely typed CLI JSON. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
export function obj(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
/** A JSON value as stored in events (anything JSON.stringify keeps). */
export function json(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return undefined;
  }
}
