/**
 * Re-captures the parser fixtures in test/fixtures/agent-streams/<cli>/ from the REAL CLIs
 * (installed by scripts/install-agent-clis.mjs) talking to the mock model server, with the
 * arguments Baton's adapters build. Run after bumping a CLI version:
 *
 *   npx tsx test/support/mock-capture-agent-streams.ts [claude|codex|gemini ...]
 *
 * Each scenario writes `<scenario>.jsonl` (stdout, byte for byte) and `<scenario>.meta.json`
 * (CLI version, exit code, what the mock was told) next to it.
 */
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

interface Scenario {
  name: string;
  prompt: string;
  replies: MockReply[];
  server?: MockModelServerOptions;
  permission?: AgentPermission;
  tools?: string[];
  maxTurns?: number;
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
      workDir: home.root,
      baseEnv: home.env,
      ...(scenario.tools ? { tools: scenario.tools } : {}),
      ...(scenario.maxTurns !== undefined ? { maxTurns: scenario.maxTurns } : {}),
    };
    if (scenario.geminiSettings) {
      const settingsFile = join(home.home, '.gemini', 'settings.json');
      const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(settingsFile, JSON.stringify({ ...settings, ...scenario.geminiSettings }));
    }
    mock.enqueue(...scenario.replies);
    const invocation = adapter.buildInvocation(request);
    for (const [file, content] of Object.entries(invocation.files)) writeFileSync(file, content);
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
const wanted = (process.argv.slice(2) as AgentKind[]).filter((k) => ['claude', 'codex', 'gemini'].includes(k));
for (const kind of wanted.length > 0 ? wanted : (['claude', 'codex', 'gemini'] as const)) {
  const binary = installed[kind];
  if (!binary) {
    process.stderr.write(`${kind} is not installed; run node scripts/install-agent-clis.mjs install ${kind}\n`);
    continue;
  }
  for (const scenario of scenarios(kind)) await capture(kind, binary, scenario);
}
