/**
 * Re-captures the parser fixtures in test/fixtures/agent-streams/<cli>/ from the REAL CLIs
 * (installed by scripts/install-agent-clis.mjs) talking to the mock model server, with the
 * arguments Baton's adapters build. Run after bumping a CLI version:
 *
 *   npx tsx test/support/mock-capture-agent-streams.ts [claude|codex|gemini|<cli>:<scenario> ...]
 *
 * Other tests pin values of some fixtures (e.g. claude/success.jsonl's session id in
 * test/integration/cli/agent-steps.test.ts): re-capture one scenario at a time when adding one.
 *
 * Each scenario writes `<scenario>.jsonl` (stdout, byte for byte) and `<scenario>.meta.json`
 * (CLI version, exit code, what the mock was told) next to it.
 */
import { parse as parseJsonc } from 'jsonc-parser';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentKind, AgentPermission } from '../../src/core/template/types';
import type { AgentInvocationRequest } from '../../src/executors/agent/adapter';
import { agentAdapter } from '../../src/executors/agent/adapters';
import { runProcess } from '../../src/executors/process';
import { createMockAgentHome, installedAgentClis, MOCK_MODELS, shellToolCall } from './mock-agent-env';
import { MockModelServer, type MockModelServerOptions, type MockReply } from './mock-model-server';

const fixturesRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'agent-streams');
/** The reference MCP server package (a devDependency) used for the MCP tool-call streams. */
const everythingServer = join(
  dirname(fileURLToPath(import.meta.resolve('@modelcontextprotocol/server-everything/package.json'))),
  'dist',
  'index.js',
);

interface Scenario {
  name: string;
  prompt: string;
  replies: MockReply[];
  server?: MockModelServerOptions;
  permission?: AgentPermission;
  tools?: string[];
  maxTurns?: number;
  mcpServers?: AgentInvocationRequest['mcpServers'];
  /** Merged into the test HOME's ~/.gemini/settings.json. */
  geminiSettings?: Record<string, unknown>;
}

function scenarios(kind: AgentKind): Scenario[] {
  const list: Scenario[] = [
    {
      name: 'success',
      prompt: 'Say hello.',
      replies: [{ type: 'text', text: 'Hello from the mock model.' }],
      permission: 'read-only',
    },
    {
      name: 'tool-use',
      prompt: 'Write hi to out.txt.',
      replies: [shellToolCall(kind, 'echo hi > out.txt'), { type: 'text', text: 'Done: wrote out.txt.' }],
      permission: kind === 'claude' ? 'edit' : 'full',
      ...(kind === 'claude' ? { tools: ['Bash'] } : {}),
    },
    {
      name: 'api-error',
      prompt: 'Say hello.',
      replies: [],
      // Sticky: some CLIs try a request again once before giving up.
      server: { fallbackReply: { type: 'http_error', status: 400, errorType: 'invalid_request_error', message: 'mock: the model rejects this request' } },
    },
    {
      name: 'auth-error',
      prompt: 'Say hello.',
      replies: [],
      server: { fallbackReply: { type: 'http_error', status: 401, errorType: 'authentication_error', message: 'invalid x-api-key' } },
    },
  ];
  if (kind !== 'gemini') {
    // Gemini reads MCP servers only from its settings files, so Baton hands it none.
    const echo: MockReply =
      kind === 'claude'
        ? { type: 'tool_call', name: 'mcp__everything__echo', input: { message: 'ping-123' } }
        : { type: 'tool_call', name: 'echo', namespace: 'mcp__everything', input: { message: 'ping-123' } };
    list.push({
      name: 'mcp-tool',
      prompt: 'Echo ping-123 with the everything server.',
      replies: [echo, { type: 'text', text: 'The server echoed ping-123.' }],
      permission: 'edit',
      mcpServers: { everything: { command: process.execPath, args: [everythingServer] } },
    });
  }
  if (kind !== 'codex') {
    // Codex has no turn limit of its own, so no stream to capture. Gemini has one only in its
    // settings files (Baton enforces max_turns itself); this is what a user-configured limit looks like.
    list.push({
      name: 'turn-limit',
      prompt: 'Append two lines to turns.txt.',
      replies: [
        shellToolCall(kind, 'echo one >> turns.txt'),
        shellToolCall(kind, 'echo two >> turns.txt'),
        { type: 'text', text: 'never reached' },
      ],
      permission: kind === 'claude' ? 'edit' : 'full',
      ...(kind === 'claude' ? { tools: ['Bash'], maxTurns: 1 } : { geminiSettings: { model: { maxSessionTurns: 1 } } }),
    });
  }
  return list;
}

async function capture(kind: AgentKind, binary: string, scenario: Scenario): Promise<void> {
  const mock = await MockModelServer.start(scenario.server);
  const home = createMockAgentHome(mock.baseUrl, `baton-capture-${kind}-`);
  try {
    const adapter = agentAdapter(kind);
    const request: AgentInvocationRequest = {
      prompt: scenario.prompt,
      model: MOCK_MODELS[kind],
      permission: scenario.permission ?? 'read-only',
      cwd: home.workDir,
      baseEnv: home.env,
      ...(scenario.tools ? { tools: scenario.tools } : {}),
      ...(scenario.maxTurns !== undefined ? { maxTurns: scenario.maxTurns } : {}),
      ...(scenario.mcpServers ? { mcpServers: scenario.mcpServers } : {}),
    };
    if (scenario.geminiSettings) {
      const settingsFile = join(home.home, '.gemini', 'settings.json');
      const settings = parseJsonc(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(settingsFile, JSON.stringify({ ...settings, ...scenario.geminiSettings }));
    }
    mock.enqueue(...scenario.replies);
    const invocation = adapter.buildInvocation(request);
    let stdout = '';
    const result = await runProcess({
      command: binary,
      args: invocation.args,
      cwd: home.workDir,
      env: { ...home.env, ...invocation.env },
      stdin: invocation.stdin ?? 'ignore',
      timeoutMs: 120_000,
      onStdout: (chunk) => (stdout += chunk),
    });
    const dir = join(fixturesRoot, kind);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${scenario.name}.jsonl`), stdout);
    const meta = {
      cli: kind,
      binary: binary.replace(/^.*\/\.cache\/baton\//, '~/.cache/baton/'),
      exitCode: result.exitCode,
      signal: result.signal,
      prompt: scenario.prompt,
      permission: request.permission,
      maxTurns: scenario.maxTurns ?? null,
      geminiSettings: scenario.geminiSettings ?? null,
      modelTurns: mock.modelTurns.length,
      capturedAt: new Date().toISOString(),
    };
    writeFileSync(join(dir, `${scenario.name}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
    process.stdout.write(`${kind}/${scenario.name}: exit ${result.exitCode ?? result.signal}, ${stdout.split('\n').length - 1} lines\n`);
  } finally {
    home.dispose();
    await mock.close();
  }
}

const installed = await installedAgentClis();
// Arguments: `claude` (every scenario of one CLI) or `claude:mcp-tool` (one scenario); none: all.
const wanted = process.argv.slice(2).map((arg) => {
  const [kind, scenario] = arg.split(':') as [AgentKind, string | undefined];
  return { kind, scenario };
});
const all: AgentKind[] = ['claude', 'codex', 'gemini'];
for (const kind of all) {
  const selected = wanted.length === 0 ? [{ kind, scenario: undefined }] : wanted.filter((w) => w.kind === kind);
  if (selected.length === 0) continue;
  const binary = installed[kind];
  if (!binary) {
    process.stderr.write(`${kind} is not installed; run node scripts/install-agent-clis.mjs install ${kind}\n`);
    continue;
  }
  for (const scenario of scenarios(kind)) {
    if (selected.some((w) => w.scenario === undefined || w.scenario === scenario.name)) await capture(kind, binary, scenario);
  }
}
