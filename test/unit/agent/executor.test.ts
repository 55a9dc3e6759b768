/**
 * AgentExecutor decisions that need no real CLI: a tiny shell script stands in for it, records
 * its arguments and replays a captured stream (the real CLIs are in test/integration/agent).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepExecutionContext, StepProgress } from '../../../src/core/ports';
import type { AgentKind, AgentStep, TemplateDefinition } from '../../../src/core/template/types';
import { AGENT_MCP_OUTPUTS_FILE, AGENT_PROMPT_FILE, AGENT_SESSION_FILE, AgentExecutor } from '../../../src/executors/agent/executor';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'agent-streams');

describe('AgentExecutor (stand-in CLI)', function () {
  this.timeout(10_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-agent-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A fake CLI that writes its arguments (one per line) to args.txt, then prints a fixture (if any). */
  function fakeCli(kind: AgentKind, fixture: string | null, exitCode = 0, stderr = ''): string {
    const path = join(dir, `fake-${kind}`);
    const replay = fixture === null ? '' : `cat "${join(fixtures, kind, `${fixture}.jsonl`)}"\n`;
    writeFileSync(
      path,
      `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${join(dir, 'args.txt')}"\n${replay}${stderr ? `echo "${stderr}" >&2\n` : ''}exit ${exitCode}\n`,
    );
    chmodSync(path, 0o755);
    return path;
  }

  function context(step: AgentStep, over: Partial<StepExecutionContext> = {}): { ctx: StepExecutionContext; progress: StepProgress[] } {
    const template: TemplateDefinition = {
      id: 't',
      name: 'T',
      tags: [],
      phases: [],
      inputs: { properties: {}, required: [] },
      on: { manual: true, schedule: [], file: [], event: [] },
      env: {},
      defaults: {},
      steps: [step],
    };
    const progress: StepProgress[] = [];
    const ctx: StepExecutionContext = {
      runId: 'run-1',
      step,
      attempt: 1,
      template,
      resolved: { prompt: step.prompt },
      env: {},
      cwd: dir,
      stepDir: join(dir, 'steps', step.id),
      artifactsDir: join(dir, 'artifacts'),
      signal: new AbortController().signal,
      secrets: [],
      progress: (p) => progress.push(p),
      upstream: {},
      inputs: {},
      ...over,
    };
    return { ctx, progress };
  }

  function step(kind: AgentKind, extra: Partial<AgentStep> = {}): AgentStep {
    return { kind: 'agent', id: 's', agent: kind, prompt: 'Do it.', needs: [], env: {}, continueOnError: false, ...extra };
  }

  const args = () => readFileSync(join(dir, 'args.txt'), 'utf8').split('\n');
  const messages = (progress: StepProgress[]) => progress.flatMap((p) => (p.kind === 'message' ? [p.text] : []));

  it('says when a CLI ignores the tools allow-list, and gives every CLI Baton’s MCP server', async () => {
    const mcpServers = () => ({ baton: { command: 'node', args: ['mcp.js'] } });
    const codex = new AgentExecutor({ baseEnv: { PATH: '/usr/bin:/bin' }, executables: { codex: fakeCli('codex', 'success') }, mcpServers });
    const codexRun = context(step('codex', { tools: ['Bash'] }));
    assert.equal((await codex.execute(codexRun.ctx)).kind, 'succeeded');
    assert.ok(messages(codexRun.progress).some((m) => /tools \(Bash\) ignored/.test(m)));
    assert.ok(args().some((a) => a.startsWith('mcp_servers.baton=')), 'codex gets the MCP server');

    const gemini = new AgentExecutor({ baseEnv: { PATH: '/usr/bin:/bin', HOME: dir }, executables: { gemini: fakeCli('gemini', 'success') }, mcpServers });
    const geminiRun = context(step('gemini'));
    assert.equal((await gemini.execute(geminiRun.ctx)).kind, 'succeeded');
    assert.ok(!messages(geminiRun.progress).some((m) => /MCP server/.test(m)), messages(geminiRun.progress).join('\n'));
    assert.ok(!args().some((a) => a.includes('mcp.js')), 'gemini gets it through its settings, not its arguments');
  });

  it('starts fresh with a Baton-chosen session id, and resumes the recorded one only with resume: true', async () => {
    const executor = new AgentExecutor({
      baseEnv: { PATH: '/usr/bin:/bin' },
      executables: { claude: fakeCli('claude', 'success') },
      newSessionId: () => 'chosen-by-baton',
    });
    const first = context(step('claude'));
    const one = await executor.execute(first.ctx);
    assert.equal(one.kind, 'succeeded');
    assert.ok(args().includes('--session-id') && args().includes('chosen-by-baton'));
    const recorded = JSON.parse(readFileSync(join(first.ctx.stepDir, AGENT_SESSION_FILE), 'utf8')) as { sessionId: string };
    // The stream's own session id (from the captured init line) is what gets recorded.
    assert.equal(recorded.sessionId, one.session?.sessionId);

    await executor.execute(context(step('claude'), { attempt: 2 }).ctx);
    assert.ok(!args().includes('--resume'), 'a retry is a fresh session');
    await executor.execute(context(step('claude', { resume: true }), { attempt: 3 }).ctx);
    assert.equal(args()[args().indexOf('--resume') + 1], recorded.sessionId);
  });

  it('resume: true after an attempt that died before its session existed starts a fresh session', async () => {
    const crashing = new AgentExecutor({
      baseEnv: { PATH: '/usr/bin:/bin', HOME: dir },
      executables: { claude: fakeCli('claude', null, 1, 'boom before init') },
      newSessionId: () => 'never-started',
    });
    const first = await crashing.execute(context(step('claude', { resume: true })).ctx);
    assert.equal(first.kind, 'failed');
    assert.equal(first.session?.sessionId, undefined, 'no session to speak of');
    assert.equal(existsSync(join(dir, 'steps', 's', AGENT_SESSION_FILE)), false);

    const retry = new AgentExecutor({ baseEnv: { PATH: '/usr/bin:/bin', HOME: dir }, executables: { claude: fakeCli('claude', 'success') } });
    assert.equal((await retry.execute(context(step('claude', { resume: true }), { attempt: 2 }).ctx)).kind, 'succeeded');
    assert.ok(!args().includes('--resume'), `not resuming a session that never existed: ${args().join(' ')}`);
    assert.ok(args().includes('--session-id'));
  });

  it('clears outputs an earlier attempt set through MCP and saves the exact prompt, secrets redacted', async () => {
    const executor = new AgentExecutor({ baseEnv: { PATH: '/usr/bin:/bin' }, executables: { claude: fakeCli('claude', 'success') } });
    const run = context(step('claude', { prompt: 'Use key abc-SECRET-123.' }), {
      resolved: { prompt: 'Use key abc-SECRET-123.' },
      secrets: ['abc-SECRET-123'],
    });
    const stale = join(run.ctx.stepDir, AGENT_MCP_OUTPUTS_FILE);
    await import('node:fs/promises').then((fs) => fs.mkdir(run.ctx.stepDir, { recursive: true }));
    writeFileSync(stale, JSON.stringify({ count: 99 }));
    const result = await executor.execute(run.ctx);
    assert.equal(result.kind, 'succeeded');
    assert.deepEqual(result.outputs, { result: 'Hello from the mock model.' }, 'no stale MCP output');
    assert.equal(existsSync(stale), false);
    const saved = readFileSync(join(run.ctx.stepDir, AGENT_PROMPT_FILE), 'utf8');
    assert.match(saved, /Use key \*\*\*\./);
    assert.ok(args().some((a) => a.includes('Use key abc-SECRET-123.')), 'the agent itself gets the real instructions');
  });

  it("hands the exact prompt of every attempt and its parts to input.json, secrets redacted, identical retries by reference", async () => {
    // Claude Code gets the prompt as the argument after -p: keep it byte for byte.
    const cli = join(dir, 'fake-claude-prompt');
    writeFileSync(cli, `#!/bin/sh\nprintf '%s' "$2" > "${join(dir, 'sent.txt')}"\ncat "${join(fixtures, 'claude', 'success.jsonl')}"\n`);
    chmodSync(cli, 0o755);
    const executor = new AgentExecutor({ baseEnv: { PATH: '/usr/bin:/bin' }, executables: { claude: cli } });
    const recorded: Array<Record<string, unknown>> = [];
    const attempt = async (n: number, instructions: string) => {
      const run = context(step('claude', { prompt: instructions }), {
        attempt: n,
        resolved: { prompt: instructions },
        secrets: ['abc-SECRET-123'],
        inputs: { key: 'abc-SECRET-123', who: 'world' },
        recordInput: (details) => recorded.push(details),
      });
      assert.equal((await executor.execute(run.ctx)).kind, 'succeeded');
      return readFileSync(join(dir, 'sent.txt'), 'utf8');
    };
    const sentOne = await attempt(1, 'First try with abc-SECRET-123.');
    const sentTwo = await attempt(2, 'Second try.');
    await attempt(3, 'Second try.');
    assert.equal(recorded.length, 3, 'one record per attempt');
    type Agent = { prompt: string; assembledFrom: { instructions: string; inputs: unknown }; attempts: Array<Record<string, unknown>> };
    const [one, two, three] = recorded.map((r) => r.agent as Agent);
    assert.equal(one!.prompt, sentOne.replaceAll('abc-SECRET-123', '***'), 'the prompt the CLI got, redacted');
    assert.equal(one!.assembledFrom.instructions, 'First try with ***.');
    assert.deepEqual(one!.assembledFrom.inputs, { key: '***', who: 'world' });
    assert.equal(two!.prompt, sentTwo);
    assert.deepEqual(
      three!.attempts.map((a) => [a.attempt, a.prompt, a.sameAsAttempt]),
      [
        [1, one!.prompt, undefined],
        [2, sentTwo, undefined],
        [3, undefined, 2],
      ],
    );
    assert.ok(!JSON.stringify(recorded).includes('abc-SECRET-123'));
  });

  it('a CLI that dies without a result is a retryable crash naming its last stderr line', async () => {
    const executor = new AgentExecutor({
      baseEnv: { PATH: '/usr/bin:/bin' },
      executables: { codex: fakeCli('codex', null, 3, 'fatal: config.toml is broken') },
    });
    const result = await executor.execute(context(step('codex')).ctx);
    assert.ok(result.kind === 'failed');
    assert.equal(result.retryable, true);
    assert.equal(result.exitCode, 3);
    assert.equal(result.error, 'codex exited with code 3 without a result: fatal: config.toml is broken');
  });
});
