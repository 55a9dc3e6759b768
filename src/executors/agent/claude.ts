/**
 * Claude Code (`claude -p … --output-format stream-json --verbose`).
 *
 * Stream: `system/init` (session id), `assistant` (text and tool_use blocks), `user` (tool_result
 * blocks), `system/api_retry`, and one final `result` line with subtype, is_error, the final text,
 * cost and usage. Transcript: `<config dir>/projects/<cwd, non-alphanumerics as ->/<session>.jsonl`
 * where the config dir is `$CLAUDE_CONFIG_DIR` or `$HOME/.claude`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StepFailedError } from '../../core/errors';
import type { AgentAdapter, AgentInvocation, AgentInvocationRequest, TranscriptQuery } from './adapter';
import { looksLikeAuthError } from './adapter';
import { AgentResultStatus, arr, json, num, obj, parseJsonObject, str, type AgentEvent, type AgentStreamParser } from './events';

/** Prompts longer than this go through stdin: one argv string is limited to 128 KiB on Linux. */
export const MAX_ARGV_PROMPT_BYTES = 100_000;

/** Tools a read-only Claude step may never use, whatever its allow-list says. */
export const CLAUDE_WRITE_TOOLS = ['Bash', 'Edit', 'Write', 'NotebookEdit', 'MultiEdit'] as const;

const PERMISSION_MODES = { 'read-only': 'default', edit: 'acceptEdits', full: 'bypassPermissions' } as const;

export class ClaudeAdapter implements AgentAdapter {
  readonly kind = 'claude' as const;
  readonly executable = 'claude';
  readonly pathEnvVar = 'BATON_CLAUDE_PATH';
  readonly installHint = 'install it with npm i -g @anthropic-ai/claude-code';
  readonly acceptsToolAllowList = true;

  buildInvocation(request: AgentInvocationRequest): AgentInvocation {
    if (request.permission === 'full' && process.getuid?.() === 0 && request.baseEnv.IS_SANDBOX !== '1') {
      // Claude Code exits with only a stderr line in this case; say why before starting it.
      throw new StepFailedError(
        'permission: full needs Claude Code\'s bypassPermissions mode, which it refuses when run as root; ' +
          'run Baton as another user, use permission: edit with a tools allow-list, or set IS_SANDBOX=1 inside a container',
        { retryable: false },
      );
    }
    const viaStdin = Buffer.byteLength(request.prompt) > MAX_ARGV_PROMPT_BYTES;
    const args = ['-p'];
    if (!viaStdin) args.push(request.prompt);
    args.push('--output-format', 'stream-json', '--verbose');
    if (request.model) args.push('--model', request.model);
    args.push('--permission-mode', PERMISSION_MODES[request.permission]);
    const allowed = [...(request.tools ?? [])];
    const mcpServers = request.mcpServers ?? {};
    // Baton hands over only servers it trusts (its own); their tools must not wait for a prompt.
    for (const name of Object.keys(mcpServers)) allowed.push(`mcp__${name}`);
    if (allowed.length > 0) args.push('--allowedTools', allowed.join(','));
    if (request.permission === 'read-only') args.push('--disallowedTools', CLAUDE_WRITE_TOOLS.join(','));
    if (request.maxTurns !== undefined) args.push('--max-turns', String(request.maxTurns));
    if (Object.keys(mcpServers).length > 0) {
      const config: Record<string, unknown> = {};
      for (const [name, server] of Object.entries(mcpServers)) {
        config[name] = { type: 'stdio', command: server.command, args: server.args, env: server.env ?? {} };
      }
      args.push('--mcp-config', JSON.stringify({ mcpServers: config }), '--strict-mcp-config');
    }
    if (request.resumeSessionId) args.push('--resume', request.resumeSessionId);
    else if (request.newSessionId) args.push('--session-id', request.newSessionId);
    return {
      args,
      env: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' },
      ...(viaStdin ? { stdin: request.prompt } : {}),
    };
  }

  createParser(): AgentStreamParser {
    return new ClaudeStreamParser();
  }

  findTranscript(query: TranscriptQuery): string | undefined {
    const configDir = query.env.CLAUDE_CONFIG_DIR ?? join(query.env.HOME ?? homedir(), '.claude');
    const projects = join(configDir, 'projects');
    const expected = join(projects, claudeProjectDirName(query.cwd), `${query.sessionId}.jsonl`);
    if (existsSync(expected)) return expected;
    // Long or unusual paths are shortened by the CLI; the session id is unique, so search for it.
    let dirs: string[];
    try {
      dirs = readdirSync(projects);
    } catch {
      return undefined;
    }
    for (const dir of dirs) {
      const candidate = join(projects, dir, `${query.sessionId}.jsonl`);
      if (existsSync(candidate)) return candidate;
    }
    return undefined;
  }

  exitCodeMeaning(): undefined {
    // Claude Code exits 1 for every failure; the result line says which.
    return undefined;
  }
}

/** The folder name Claude Code uses for a working directory under `projects/`. */
export function claudeProjectDirName(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}

class ClaudeStreamParser implements AgentStreamParser {
  /** Set when an assistant line carried an API error (auth errors are only marked there). */
  private apiError: { status?: number; kind?: string; text?: string } | undefined;

  parseLine(line: string): AgentEvent[] {
    const record = parseJsonObject(line);
    if (!record) return line.trim() === '' ? [] : [{ type: 'raw', text: line }];
    switch (record.type) {
      case 'system':
        return this.system(record);
      case 'assistant':
        return this.assistant(record);
      case 'user':
        return this.user(record);
      case 'result':
        return this.result(record);
      default:
        return [];
    }
  }

  private system(record: Record<string, unknown>): AgentEvent[] {
    if (record.subtype === 'init') {
      const sessionId = str(record.session_id);
      if (!sessionId) return [];
      const model = str(record.model);
      return [model ? { type: 'session', sessionId, model } : { type: 'session', sessionId }];
    }
    if (record.subtype === 'api_retry') {
      const attempt = num(record.attempt);
      const max = num(record.max_retries);
      const status = num(record.error_status);
      return [
        {
          type: 'notice',
          level: 'warning',
          message: `model API error${status ? ` ${status}` : ''} (${str(record.error) ?? 'unknown'}); retry ${attempt ?? '?'} of ${max ?? '?'}`,
        },
      ];
    }
    return [];
  }

  private assistant(record: Record<string, unknown>): AgentEvent[] {
    const message = obj(record.message);
    const events: AgentEvent[] = [];
    const isApiError = record.is_api_error_message === true || typeof record.error === 'string';
    for (const block of arr(message?.content)) {
      const b = obj(block);
      if (!b) continue;
      if (b.type === 'text' && typeof b.text === 'string') {
        if (isApiError) {
          this.apiError = { status: num(record.api_error_status), kind: str(record.error), text: b.text };
          events.push({ type: 'notice', level: 'error', message: b.text });
        } else events.push({ type: 'assistant_text', text: b.text });
      } else if (b.type === 'tool_use') {
        const input = json(b.input);
        events.push({
          type: 'tool_call',
          tool: str(b.name) ?? 'unknown',
          ...(str(b.id) ? { id: str(b.id) } : {}),
          ...(input === undefined ? {} : { input }),
        });
      }
    }
    return events;
  }

  private user(record: Record<string, unknown>): AgentEvent[] {
    const message = obj(record.message);
    const events: AgentEvent[] = [];
    for (const block of arr(message?.content)) {
      const b = obj(block);
      if (!b || b.type !== 'tool_result') continue;
      const output = toolResultText(b.content);
      events.push({
        type: 'tool_result',
        ...(str(b.tool_use_id) ? { id: str(b.tool_use_id) } : {}),
        ...(output === undefined ? {} : { output }),
        isError: b.is_error === true,
      });
    }
    return events;
  }

  private result(record: Record<string, unknown>): AgentEvent[] {
    const usage = obj(record.usage);
    const events: AgentEvent[] = [];
    const inputTokens =
      (num(usage?.input_tokens) ?? 0) + (num(usage?.cache_creation_input_tokens) ?? 0) + (num(usage?.cache_read_input_tokens) ?? 0);
    const costUsd = num(record.total_cost_usd);
    events.push({
      type: 'usage',
      inputTokens,
      outputTokens: num(usage?.output_tokens) ?? 0,
      ...(costUsd === undefined ? {} : { costUsd }),
    });
    const subtype = str(record.subtype) ?? '';
    const isError = record.is_error === true || subtype !== 'success';
    const text = str(record.result);
    const apiStatus = num(record.api_error_status) ?? this.apiError?.status;
    let status: AgentResultStatus = AgentResultStatus.Success;
    let message: string | undefined;
    if (subtype === 'error_max_turns') {
      status = AgentResultStatus.TurnLimit;
      message = `stopped after ${num(record.num_turns) ?? '?'} turns`;
    } else if (isError) {
      message = text ?? this.apiError?.text ?? (arr(record.errors).map(String).join('; ') || subtype);
      const authLike =
        apiStatus === 401 || apiStatus === 403 || this.apiError?.kind === 'authentication_failed' || looksLikeAuthError(message);
      status = authLike ? AgentResultStatus.AuthError : AgentResultStatus.Error;
    }
    const numTurns = num(record.num_turns);
    const durationMs = num(record.duration_ms);
    events.push({
      type: 'result',
      status,
      ...(text !== undefined && !isError ? { text } : {}),
      ...(message !== undefined ? { message } : {}),
      ...(numTurns === undefined ? {} : { numTurns }),
      ...(durationMs === undefined ? {} : { durationMs }),
    });
    return events;
  }
}

function toolResultText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  const parts = arr(content)
    .map((part) => obj(part))
    .filter((part) => part?.type === 'text' && typeof part.text === 'string')
    .map((part) => part!.text as string);
  return parts.length > 0 ? parts.join('\n') : undefined;
}
