/**
 * Gemini CLI (`gemini -p … --output-format stream-json`, stdin closed — it reads stdin).
 *
 * Stream: `init{session_id,model}`, `message{role,content,delta?}` (assistant text arrives in
 * delta chunks), `tool_use{tool_name,tool_id,parameters}`, `tool_result{tool_id,status,output}`,
 * `error`, and a final `result{status,error?,stats}`. There is no result text: the final answer is
 * the assistant text after the last tool result. Exit codes: 41 auth, 42 bad input, 53 turn
 * limit, 55 untrusted folder.
 * Gemini's own turn limit (`model.maxSessionTurns`) lives only in settings files, and the one
 * file Baton could pass per run (GEMINI_CLI_SYSTEM_SETTINGS_PATH) is ignored unless root owns it
 * and every folder above it, so Baton enforces `max_turns` by counting tool calls, as for Codex.
 * Transcript: `$HOME/.gemini/tmp/<project>/chats/session-<ts>-<id8>.jsonl`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { AgentAdapter, AgentInvocation, AgentInvocationRequest, TranscriptQuery } from './adapter';
import { looksLikeAuthError } from './adapter';
import { MAX_ARGV_PROMPT_BYTES } from './claude';
import { AgentResultStatus, json, num, obj, parseJsonObject, str, type AgentEvent, type AgentStreamParser } from './events';

const APPROVAL_MODES = { 'read-only': 'default', edit: 'auto_edit', full: 'yolo' } as const;

export class GeminiAdapter implements AgentAdapter {
  readonly kind = 'gemini' as const;
  readonly executable = 'gemini';
  readonly pathEnvVar = 'BATON_GEMINI_PATH';
  readonly installHint = 'install it with npm i -g @google/gemini-cli';
  readonly acceptsMcpServers = false;
  readonly acceptsToolAllowList = true;

  buildInvocation(request: AgentInvocationRequest): AgentInvocation {
    const viaStdin = Buffer.byteLength(request.prompt) > MAX_ARGV_PROMPT_BYTES;
    // Gemini puts piped stdin before the -p text, so a long prompt goes through stdin.
    const args = ['-p', viaStdin ? 'Follow the instructions above.' : request.prompt, '--output-format', 'stream-json'];
    if (request.model) args.push('-m', request.model);
    args.push('--approval-mode', APPROVAL_MODES[request.permission]);
    if (request.tools && request.tools.length > 0) args.push('--allowed-tools', request.tools.join(','));
    if (request.resumeSessionId) args.push('--resume', request.resumeSessionId);

    // Baton only runs steps in folders the user trusts (VS Code workspace trust / the CLI).
    const env: Record<string, string> = { GEMINI_CLI_TRUST_WORKSPACE: 'true' };
    return {
      args,
      env,
      stdin: viaStdin ? request.prompt : '',
      ...(request.maxTurns !== undefined ? { enforcedMaxToolCalls: request.maxTurns } : {}),
    };
  }

  createParser(): AgentStreamParser {
    return new GeminiStreamParser();
  }

  findTranscript(query: TranscriptQuery): string | undefined {
    const tmp = join(query.env.GEMINI_CLI_HOME ?? query.env.HOME ?? homedir(), '.gemini', 'tmp');
    const id8 = query.sessionId.slice(0, 8);
    let projects: string[];
    try {
      projects = readdirSync(tmp);
    } catch {
      return undefined;
    }
    const likely = basename(query.cwd).toLowerCase();
    projects.sort((a, b) => Number(b === likely) - Number(a === likely));
    for (const project of projects) {
      const chats = join(tmp, project, 'chats');
      if (!existsSync(chats)) continue;
      const found = readdirSync(chats).find((name) => name.startsWith('session-') && name.endsWith(`-${id8}.jsonl`));
      if (found) return join(chats, found);
    }
    return undefined;
  }

  exitCodeMeaning(exitCode: number): AgentResultStatus | 'bad_input' | undefined {
    switch (exitCode) {
      case 41:
        return AgentResultStatus.AuthError;
      case 42:
      case 55:
        return 'bad_input';
      case 53:
        return AgentResultStatus.TurnLimit;
      default:
        return undefined;
    }
  }
}

class GeminiStreamParser implements AgentStreamParser {
  /** Assistant text since the last tool result: the final answer when the run ends. */
  private answer = '';

  parseLine(line: string): AgentEvent[] {
    const record = parseJsonObject(line);
    if (!record) return line.trim() === '' ? [] : [{ type: 'raw', text: line }];
    switch (record.type) {
      case 'init': {
        const sessionId = str(record.session_id);
        if (!sessionId) return [];
        const model = str(record.model);
        return [model ? { type: 'session', sessionId, model } : { type: 'session', sessionId }];
      }
      case 'message': {
        if (record.role !== 'assistant') return [];
        const text = str(record.content);
        if (!text) return [];
        this.answer += text;
        return [{ type: 'assistant_text', text }];
      }
      case 'tool_use': {
        this.answer = '';
        const input = json(record.parameters);
        const id = str(record.tool_id);
        return [
          {
            type: 'tool_call',
            tool: str(record.tool_name) ?? 'unknown',
            ...(id ? { id } : {}),
            ...(input === undefined ? {} : { input }),
          },
        ];
      }
      case 'tool_result': {
        this.answer = '';
        const id = str(record.tool_id);
        const error = obj(record.error);
        const output = str(record.output) ?? str(error?.message);
        return [
          {
            type: 'tool_result',
            ...(id ? { id } : {}),
            ...(output === undefined ? {} : { output }),
            isError: record.status !== 'success',
          },
        ];
      }
      case 'error':
        return [
          {
            type: 'notice',
            level: record.severity === 'warning' ? 'warning' : 'error',
            message: str(record.message) ?? 'unknown error',
          },
        ];
      case 'result':
        return this.result(record);
      default:
        return [];
    }
  }

  private result(record: Record<string, unknown>): AgentEvent[] {
    const stats = obj(record.stats);
    const events: AgentEvent[] = [
      { type: 'usage', inputTokens: num(stats?.input_tokens) ?? 0, outputTokens: num(stats?.output_tokens) ?? 0 },
    ];
    const durationMs = num(stats?.duration_ms);
    if (record.status === 'success') {
      events.push({ type: 'result', status: AgentResultStatus.Success, text: this.answer, ...(durationMs ? { durationMs } : {}) });
      return events;
    }
    const error = obj(record.error);
    const message = str(error?.message) ?? 'gemini reported an error';
    const errorType = str(error?.type);
    let status: AgentResultStatus = AgentResultStatus.Error;
    if (errorType === 'FatalTurnLimitedError') status = AgentResultStatus.TurnLimit;
    else if (errorType === 'FatalAuthenticationError' || looksLikeAuthError(message)) status = AgentResultStatus.AuthError;
    events.push({ type: 'result', status, message, ...(durationMs ? { durationMs } : {}) });
    return events;
  }
}
