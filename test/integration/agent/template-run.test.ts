/**
 * A YAML template with two agent steps run by `baton run`, with the REAL Claude Code CLI against
 * the mock model server: the first step's tool call writes a file, the second step gets the
 * first one's output in its prompt and nothing from its session.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMockAgentHome, INSTALL_AGENT_CLIS_COMMAND, installedAgentClis, MOCK_MODELS, shellToolCall, type MockAgentHome } from '../../support/mock-agent-env';
import { MockModelServer, userTextOf } from '../../support/mock-model-server';
import { Workspace, runIdFrom } from '../cli/harness';

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

    // The exact prompts: the first has the goal, acceptance criteria, inputs and resolved instructions.
    const firstPrompt = readFileSync(join(ws.dir, '.baton', 'runs', runId, 'steps', 'write', 'prompt.md'), 'utf8');
    assert.match(firstPrompt, /Greeting pipeline: Write a greeting file and review it/);
    assert.match(firstPrompt, /greeting\.txt holds the greeting/);
    assert.match(firstPrompt, /MARKER-FIRST-PROMPT: write a greeting for world into greeting\.txt/);

    const turns = mock.modelTurns;
    assert.equal(turns.length, 3);
    const reviewSaw = userTextOf(turns[2]!);
    assert.ok(reviewSaw.includes('Wrote greeting.txt for you.'), "the review step's prompt has the write step's output");
    assert.ok(!reviewSaw.includes('MARKER-FIRST-PROMPT'), 'but not its prompt');
    assert.ok(!reviewSaw.includes('printf'), 'nor its tool calls');
    assert.ok(!reviewSaw.includes(write.sessionId!), 'nor its session id');
    assert.ok(!JSON.stringify(turns[2]!.body).includes('(Bash completed'), 'nor its tool results');
  });
});
