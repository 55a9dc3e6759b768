/**
 * A YAML template with two agent steps run by `baton run`, with the REAL Claude Code CLI against
 * the mock model server: the first step's tool call writes a file, the second step gets the
 * first one's output in its prompt and nothing from its session.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { nodeBundleOptions } from '../../../scripts/node-bundle.mjs';
import { join } from 'node:path';
import { createMockAgentHome, INSTALL_AGENT_CLIS_COMMAND, installedAgentClis, MOCK_MODELS, shellToolCall, type MockAgentHome } from '../../support/mock-agent-env';
import { MockModelServer, userTextBlocks, userTextOf, type RecordedModelRequest } from '../../support/mock-model-server';
import { Workspace, runIdFrom } from '../cli/harness';

const execFileAsync = promisify(execFile);

const TEMPLATE = `id: greet
name: Greeting pipeline
description: Write a greeting file and review it
inputs:
  properties:
    who:
      type: string
      default: world
steps:
  - id: write
    agent: claude
    model: ${MOCK_MODELS.claude}
    permission: edit
    tools: [Bash]
    acceptance: greeting.txt holds the greeting
    prompt: "MARKER-FIRST-PROMPT: write a greeting for \${{ inputs.who }} into greeting.txt"
  - id: review
    agent: claude
    model: ${MOCK_MODELS.claude}
    permission: read-only
    needs: [write]
    prompt: Review what the write step reported.
`;

interface StepDetail {
  stepId: string;
  status: string;
  outputs: Record<string, unknown> | null;
  sessionId: string | null;
  transcriptPath: string | null;
}

interface RecordedPrompt {
  attempt: number;
  prompt?: string;
  assembledFrom?: { instructions: string };
  sameAsAttempt?: number;
}

interface StepInputFile {
  attempt: number;
  agent: {
    prompt: string;
    promptFile: string;
    assembledFrom: { goal: string; instructions: string; acceptance?: string; inputs: Record<string, unknown>; upstream: Record<string, unknown> };
    attempts: RecordedPrompt[];
  };
}

function readStepInput(workspace: string, runId: string, stepId: string): StepInputFile {
  return JSON.parse(readFileSync(join(workspace, '.baton', 'runs', runId, 'steps', stepId, 'input.json'), 'utf8')) as StepInputFile;
}

/** The text Baton's prompt arrived as (Claude Code sends its own text blocks beside it). */
function firstPromptText(turn: RecordedModelRequest): string {
  const prompt = userTextBlocks(turn).find((text) => text.startsWith('You are running step'));
  assert.ok(prompt, `no Baton prompt in ${JSON.stringify(userTextBlocks(turn)).slice(0, 500)}`);
  return prompt;
}

describe('a template with agent steps, run by `baton run` with the real Claude Code', function () {
  this.timeout(90_000);
  let claude: string | undefined;
  let mock: MockModelServer;
  let home: MockAgentHome;
  let ws: Workspace;

  before(async function () {
    claude = (await installedAgentClis()).claude;
    if (!claude) {
      console.warn(`  skipped: claude CLI is not installed; run: ${INSTALL_AGENT_CLIS_COMMAND}`);
      this.skip();
    }
  });

  beforeEach(async () => {
    mock = await MockModelServer.start();
    home = createMockAgentHome(mock.baseUrl, 'baton-template-agent-');
    ws = new Workspace('baton-agent-ws-');
    ws.template('greet.yml', TEMPLATE);
  });

  afterEach(async () => {
    await mock.close();
    home.dispose();
    ws.cleanup();
  });

  it("gives the agent Baton's MCP server through the CLI's own entry: set_output lands in the step's outputs", async () => {
    ws.template(
      'count.yml',
      `id: count\nname: Count\nsteps:\n  - id: counter\n    agent: claude\n    model: ${MOCK_MODELS.claude}\n    prompt: Count the files and report the number with set_output.\n`,
    );
    mock.enqueue(
      { type: 'tool_call', name: 'mcp__baton__set_output', input: { name: 'count', value: 7 }, id: 'toolu_set' },
      { type: 'text', text: 'Reported the count.' },
    );
    // The real bundled CLI as its own process: it must start itself again as `baton mcp-server`.
    const outDir = mkdtempSync(join(tmpdir(), 'baton-cli-bundle-'));
    try {
      await esbuild.build({ ...nodeBundleOptions({ entry: 'cli', outdir: outDir }), logLevel: 'silent' });
      const child = await execFileAsync(process.execPath, [join(outDir, 'cli.cjs'), 'run', 'count'], {
        cwd: ws.dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...home.env, BATON_CLAUDE_PATH: claude },
      }).catch((error: { code?: number; stdout?: string; stderr?: string }) => error);
      const result = { code: (child as { code?: number }).code ?? 0, stdout: String(child.stdout), stderr: String(child.stderr) };
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const runId = runIdFrom(result.stdout);
      const shown = await ws.baton(['show', runId, '--json']);
      const detail = JSON.parse(shown.stdout) as { steps: StepDetail[] };
      const counter = detail.steps.find((s) => s.stepId === 'counter')!;
      assert.equal(counter.status, 'succeeded');
      // Only Baton's MCP server, started by this CLI as `baton mcp-server`, can put `count` there.
      assert.equal(counter.outputs?.count, 7, JSON.stringify(counter.outputs));
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('writes the file through a real tool call, records the session, and hands only the output to the next step', async () => {
    mock.enqueue(
      shellToolCall('claude', 'printf "hello %s" world > greeting.txt'),
      { type: 'text', text: 'Wrote greeting.txt for you.' },
      { type: 'text', text: 'The greeting looks fine.' },
    );
    const result = await ws.baton(['run', 'greet'], { env: { ...home.env, BATON_CLAUDE_PATH: claude } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(ws.read('greeting.txt'), 'hello world', 'the tool ran in the workspace');

    const runId = runIdFrom(result.stdout);
    const detail = JSON.parse((await ws.baton(['show', runId, '--json'])).stdout) as {
      steps: StepDetail[];
      attempts: Array<{ stepId: string; costUsd: number | null }>;
    };
    const write = detail.steps.find((s) => s.stepId === 'write')!;
    const review = detail.steps.find((s) => s.stepId === 'review')!;
    assert.equal(write.status, 'succeeded');
    assert.deepEqual(write.outputs, { result: 'Wrote greeting.txt for you.' });
    assert.deepEqual(review.outputs, { result: 'The greeting looks fine.' });
    assert.match(write.sessionId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(write.transcriptPath && existsSync(write.transcriptPath), `transcript ${write.transcriptPath}`);
    assert.ok(write.transcriptPath.startsWith(join(home.home, '.claude', 'projects')));
    assert.notEqual(review.sessionId, write.sessionId);
    const cost = detail.attempts.find((a) => a.stepId === 'write')?.costUsd ?? 0;
    assert.ok(cost > 0, `cost recorded on the attempt: ${cost}`);

    // The step's events (persisted by the engine from the executor's progress).
    const eventsFile = join(ws.dir, '.baton', 'runs', runId, 'steps', 'write', 'events.jsonl');
    const events = readFileSync(eventsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const call = events.find((e) => e.kind === 'tool_call');
    assert.equal(call?.tool, 'Bash');
    assert.ok(events.some((e) => e.kind === 'tool_result' && e.isError === false));
    assert.ok(events.some((e) => e.kind === 'usage' && typeof e.costUsd === 'number'));
    assert.ok(events.some((e) => e.kind === 'assistant_text' && e.text === 'Wrote greeting.txt for you.'));

    // The exact prompts are in each step's input.json, with what they were assembled from.
    const turns = mock.modelTurns;
    assert.equal(turns.length, 3);
    const writeInput = readStepInput(ws.dir, runId, 'write');
    assert.equal(writeInput.agent.prompt, firstPromptText(turns[0]!), 'input.json holds exactly the prompt the model received');
    assert.match(writeInput.agent.prompt, /Greeting pipeline: Write a greeting file and review it/);
    assert.match(writeInput.agent.prompt, /greeting\.txt holds the greeting/);
    assert.match(writeInput.agent.prompt, /MARKER-FIRST-PROMPT: write a greeting for world into greeting\.txt/);
    assert.equal(writeInput.agent.assembledFrom.instructions, 'MARKER-FIRST-PROMPT: write a greeting for world into greeting.txt');
    assert.equal(writeInput.agent.assembledFrom.goal, 'Greeting pipeline: Write a greeting file and review it');
    assert.equal(writeInput.agent.assembledFrom.acceptance, 'greeting.txt holds the greeting');
    assert.deepEqual(writeInput.agent.assembledFrom.inputs, { who: 'world' });
    assert.equal(writeInput.attempt, 1, "the engine's part of input.json is kept");
    const reviewInput = readStepInput(ws.dir, runId, 'review');
    assert.equal(reviewInput.agent.prompt, firstPromptText(turns[2]!));
    assert.deepEqual(reviewInput.agent.assembledFrom.upstream, { write: { result: 'Wrote greeting.txt for you.' } });
    assert.equal(
      readFileSync(join(ws.dir, '.baton', 'runs', runId, 'steps', 'write', writeInput.agent.promptFile), 'utf8'),
      writeInput.agent.prompt,
    );
    const reviewSaw = userTextOf(turns[2]!);
    assert.ok(reviewSaw.includes('Wrote greeting.txt for you.'), "the review step's prompt has the write step's output");
    assert.ok(!reviewSaw.includes('MARKER-FIRST-PROMPT'), 'but not its prompt');
    assert.ok(!reviewSaw.includes('printf'), 'nor its tool calls');
    assert.ok(!reviewSaw.includes(write.sessionId!), 'nor its session id');
    assert.ok(!JSON.stringify(turns[2]!.body).includes('(Bash completed'), 'nor its tool results');
  });
  it("keeps each attempt's exact prompt in input.json when a retry is given a different one", async () => {
    ws.template(
      'flaky.yml',
      [
        'id: flaky',
        'name: Flaky',
        'steps:',
        '  - id: greet',
        '    agent: claude',
        `    model: ${MOCK_MODELS.claude}`,
        '    retry: { max: 2, delay: 10ms }',
        '    prompt: "MARKER-ATTEMPT-${{ run.attempt }}: say hello"',
        '',
      ].join('\n'),
    );
    mock.enqueue(
      { type: 'http_error', status: 500, errorType: 'api_error', message: 'mock: overloaded' },
      { type: 'text', text: 'Hello.' },
    );
    const result = await ws.baton(['run', 'flaky'], { env: { ...home.env, BATON_CLAUDE_PATH: claude } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const runId = runIdFrom(result.stdout);
    const turns = mock.modelTurns;
    assert.equal(turns.length, 2, 'one model call per attempt');

    const input = readStepInput(ws.dir, runId, 'greet');
    assert.equal(input.attempt, 2);
    assert.equal(input.agent.prompt, firstPromptText(turns[1]!), 'the latest attempt is the one in front');
    assert.deepEqual(
      input.agent.attempts.map((a) => [a.attempt, a.prompt, a.assembledFrom?.instructions]),
      [
        [1, firstPromptText(turns[0]!), 'MARKER-ATTEMPT-1: say hello'],
        [2, firstPromptText(turns[1]!), 'MARKER-ATTEMPT-2: say hello'],
      ],
    );
  });
  it('gives each foreach instance its own item in the prompt, recorded in its own input.json', async () => {
    ws.template(
      'per-file.yml',
      [
        'id: per-file',
        'name: Per file',
        'steps:',
        '  - id: review',
        '    agent: claude',
        `    model: ${MOCK_MODELS.claude}`,
        '    foreach: [{ path: src/a.ts, owner: ann }, { path: src/b.ts, owner: bob }]',
        '    max_parallel: 1',
        '    prompt: Review the file of this item.',
        '',
      ].join('\n'),
    );
    mock.enqueue({ type: 'text', text: 'a is fine' }, { type: 'text', text: 'b is fine' });
    const result = await ws.baton(['run', 'per-file'], { env: { ...home.env, BATON_CLAUDE_PATH: claude } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const runId = runIdFrom(result.stdout);
    const turns = mock.modelTurns;
    assert.equal(turns.length, 2);
    const sent = turns.map(firstPromptText);
    for (const [index, item] of [{ path: 'src/a.ts', owner: 'ann' }, { path: 'src/b.ts', owner: 'bob' }].entries()) {
      const input = readStepInput(ws.dir, runId, join('review', String(index)));
      assert.ok(input.agent.prompt.includes(JSON.stringify(item, null, 2)), `the item's value is in the prompt:\n${input.agent.prompt}`);
      assert.ok(sent.includes(input.agent.prompt), 'and that prompt is what the model received');
    }
  });
});
