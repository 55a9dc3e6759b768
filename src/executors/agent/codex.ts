/**
 * Codex (`codex exec --json …`).
 *
 * Stream: `thread.started{thread_id}`, `turn.started`, `item.started|updated|completed` (items of
 * type agent_message, reasoning, command_execution, file_change, mcp_tool_call, web_search,
 * todo_list, error), then `turn.completed{usage}` or `turn.failed{error}`; `error` lines report
 * stream errors. There is no result text: the final answer is the last agent_message.
 * Codex has no turn limit of its own, so Baton enforces `max_turns` by counting tool calls.
 * Transcript: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<ts>-<thread_id>.jsonl` (CODEX_HOME
 * defaults to ~/.codex).
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentAdapter, AgentInvocation, AgentInvocationRequest, TranscriptQuery } from './adapter';
import { looksLikeAuthError } from './adapter';
import { MAX_ARGV_PROMPT_BYTES } from './claude';
import { AgentResultStatus, arr, json, num, obj, parseJsonObject, str, type AgentEvent, type AgentStreamParser } from './events';

const SANDBOX_MODES = { 'read-only': 'read-only', edit: 'workspace-write', full: 'danger-full-access' } as const;

export class CodexAdapter implements AgentAdapter {
  readonly kind = 'codex' as const;
  readonly executable = 'codex';
  readonly pathEnvVar = 'BATON_CODEX_PATH';
  readonly installHint = 'install it with npm i -g @openai/codex';
  readonly acceptsToolAllowList = false;

  buildInvocation(request: AgentInvocationRequest): AgentInvocation {
    const viaStdin = Buffer.byteLength(request.prompt) > MAX_ARGV_PROMPT_BYTES;
    const args = ['exec', '--json', '--skip-git-repo-check', '-s', SANDBOX_MODES[request.permission]];
    if (request.model) args.push('-m', request.model);
    for (const [name, server] of Object.entries(request.mcpServers ?? {})) {
      // `-c` values are TOML; JSON strings and arrays of strings are valid TOML literals.
      // `codex exec` never asks for approval, so without `approve` every call of a tool not marked
      // read-only is refused; Baton hands over only servers it trusts (its own). `required` makes
      // Codex wait for the server before the first model call (otherwise an early call of one of
      // its tools fails with "unsupported call").
      const env = Object.entries(server.env ?? {})
        .map(([key, value]) => `${JSON.stringify(key)}=${JSON.stringify(value)}`)
        .join(',');
      args.push(
        '-c',
        `mcp_servers.${tomlKey(name)}={command=${JSON.stringify(server.command)},args=${JSON.stringify(server.args)},env={${env}},default_tools_approval_mode="approve",required=true}`,
      );
    }
    if (request.resumeSessionId) args.push('resume', request.resumeSessionId);
    args.push(viaStdin ? '-' : request.prompt);
    return {
      args,
      env: {},
      ...(viaStdin ? { stdin: request.prompt } : {}),
      ...(request.maxTurns !== undefined ? { enforcedMaxToolCalls: request.maxTurns } : {}),
    };
  }

  createParser(): AgentStreamParser {
    return new CodexStreamParser();
  }

  findTranscript(query: TranscriptQuery): string | undefined {
    const codexHome = query.env.CODEX_HOME ?? join(query.env.HOME ?? homedir(), '.codex');
    const sessions = join(codexHome, 'sessions');
    const suffix = `-${query.sessionId}.jsonl`;
    // Day folders are in local time; look at the days around the attempt in both time zones.
    const days = new Set<string>();
    for (const at of [query.startedAt - 86_400_000, query.startedAt, Date.now(), Date.now() + 86_400_000]) {
      const d = new Date(at);
      days.add(join(String(d.getFullYear()), pad(d.getMonth() + 1), pad(d.getDate())));
      days.add(join(String(d.getUTCFullYear()), pad(d.getUTCMonth() + 1), pad(d.getUTCDate())));
    }
    for (const day of days) {
      const dir = join(sessions, day);
      if (!existsSync(dir)) continue;
      const found = readdirSync(dir).find((name) => name.startsWith('rollout-') && name.endsWith(suffix));
      if (found) return join(dir, found);
    }
    return undefined;
  }

  exitCodeMeaning(): undefined {
    return undefined;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function tomlKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}

class CodexStreamParser implements AgentStreamParser {
  private lastAgentMessage: string | undefined;
  private readonly announced = new Set<string>();
  private turns = 0;

  parseLine(line: string): AgentEvent[] {
    const record = parseJsonObject(line);
    if (!record) return line.trim() === '' ? [] : [{ type: 'raw', text: line }];
    switch (record.type) {
      case 'thread.started': {
        const sessionId = str(record.thread_id);
        return sessionId ? [{ type: 'session', sessionId }] : [];
      }
      case 'turn.started':
        this.turns += 1;
        return [];
      case 'item.started':
        return this.itemStarted(obj(record.item));
      case 'item.completed':
        return this.itemCompleted(obj(record.item));
      case 'turn.completed': {
        const usage = obj(record.usage);
        const result: AgentEvent = { type: 'result', status: AgentResultStatus.Success, numTurns: this.turns };
        if (this.lastAgentMessage !== undefined) result.text = this.lastAgentMessage;
        return [
          {
            type: 'usage',
            inputTokens: (num(usage?.input_tokens) ?? 0) + (num(usage?.cache_write_input_tokens) ?? 0),
            outputTokens: num(usage?.output_tokens) ?? 0,
          },
          result,
        ];
      }
      case 'turn.failed': {
        const message = errorText(obj(record.error)?.message) ?? 'turn failed';
        return [
          {
            type: 'result',
            status: looksLikeAuthError(message) ? AgentResultStatus.AuthError : AgentResultStatus.Error,
            message,
            numTurns: this.turns,
          },
        ];
      }
      case 'error':
        return [{ type: 'notice', level: 'error', message: errorText(record.message) ?? 'unknown error' }];
      default:
        return [];
    }
  }

  private itemStarted(item: Record<string, unknown> | undefined): AgentEvent[] {
    if (!item) return [];
    const call = toolCallOf(item);
    if (!call) return [];
    const id = str(item.id);
    if (id) this.announced.add(id);
    return [call];
  }

  private itemCompleted(item: Record<string, unknown> | undefined): AgentEvent[] {
    if (!item) return [];
    const id = str(item.id);
    switch (item.type) {
      case 'agent_message': {
        const text = str(item.text);
        if (text === undefined) return [];
        this.lastAgentMessage = text;
        return [{ type: 'assistant_text', text }];
      }
      case 'error':
        return [{ type: 'notice', level: 'warning', message: str(item.message) ?? 'error item' }];
      case 'command_execution':
      case 'file_change':
      case 'mcp_tool_call':
      case 'web_search': {
        const events: AgentEvent[] = [];
        // Some items (file changes) are only reported once they are done.
        if (!id || !this.announced.has(id)) {
          const call = toolCallOf(item);
          if (call) events.push(call);
        }
        events.push(toolResultOf(item));
        return events;
      }
      default:
        return [];
    }
  }
}

function toolCallOf(item: Record<string, unknown>): AgentEvent | undefined {
  const id = str(item.id);
  const base = id ? { id } : {};
  switch (item.type) {
    case 'command_execution':
      return { type: 'tool_call', tool: 'shell', ...base, input: { command: str(item.command) ?? '' } };
    case 'file_change':
      return { type: 'tool_call', tool: 'apply_patch', ...base, input: json(item.changes) ?? [] };
    case 'mcp_tool_call': {
      const input = json(item.arguments);
      return {
        type: 'tool_call',
        tool: `${str(item.server) ?? 'mcp'}/${str(item.tool) ?? 'unknown'}`,
        ...base,
        ...(input === undefined ? {} : { input }),
      };
    }
    case 'web_search':
      return { type: 'tool_call', tool: 'web_search', ...base, input: { query: str(item.query) ?? '' } };
    default:
      return undefined;
  }
}

function toolResultOf(item: Record<string, unknown>): AgentEvent {
  const id = str(item.id);
  const failed = item.status === 'failed' || (typeof item.exit_code === 'number' && item.exit_code !== 0);
  let output: string | undefined;
  if (item.type === 'command_execution') output = str(item.aggregated_output);
  else if (item.type === 'file_change') {
    output = arr(item.changes)
      .map((change) => obj(change))
      .map((change) => `${str(change?.kind) ?? 'change'} ${str(change?.path) ?? ''}`.trim())
      .join('\n');
  } else if (item.type === 'mcp_tool_call') {
    const error = obj(item.error);
    output = error ? str(error.message) : JSON.stringify(item.result ?? null);
  }
  return { type: 'tool_result', ...(id ? { id } : {}), ...(output === undefined ? {} : { output }), isError: failed };
}

/** Codex wraps API error bodies as JSON text; show the API's own message when it is there. */
function errorText(value: unknown): string | undefined {
  const text = str(value);
  if (text === undefined) return undefined;
  const parsed = parseJsonObject(text);
  const message = str(obj(parsed?.error)?.message);
  return message ?? text;
}
