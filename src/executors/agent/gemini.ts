/**
 * Gemini CLI (`gemini -p … --output-format stream-json`, stdin closed — it reads stdin).
 *
 * Stream: `init{session_id,model}`, `message{role,content,delta?}` (assistant text arrives in
 * delta chunks), `tool_use{tool_name,tool_id,parameters}`, `tool_result{tool_id,status,output}`,
 * `error`, and a final `result{status,error?,stats}`. There is no result text: the final answer is
 * the assistant text after the last tool result. Exit codes: 41 auth, 42 bad input, 53 turn
 * limit, 55 untrusted folder.
 * Transcript: `$HOME/.gemini/tmp/<project>/chats/session-<ts>-<id8>.jsonl`.
 *
 * MCP servers (Baton's own): Gemini CLI 0.61 has no flag for them; it reads `mcpServers` only from
 * settings files (read from its bundled source, `loadSettings`):
 * - system settings (`/etc/gemini-cli/settings.json`, or `$GEMINI_CLI_SYSTEM_SETTINGS_PATH`) and
 *   system defaults are skipped unless root owns the file and every folder above it and none is
 *   group- or world-writable — not something Baton can create per run;
 * - workspace settings (`<cwd>/.gemini/settings.json`) belong to the user's repository, which
 *   Baton must not rewrite (and parallel steps share it);
 * - extensions (`~/.gemini/extensions/*`) lose `trust`, so their tools would need approval;
 * - user settings, `$GEMINI_CLI_HOME/.gemini/settings.json` (GEMINI_CLI_HOME defaults to the home
 *   folder), are read as they are. So for a step with MCP servers Baton makes a throwaway
 *   GEMINI_CLI_HOME: its `.gemini` links every entry of the user's real `~/.gemini` (credentials,
 *   chats under `tmp/`, history, extensions, GEMINI.md) except settings.json, which is the user's
 *   settings plus Baton's servers with `trust: true` (their tools run without a confirmation,
 *   as with Claude Code's allow-list and Codex's `approve`). Chats land in the real `~/.gemini/tmp`,
 *   so transcripts and `resume: true` work as without it. The settings are JSON with comments
 *   (Gemini strips them): Baton's servers are added by edits to the text, so comments survive;
 *   a file that does not parse is not touched, and the step runs without Baton's MCP server and
 *   says where the file is broken.
 * Gemini's own turn limit (`model.maxSessionTurns`) could go in that settings file too, but
 * Baton enforces `max_turns` by counting tool calls, as for Codex, so that it holds with or
 * without MCP servers.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { applyEdits, modify, parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { AgentAdapter, AgentInvocation, AgentInvocationRequest, AgentMcpServer, TranscriptQuery } from './adapter';
import { looksLikeAuthError } from './adapter';
import { MAX_ARGV_PROMPT_BYTES } from './claude';
import { AgentResultStatus, json, num, obj, parseJsonObject, str, type AgentEvent, type AgentStreamParser } from './events';

const APPROVAL_MODES = { 'read-only': 'default', edit: 'auto_edit', full: 'yolo' } as const;

export class GeminiAdapter implements AgentAdapter {
  readonly kind = 'gemini' as const;
  readonly executable = 'gemini';
  readonly pathEnvVar = 'BATON_GEMINI_PATH';
  readonly installHint = 'install it with npm i -g @google/gemini-cli';
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
    const invocation: AgentInvocation = {
      args,
      env,
      stdin: viaStdin ? request.prompt : '',
      ...(request.maxTurns !== undefined ? { enforcedMaxToolCalls: request.maxTurns } : {}),
    };
    const servers = request.mcpServers ?? {};
    if (Object.keys(servers).length === 0) return invocation;
    const home = geminiHomeWithMcpServers(request.baseEnv, servers);
    if ('notice' in home) return { ...invocation, notices: [home.notice] };
    env.GEMINI_CLI_HOME = home.dir;
    return { ...invocation, dispose: () => rmSync(home.dir, { recursive: true, force: true }) };
  }

  createParser(): AgentStreamParser {
    return new GeminiStreamParser();
  }

  findTranscript(query: TranscriptQuery): string | undefined {
    const tmp = join(geminiDir(query.env), 'tmp');
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
      // Through a step's throwaway GEMINI_CLI_HOME this is a link into the real ~/.gemini.
      if (found) return realpathSync(join(chats, found));
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

/** The folder Gemini CLI treats as home for an environment: `$GEMINI_CLI_HOME`, else the home folder. */
function geminiHome(env: Record<string, string | undefined>): string {
  return env.GEMINI_CLI_HOME || env.HOME || homedir();
}

/** Where Gemini CLI keeps its settings and state: `<its home>/.gemini`. */
function geminiDir(env: Record<string, string | undefined>): string {
  return join(geminiHome(env), '.gemini');
}

/**
 * A throwaway GEMINI_CLI_HOME whose `.gemini` is the user's, seen through links, with `servers`
 * added to its settings.json (see the file comment). Returns a notice instead when the user's
 * settings cannot be merged.
 */
function geminiHomeWithMcpServers(
  baseEnv: Record<string, string | undefined>,
  servers: Record<string, AgentMcpServer>,
): { dir: string } | { notice: string } {
  const realHome = geminiHome(baseEnv);
  const realGemini = join(realHome, '.gemini');
  const settingsFile = join(realGemini, 'settings.json');
  let text = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : '';
  if (text.trim() === '') text = '{}';
  const errors: ParseError[] = [];
  const settings: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const broken = errors[0];
  if (broken || typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    const where = broken ? ` (${printParseErrorCode(broken.error)} at ${lineColumn(text, broken.offset)})` : ' (not a JSON object)';
    return {
      notice: `Baton's MCP server is not available to this step: ${settingsFile} does not parse${where}, so Baton cannot add its server to it; the step's final answer is its output`,
    };
  }
  // Edits to the user's text, so their comments and layout stay; an mcpServers that is not an object is replaced.
  const formattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };
  if (!obj((settings as Record<string, unknown>).mcpServers)) text = applyEdits(text, modify(text, ['mcpServers'], {}, { formattingOptions }));
  for (const [name, server] of Object.entries(servers)) {
    const entry = { command: server.command, args: server.args, env: server.env ?? {}, trust: true };
    text = applyEdits(text, modify(text, ['mcpServers', name], entry, { formattingOptions }));
  }

  // Chats and history must land in the real folder (transcripts, resume), so they exist before linking.
  for (const shared of ['tmp', 'history']) mkdirSync(join(realGemini, shared), { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'baton-gemini-home-'));
  const overlay = join(dir, '.gemini');
  mkdirSync(overlay);
  for (const entry of readdirSync(realGemini)) {
    if (entry !== 'settings.json') symlinkSync(join(realGemini, entry), join(overlay, entry));
  }
  // Gemini also reads skills and agents from ~/.agents.
  if (existsSync(join(realHome, '.agents'))) symlinkSync(join(realHome, '.agents'), join(dir, '.agents'));
  writeFileSync(join(overlay, 'settings.json'), text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 });
  return { dir };
}

/** "line 3, column 7" of an offset in `text` (1-based, as editors count). */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
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
