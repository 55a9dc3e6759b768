/**
 * The AgentExecutor running the REAL agent CLIs (installed by `node scripts/install-agent-clis.mjs
 * install`) against the mock model server: only the model is fake. The CLIs really run their
 * shell tools, write transcripts and report usage.
 */
import assert from 'node:assert/strict';
import { parse as parseJsonc } from 'jsonc-parser';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutableNotFoundError } from '../../../src/core/errors';
import type { Outputs } from '../../../src/core/model';
import type { StepExecutionContext, StepExecutionResult, StepProgress } from '../../../src/core/ports';
import type { AgentKind, AgentStep, TemplateDefinition } from '../../../src/core/template/types';
import { AGENT_PROMPT_FILE, AGENT_STREAM_FILE, AgentExecutor } from '../../../src/executors/agent/executor';
import {
  createMockAgentHome,
  INSTALL_AGENT_CLIS_COMMAND,
  installedAgentClis,
  MOCK_MODELS,
  shellToolCall,
  type MockAgentHome,
} from '../../support/mock-agent-env';
import { MockModelServer, userTextBlocks, userTextOf } from '../../support/mock-model-server';

interface StepRun {
  result: StepExecutionResult;
  progress: StepProgress[];
  ctx: StepExecutionContext;
  /** What the executor handed to input.json (ctx.recordInput). */
  recorded: Array<Record<string, unknown>>;
}

function template(steps: AgentStep[]): TemplateDefinition {
  return {
    id: 'greet',
    name: 'Greeting pipeline',
    description: 'Write a greeting file and review it',
    tags: [],
    phases: [],
    inputs: { properties: { who: { type: 'string' } }, required: [] },
    on: { manual: true, schedule: [], file: [], event: [] },
    env: {},
    defaults: {},
    steps,
  };
}

function agentStep(kind: AgentKind, id: string, prompt: string, extra: Partial<AgentStep> = {}): AgentStep {
  return {
    kind: 'agent',
    id,
    agent: kind,
    prompt,
    model: MOCK_MODELS[kind],
    // Gemini offers its shell tool only in yolo mode; Claude runs Bash with an allow-list.
    permission: kind === 'gemini' ? 'full' : 'edit',
    ...(kind === 'claude' ? { tools: ['Bash'] } : {}),
    needs: [],
    env: {},
    continueOnError: false,
    ...extra,
  };
}

async function runStep(
  executor: AgentExecutor,
  home: MockAgentHome,
  step: AgentStep,
  over: Partial<StepExecutionContext> = {},
): Promise<StepRun> {
  const progress: StepProgress[] = [];
  const recorded: Array<Record<string, unknown>> = [];
  const controller = new AbortController();
  const stepDir = join(home.root, 'run', 'steps', step.id);
  mkdirSync(stepDir, { recursive: true });
  const ctx: StepExecutionContext = {
    runId: 'run-1',
    step,
    attempt: 1,
    template: template([step]),
    resolved: { prompt: step.prompt },
    env: {},
    cwd: home.workDir,
    stepDir,
    artifactsDir: join(home.root, 'run', 'artifacts'),
    signal: controller.signal,
    secrets: [],
    progress: (event) => progress.push(event),
    upstream: {},
    inputs: { who: 'world' },
    recordInput: (details) => recorded.push(details),
    ...over,
  };
  const result = await executor.execute(ctx);
  return { result, progress, ctx, recorded };
}

function describeCli(kind: AgentKind): void {
  describe(`AgentExecutor with the real ${kind} CLI`, function () {
    this.timeout(90_000);
    let binary: string | undefined;
    let mock: MockModelServer;
    let home: MockAgentHome;
    let executor: AgentExecutor;

    before(async function () {
      binary = (await installedAgentClis())[kind];
      if (!binary) {
        console.warn(`  skipped: ${kind} CLI is not installed; run: ${INSTALL_AGENT_CLIS_COMMAND}`);
        this.skip();
      }
    });

    beforeEach(async () => {
      mock = await MockModelServer.start();
      home = createMockAgentHome(mock.baseUrl, `baton-agent-${kind}-`);
      executor = new AgentExecutor({ baseEnv: home.env, executables: { [kind]: binary! }, killGraceMs: 1_000 });
    });

    afterEach(async () => {
      await mock.close();
      home.dispose();
    });

    it('runs a step whose model reply makes the CLI write a file, and records session, transcript, usage and events', async () => {
      mock.enqueue(shellToolCall(kind, 'printf "hello %s" world > greeting.txt'), { type: 'text', text: 'Wrote greeting.txt for you.' });
      const step = agentStep(kind, 'write', 'MARKER-FIRST-PROMPT: write a greeting to greeting.txt');
      const { result, progress, ctx, recorded } = await runStep(executor, home, step);

      assert.equal(result.kind, 'succeeded', JSON.stringify(result));
      assert.equal(readFileSync(join(home.workDir, 'greeting.txt'), 'utf8'), 'hello world');
      // input.json gets exactly the prompt the model received (as one text of its own).
      const recordedPrompt = (recorded[0]?.agent as { prompt?: string } | undefined)?.prompt ?? '';
      assert.ok(recordedPrompt.includes('MARKER-FIRST-PROMPT'), JSON.stringify(recorded));
      const blocks = userTextBlocks(mock.modelTurns[0]!);
      assert.ok(blocks.includes(recordedPrompt), `no sent text equals the recorded prompt; sent: ${JSON.stringify(blocks).slice(0, 3000)}`);
      assert.deepEqual(result.outputs, { result: 'Wrote greeting.txt for you.' });

      const session = result.session!;
      assert.match(session.sessionId ?? '', /^[0-9a-f-]{20,}$/);
      assert.ok(session.transcriptPath && existsSync(session.transcriptPath), `transcript at ${session.transcriptPath}`);
      assert.ok(readFileSync(session.transcriptPath, 'utf8').includes('MARKER-FIRST-PROMPT'), 'the transcript is this session');
      assert.equal(session.inputTokens, 240, 'two model turns of 120 input tokens');
      assert.equal(session.outputTokens, 60);
      if (kind === 'claude') assert.ok((session.costUsd ?? 0) > 0, 'claude reports a cost');

      const toolCall = progress.find((p) => p.kind === 'tool_call');
      assert.ok(toolCall && toolCall.kind === 'tool_call');
      assert.match(JSON.stringify(toolCall.input), /greeting\.txt/);
      const toolResult = progress.find((p) => p.kind === 'tool_result');
      assert.ok(toolResult && toolResult.kind === 'tool_result' && toolResult.isError === false);
      assert.ok(progress.some((p) => p.kind === 'assistant_text' && p.text.includes('Wrote greeting.txt')));
      assert.ok(progress.some((p) => p.kind === 'usage'));
      assert.ok(progress.some((p) => p.kind === 'message' && p.text.includes(session.sessionId!)));

      // What the CLI sent is the assembled prompt; the exact prompt is saved in the step folder.
      const sent = userTextOf(mock.modelTurns[0]!);
      const saved = readFileSync(join(ctx.stepDir, AGENT_PROMPT_FILE), 'utf8');
      assert.ok(sent.includes(saved.trim()), 'the saved prompt is what the model received');
      assert.match(saved, /## Goal of this run\nGreeting pipeline: Write a greeting file and review it/);
      assert.match(saved, /"who": "world"/);
      assert.ok(readFileSync(join(ctx.stepDir, AGENT_STREAM_FILE), 'utf8').includes(session.sessionId!));
    });

    it("gives a second step the first step's output and nothing from its session", async () => {
      mock.enqueue(shellToolCall(kind, 'printf hello > greeting.txt'), { type: 'text', text: 'Wrote greeting.txt for you.' });
      const first = await runStep(executor, home, agentStep(kind, 'write', 'MARKER-FIRST-PROMPT: write greeting.txt'));
      assert.equal(first.result.kind, 'succeeded', JSON.stringify(first.result));
      const firstSession = first.result.session!.sessionId!;

      mock.reset();
      mock.enqueue({ type: 'text', text: 'The greeting looks fine.' });
      const reviewStep = agentStep(kind, 'review', 'Review the greeting.', { needs: ['write'] });
      const upstream: Record<string, Outputs> = { write: (first.result as { outputs: Outputs }).outputs };
      const second = await runStep(executor, home, reviewStep, { upstream });

      assert.equal(second.result.kind, 'succeeded', JSON.stringify(second.result));
      assert.deepEqual(second.result.outputs, { result: 'The greeting looks fine.' });
      assert.notEqual(second.result.session?.sessionId, firstSession, 'a fresh session');
      const sent = mock.modelTurns.map(userTextOf).join('\n');
      assert.ok(sent.includes('### write'), 'the upstream step is named');
      assert.ok(sent.includes('Wrote greeting.txt for you.'), "the first step's output is in the prompt");
      assert.ok(!sent.includes('MARKER-FIRST-PROMPT'), "the first step's prompt is not");
      assert.ok(!sent.includes('printf hello'), "the first step's tool calls are not");
      assert.ok(!sent.includes(firstSession), "the first step's session id is not");
    });

    it('keeps secrets out of the prompt preamble, the outputs, the progress events and every file it writes', async () => {
      const secret = 'tok-SECRET-4711';
      mock.enqueue(shellToolCall(kind, 'echo "token=$API_TOKEN"'), { type: 'text', text: `The token is ${secret}.` });
      const step = agentStep(kind, 'leaky', 'Print the token.', { env: { API_TOKEN: secret } });
      const { result, progress, ctx } = await runStep(executor, home, step, {
        secrets: [secret],
        inputs: { token: secret },
        env: { API_TOKEN: secret },
      });
      assert.equal(result.kind, 'succeeded', JSON.stringify(result));
      assert.deepEqual(result.outputs, { result: 'The token is ***.' });
      assert.ok(!userTextOf(mock.modelTurns[0]!).includes(secret), 'the preamble carries the input redacted');
      assert.ok(userTextOf(mock.modelTurns[0]!).includes('"token": "***"'));
      // The tool really saw the secret (it is in the env); Baton just never records it.
      assert.ok(JSON.stringify(mock.modelTurns[1]!.body).includes(`token=${secret}`));
      assert.ok(!JSON.stringify(progress).includes(secret), 'no progress event holds the secret');
      assert.ok(JSON.stringify(progress).includes('token=***'));
      for (const name of readdirSync(ctx.stepDir)) {
        assert.ok(!readFileSync(join(ctx.stepDir, name), 'utf8').includes(secret), `${name} holds no secret`);
      }
    });

    it('permission read-only keeps the agent from writing; full lets it run commands without an allow-list', async function () {
      mock.enqueue(shellToolCall(kind, 'echo nope > readonly.txt'), { type: 'text', text: 'Tried.' });
      const readOnly = await runStep(executor, home, agentStep(kind, 'look', 'Only look.', { permission: 'read-only', tools: [] }));
      assert.equal(readOnly.result.kind, 'succeeded', JSON.stringify(readOnly.result));
      assert.equal(existsSync(join(home.workDir, 'readonly.txt')), false, 'the write was refused');
      // What the CLI told the model about the refused call (Codex refuses before running anything,
      // so its stream shows no tool item at all).
      const told = userTextOf(mock.modelTurns[1]!);
      assert.match(told.slice(-2000), /denied|not allowed|permission|read-only|rejected|sandbox|approval|disabled|no such tool|not found/i);

      // Claude Code accepts bypassPermissions as root only inside a sandbox (IS_SANDBOX=1).
      mock.enqueue(shellToolCall(kind, 'echo yes > full.txt'), { type: 'text', text: 'Done.' });
      const full = await runStep(executor, home, agentStep(kind, 'do', 'Do it.', { permission: 'full', tools: [] }), { env: { IS_SANDBOX: '1' } });
      assert.equal(full.result.kind, 'succeeded', JSON.stringify(full.result));
      assert.equal(readFileSync(join(home.workDir, 'full.txt'), 'utf8'), 'yes\n');
    });

    it('reports an API error as a retryable failure with the API message', async () => {
      const failing = await MockModelServer.start({
        fallbackReply: { type: 'http_error', status: 400, errorType: 'invalid_request_error', message: 'mock: the model rejects this request' },
      });
      const failingHome = createMockAgentHome(failing.baseUrl, `baton-agent-${kind}-`);
      try {
        const failingExecutor = new AgentExecutor({ baseEnv: failingHome.env, executables: { [kind]: binary! } });
        const { result } = await runStep(failingExecutor, failingHome, agentStep(kind, 'fail', 'Say hi.'));
        assert.equal(result.kind, 'failed');
        assert.ok(result.kind === 'failed');
        assert.equal(result.retryable, true);
        assert.match(result.error, /mock: the model rejects this request/);
      } finally {
        await failing.close();
        failingHome.dispose();
      }
    });

    it('stops at max_turns and reports a non-retryable turn limit', async () => {
      mock.enqueue(
        shellToolCall(kind, 'echo one >> turns.txt'),
        shellToolCall(kind, 'echo two >> turns.txt'),
        shellToolCall(kind, 'echo three >> turns.txt'),
        { type: 'text', text: 'never reached' },
      );
      const { result } = await runStep(executor, home, agentStep(kind, 'loop', 'Append lines.', { maxTurns: 1 }));
      assert.equal(result.kind, 'failed', JSON.stringify(result));
      assert.ok(result.kind === 'failed');
      assert.equal(result.retryable, false);
      assert.match(result.error, /turn limit/);
      const lines = readFileSync(join(home.workDir, 'turns.txt'), 'utf8').trim().split('\n');
      assert.ok(lines.length <= 2 && lines[0] === 'one', `at most the next call slipped through: ${lines.join(',')}`);
      assert.ok(!lines.includes('three'));
    });

    it('cancel and timeout kill the CLI and the command its tool started', async function () {
      // Found with ps by a unique duration: Codex runs tools in a PID namespace (bubblewrap), so
      // a pid the tool itself prints is not a pid of this machine.
      const sleeper = (seconds: string) => shellToolCall(kind, `sh -c 'exec sleep ${seconds}'`);
      const pidOf = async (seconds: string): Promise<number> => {
        for (let i = 0; i < 200; i++) {
          const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout;
          const line = ps.split('\n').find((l) => l.trim().endsWith(`sleep ${seconds}`) && !l.includes('sh -c'));
          if (line) return Number(line.trim().split(/\s+/)[0]);
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`no sleep ${seconds} process appeared`);
      };
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };

      // Durations unique per CLI, so a leftover of one CLI's test cannot be mistaken for another's.
      const unique = { claude: 1, codex: 2, gemini: 3 }[kind];
      mock.enqueue(sleeper(`117.2${unique}`));
      const controller = new AbortController();
      const running = runStep(executor, home, agentStep(kind, 'cancel-me', 'Sleep.'), { signal: controller.signal });
      const cancelledPid = await pidOf(`117.2${unique}`);
      assert.ok(alive(cancelledPid));
      controller.abort();
      const cancelled = (await running).result;
      assert.ok(cancelled.kind === 'failed');
      assert.equal(cancelled.retryable, false);
      assert.match(cancelled.error, /cancelled/);
      for (let i = 0; i < 100 && alive(cancelledPid); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(cancelledPid), false, 'the sleep started by the tool is gone');

      mock.enqueue(sleeper(`118.7${unique}`));
      const timedPidPromise = pidOf(`118.7${unique}`);
      // Long enough for the CLI to start and reach the tool even on a busy machine (Gemini alone
      // takes 3-4 s to start): the point is killing a tool that runs, not racing its start.
      const timeoutMs = kind === 'gemini' ? 15_000 : 8_000;
      const timed = (await runStep(executor, home, agentStep(kind, 'slow', 'Sleep.'), { timeoutMs })).result;
      assert.ok(timed.kind === 'failed');
      assert.equal(timed.retryable, true);
      assert.match(timed.error, new RegExp(`timed out after ${timeoutMs} ms`));
      const timedPid = await timedPidPromise;
      for (let i = 0; i < 100 && alive(timedPid); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(timedPid), false);
    });

    it('starts a fresh session on retry, and continues the recorded one with resume: true', async () => {
      mock.enqueue({ type: 'text', text: 'first attempt' }, { type: 'text', text: 'second attempt' }, { type: 'text', text: 'resumed' });
      const fresh = agentStep(kind, 'again', 'MARKER-ATTEMPT-ONE');
      const one = await runStep(executor, home, fresh);
      const two = await runStep(executor, home, fresh, { attempt: 2 });
      assert.equal(one.result.kind, 'succeeded');
      assert.equal(two.result.kind, 'succeeded');
      assert.notEqual(one.result.session?.sessionId, two.result.session?.sessionId);
      assert.ok(!userTextOf(mock.modelTurns[1]!).includes('first attempt'), 'the retry does not see the first attempt');

      const resuming = agentStep(kind, 'again', 'MARKER-ATTEMPT-THREE', { resume: true });
      const three = await runStep(executor, home, resuming, { attempt: 3 });
      assert.equal(three.result.kind, 'succeeded', JSON.stringify(three.result));
      assert.equal(three.result.session?.sessionId, two.result.session?.sessionId, 'same session continued');
      const seen = JSON.stringify(mock.modelTurns[2]!.body);
      assert.ok(seen.includes('second attempt'), 'the resumed session carries the earlier conversation');
    });
  });
}

for (const kind of ['claude', 'codex', 'gemini'] as const) describeCli(kind);

describe('the real gemini CLI with MCP servers (throwaway GEMINI_CLI_HOME)', function () {
  this.timeout(90_000);

  it("keeps chats in the user's ~/.gemini, so the transcript is found and resume: true continues the session", async function () {
    const binary = (await installedAgentClis()).gemini;
    if (!binary) this.skip();
    const mock = await MockModelServer.start();
    const home = createMockAgentHome(mock.baseUrl, 'baton-agent-gemini-mcp-');
    try {
      // A server that exits at once: Gemini reports it as unreachable and goes on; what matters here is the home.
      const executor = new AgentExecutor({
        baseEnv: home.env,
        executables: { gemini: binary! },
        mcpServers: () => ({ baton: { command: process.execPath, args: ['-e', ''] } }),
      });
      mock.enqueue({ type: 'text', text: 'first answer' }, { type: 'text', text: 'resumed answer' });
      const step = agentStep('gemini', 'again', 'MARKER-GEMINI-MCP', { resume: true });
      const one = await runStep(executor, home, step);
      assert.equal(one.result.kind, 'succeeded', JSON.stringify(one.result));
      const transcript = one.result.session?.transcriptPath ?? '';
      assert.ok(transcript.startsWith(join(home.home, '.gemini', 'tmp')), `transcript in the real ~/.gemini: ${transcript}`);
      assert.ok(readFileSync(transcript, 'utf8').includes('MARKER-GEMINI-MCP'));

      const two = await runStep(executor, home, step, { attempt: 2 });
      assert.equal(two.result.kind, 'succeeded', JSON.stringify(two.result));
      assert.equal(two.result.session?.sessionId, one.result.session?.sessionId, 'same session continued');
      assert.ok(JSON.stringify(mock.modelTurns[1]!.body).includes('first answer'), 'the resumed session carries the earlier conversation');
      const settings = parseJsonc(readFileSync(join(home.home, '.gemini', 'settings.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(settings.mcpServers, undefined, "the user's own settings never get Baton's server");
    } finally {
      await mock.close();
      home.dispose();
    }
  });
});

describe('AgentExecutor without the CLI', () => {
  it('fails with ExecutableNotFoundError and the install hint when the binary is missing', async () => {
    const mock = await MockModelServer.start();
    const home = createMockAgentHome(mock.baseUrl);
    try {
      const executor = new AgentExecutor({ baseEnv: { ...home.env, PATH: '/nonexistent' } });
      await assert.rejects(
        runStep(executor, home, agentStep('claude', 'x', 'hi')),
        (error: unknown) =>
          error instanceof ExecutableNotFoundError &&
          error.message === 'claude not found: install it with npm i -g @anthropic-ai/claude-code' &&
          error.retryable === false,
      );
      const viaEnv = new AgentExecutor({ baseEnv: { ...home.env, BATON_CODEX_PATH: '/nope/codex' } });
      await assert.rejects(runStep(viaEnv, home, agentStep('codex', 'x', 'hi')), /codex not found: \/nope\/codex \(from \$BATON_CODEX_PATH\)/);
      assert.equal(mock.requests.length, 0);
    } finally {
      await mock.close();
      home.dispose();
    }
  });
});
