/**
 * Executor for `mcp:` steps: calls one tool on an MCP server named in the workspace's
 * `.baton/mcp.json` (else `.mcp.json`), the `mcpServers` shape Claude Code uses:
 *
 * ```json
 * { "mcpServers": {
 *     "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."], "env": {} },
 *     "remote": { "type": "http", "url": "https://example.test/mcp", "headers": { "Authorization": "Bearer ${TOKEN}" } } } }
 * ```
 *
 * - `${VAR}` and `${VAR:-default}` in `command`, `args`, `env`, `url` and `headers` expand from
 *   the environment (like Claude Code).
 * - Stdio servers get the SDK's safe environment subset (PATH, HOME, ...) plus the step's `env` and
 *   the server's `env` — not Baton's whole environment, which may hold secrets.
 * - Stdio servers are spawned by the SDK's StdioClientTransport for the one call and always
 *   stopped afterwards: closed gracefully when the call finished, their process tree killed on
 *   cancel and timeout. HTTP servers (`type: "http"` or `"streamable-http"`) use Streamable HTTP.
 * - Outputs: `text` (the text blocks joined), `content` (the raw blocks), `result`
 *   (`structuredContent` when the tool returns it, else the text) and each top-level field of
 *   `structuredContent` as its own output.
 * - Errors carry the server's message: a result with `isError`, an unknown tool or invalid
 *   arguments are not retryable; a server that cannot be started or reached, or a dropped
 *   connection, is. Secrets are redacted from everything returned.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import treeKill from 'tree-kill';
import { BatonError, StepFailedError, StepTimeoutError, describeError } from '../core/errors';
import type { JsonValue, Outputs } from '../core/model';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../core/ports';
import { createRedactor, type Redactor } from './redact';

/** Config files looked up in the workspace, first found wins. */
export const MCP_CONFIG_FILES = ['.baton/mcp.json', '.mcp.json'] as const;

export type McpServerConfig =
  | { type: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | { type: 'http'; url: string; headers: Record<string, string> };

export interface McpExecutorOptions {
  /** Folder holding `.baton/mcp.json` (the workspace). */
  workspaceDir: string;
  /** Environment for `${VAR}` expansion and stdio servers (default: this process's). */
  env?: Record<string, string | undefined>;
  /** Explicit config file (wins over the workspace's). */
  configPath?: string;
}

/** Reads the servers of an `mcpServers` config file; errors name the file and the field. */
export function readMcpConfig(path: string, env: Record<string, string | undefined>): Record<string, McpServerConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new StepFailedError(`${path}: not valid JSON: ${describeError(error)}`, { cause: error, retryable: false });
  }
  const servers = (raw as { mcpServers?: unknown } | null)?.mcpServers;
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) {
    throw new StepFailedError(`${path}: expected an object "mcpServers" with one entry per server`, { retryable: false });
  }
  const result: Record<string, McpServerConfig> = {};
  for (const [name, value] of Object.entries(servers as Record<string, unknown>)) {
    result[name] = parseServer(path, name, value, env);
  }
  return result;
}

function parseServer(path: string, name: string, value: unknown, env: Record<string, string | undefined>): McpServerConfig {
  const where = `${path}: mcpServers.${name}`;
  const bad = (message: string) => new StepFailedError(`${where}${message}`, { retryable: false });
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(': expected an object');
  const entry = value as Record<string, unknown>;
  const type = entry.type ?? (entry.url !== undefined ? 'http' : 'stdio');
  const expand = (text: string) => expandVariables(text, env);
  const stringMap = (field: string): Record<string, string> => {
    const map = entry[field];
    if (map === undefined) return {};
    if (!map || typeof map !== 'object' || Array.isArray(map)) throw bad(`.${field}: expected an object of strings`);
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(map)) {
      if (typeof v !== 'string') throw bad(`.${field}.${key}: expected a string`);
      out[key] = expand(v);
    }
    return out;
  };
  if (type === 'http' || type === 'streamable-http') {
    if (typeof entry.url !== 'string' || entry.url === '') throw bad('.url: expected the server URL');
    return { type: 'http', url: expand(entry.url), headers: stringMap('headers') };
  }
  if (type === 'sse') throw bad('.type: "sse" servers are not supported (use Streamable HTTP: "http")');
  if (type !== 'stdio') throw bad(`.type: unknown type "${String(type)}" (stdio, http or streamable-http)`);
  if (typeof entry.command !== 'string' || entry.command === '') throw bad('.command: expected the program to start');
  const args = entry.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw bad('.args: expected a list of strings');
  return {
    type: 'stdio',
    command: expand(entry.command),
    args: (args as string[]).map(expand),
    env: stringMap('env'),
    ...(typeof entry.cwd === 'string' ? { cwd: expand(entry.cwd) } : {}),
  };
}

/** `${VAR}` and `${VAR:-default}` from `env` (unknown variables become empty). */
export function expandVariables(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

/** The `StepExecutor` for `mcp:` steps. */
export class McpExecutor implements StepExecutor {
  readonly kind = 'mcp';

  constructor(private readonly options: McpExecutorOptions) {}

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    if (ctx.step.kind !== 'mcp') {
      return { kind: 'failed', error: `the mcp executor cannot execute a ${ctx.step.kind} step`, retryable: false };
    }
    const redact = createRedactor(ctx.secrets);
    const serverName = typeof ctx.resolved.server === 'string' ? ctx.resolved.server : ctx.step.server;
    const tool = typeof ctx.resolved.tool === 'string' ? ctx.resolved.tool : ctx.step.tool;
    const args = (isObject(ctx.resolved.args) ? ctx.resolved.args : ctx.step.args) as Record<string, JsonValue>;
    const env = { ...(this.options.env ?? process.env), ...ctx.env };
    try {
      const server = this.findServer(serverName, env);
      return await this.call(ctx, serverName, server, tool, args, env, redact);
    } catch (error) {
      if (ctx.signal.aborted) return abortedResult(ctx);
      const retryable = error instanceof BatonError ? error.retryable : true;
      return { kind: 'failed', error: redact(describeError(error)), retryable };
    }
  }

  private findServer(name: string, env: Record<string, string | undefined>): McpServerConfig {
    const candidates = this.options.configPath ? [this.options.configPath] : MCP_CONFIG_FILES.map((f) => join(this.options.workspaceDir, f));
    const path = candidates.find((p) => existsSync(p));
    if (!path) {
      throw new StepFailedError(`no MCP server config: create ${candidates[0]} with {"mcpServers": {"${name}": {...}}}`, { retryable: false });
    }
    const servers = readMcpConfig(path, env);
    const server = servers[name];
    if (!server) {
      const known = Object.keys(servers);
      throw new StepFailedError(`${path}: no MCP server "${name}"${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`, { retryable: false });
    }
    return server;
  }

  private async call(
    ctx: StepExecutionContext,
    serverName: string,
    server: McpServerConfig,
    tool: string,
    args: Record<string, JsonValue>,
    env: Record<string, string | undefined>,
    redact: Redactor,
  ): Promise<StepExecutionResult> {
    let transport: Transport;
    let stdio: StdioClientTransport | undefined;
    const stderrLines: string[] = [];
    if (server.type === 'stdio') {
      stdio = new StdioClientTransport({
        command: server.command,
        args: server.args,
        // Not Baton's whole environment (it holds BATON_SECRET_*): the SDK's safe subset, the step's env, the server's.
        env: { ...getDefaultEnvironment(), ...ctx.env, ...server.env },
        cwd: server.cwd ?? ctx.cwd,
        stderr: 'pipe',
      });
      stdio.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        for (const line of text.split('\n')) if (line.trim() !== '') stderrLines.push(line.trim());
        if (stderrLines.length > 20) stderrLines.splice(0, stderrLines.length - 20);
        ctx.progress({ kind: 'output', stream: 'stderr', text: redact(text) });
      });
      transport = stdio;
    } else {
      transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } });
    }

    const client = new Client({ name: 'baton', version: '1.0.0' });
    // On cancel/timeout the server's whole tree goes at once; a graceful close could wait seconds.
    const killTree = () => {
      const pid = stdio?.pid;
      if (pid) treeKill(pid, 'SIGKILL', () => undefined);
    };
    ctx.signal.addEventListener('abort', killTree, { once: true });
    try {
      try {
        await client.connect(transport, { signal: ctx.signal });
      } catch (error) {
        if (ctx.signal.aborted) return abortedResult(ctx);
        const startError = error as NodeJS.ErrnoException;
        const detail = startError.code === 'ENOENT' ? `${server.type === 'stdio' ? server.command : ''} not found` : describeError(error);
        const stderr = stderrLines.length > 0 ? ` (stderr: ${stderrLines.slice(-3).join(' | ')})` : '';
        const what = server.type === 'stdio' ? `cannot start MCP server "${serverName}"` : `cannot reach MCP server "${serverName}" at ${server.url}`;
        throw new StepFailedError(`${what}: ${detail}${stderr}`, {
          cause: error,
          retryable: startError.code !== 'ENOENT',
        });
      }
      if (stdio?.pid) ctx.progress({ kind: 'message', text: `mcp: server "${serverName}" started (pid ${stdio.pid})` });
      ctx.progress({ kind: 'tool_call', tool: `${serverName}/${tool}`, input: args });
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await client.callTool({ name: tool, arguments: args }, undefined, {
          signal: ctx.signal,
          // The step's timeout (enforced through the signal) is the limit, not the SDK's 60 s default.
          timeout: ctx.timeoutMs ?? 24 * 60 * 60 * 1000,
        });
      } catch (error) {
        if (ctx.signal.aborted) return abortedResult(ctx);
        throw classifyCallError(error, serverName, tool);
      }
      return toStepResult(result, serverName, tool, redact, ctx);
    } finally {
      ctx.signal.removeEventListener('abort', killTree);
      if (ctx.signal.aborted) killTree();
      await client.close().catch(() => undefined);
    }
  }
}

function toStepResult(
  result: Record<string, unknown>,
  serverName: string,
  tool: string,
  redact: Redactor,
  ctx: StepExecutionContext,
): StepExecutionResult {
  const content = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  const text = redact(
    content
      .filter((block) => block.type === 'text' && typeof block.text === 'string')
      .map((block) => block.text as string)
      .join('\n'),
  );
  ctx.progress({ kind: 'tool_result', output: text, isError: result.isError === true });
  if (result.isError === true) {
    return { kind: 'failed', error: `MCP tool ${serverName}/${tool} failed: ${text || '(no message)'}`, retryable: false };
  }
  const redactJson = (value: unknown) => JSON.parse(redact(JSON.stringify(value ?? null))) as JsonValue;
  const outputs: Outputs = {};
  const structured = result.structuredContent;
  if (isObject(structured)) for (const [name, value] of Object.entries(structured)) outputs[name] = redactJson(value);
  return {
    kind: 'succeeded',
    outputs: {
      ...outputs,
      text,
      content: redactJson(content),
      result: structured !== undefined ? redactJson(structured) : text,
    },
  };
}

/** Protocol errors for a bad call are final; anything else (transport, crash) may pass. */
function classifyCallError(error: unknown, serverName: string, tool: string): BatonError {
  if (error instanceof McpError) {
    const finalCodes: number[] = [McpErrorCode.InvalidParams, McpErrorCode.MethodNotFound, McpErrorCode.InvalidRequest];
    return new StepFailedError(`MCP tool ${serverName}/${tool}: ${error.message}`, {
      cause: error,
      retryable: !finalCodes.includes(error.code),
    });
  }
  return new StepFailedError(`MCP tool ${serverName}/${tool}: ${describeError(error)}`, { cause: error, retryable: true });
}

function abortedResult(ctx: StepExecutionContext): StepExecutionResult {
  if (ctx.signal.reason instanceof StepTimeoutError) return { kind: 'failed', error: ctx.signal.reason.message, retryable: true };
  return { kind: 'failed', error: 'cancelled: the MCP call was stopped', retryable: false };
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
