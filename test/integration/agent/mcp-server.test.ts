/**
 * Baton's MCP server used by the REAL Claude Code and Codex CLIs (mock model): the model's
 * replies make the CLI call get_step_context, set_output (one invalid, one valid), add_artifact, add_comment,
 * report_progress and request_approval — approved from another process — and every effect lands
 * in the run's database and run folder, through the engine's normal step result.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, Worker } from '../../../src/core/engine';
import { isRunFinished } from '../../../src/core/model';
import type { AgentKind, AgentStep, TemplateDefinition } from '../../../src/core/template/types';
import { AgentExecutor } from '../../../src/executors/agent/executor';
import { batonMcpServerFor } from '../../../src/mcp/config';
import { openStore, type OpenedStore } from '../../../src/store';
import { createMockAgentHome, INSTALL_AGENT_CLIS_COMMAND, installedAgentClis, MOCK_MODELS, shellToolCall, type MockAgentHome } from '../../support/mock-agent-env';
import { MockModelServer, type MockReply, type RecordedModelRequest } from '../../support/mock-model-server';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '..', '..', '..');
const tsxLoader = import.meta.resolve('tsx');

function definition(kind: AgentKind): TemplateDefinition {
  const step: AgentStep = {
    kind: 'agent',
    id: 'build',
    agent: kind,
    prompt: 'Build the report and hand over its numbers.',
    model: MOCK_MODELS[kind],
    permission: 'edit',
    ...(kind === 'claude' ? { tools: ['Bash'] } : {}),
    acceptance: 'count is set',
    needs: [],
    env: {},
    continueOnError: false,
    outputs: { count: { type: 'integer', minimum: 0 }, note: { description: 'free text' } },
  };
  return {
    id: 'report',
    name: 'Report',
    description: 'Produce the weekly report',
    tags: [],
    phases: [],
    inputs: { properties: {}, required: [] },
    on: { manual: true, schedule: [], file: [], event: [] },
    env: {},
    defaults: {},
    steps: [step],
  };
}

/** The tool result a CLI sent back to the model for a tool call id (in a later request). */
function toolResultFor(requests: RecordedModelRequest[], callId: string): string {
  for (const request of requests) {
    const body = request.body as {
      messages?: Array<{ content: unknown }>;
      input?: Array<Record<string, unknown>>;
      contents?: Array<{ parts?: Array<{ functionResponse?: { id?: string; response?: unknown } }> }>;
    };
    for (const message of body?.messages ?? []) {
      if (!Array.isArray(message.content)) continue;
      for (const block of message.content as Array<Record<string, unknown>>) {
        if (block.type === 'tool_result' && block.tool_use_id === callId) return JSON.stringify(block.content);
      }
    }
    for (const item of body?.input ?? []) {
      if (item.type === 'function_call_output' && item.call_id === callId) return JSON.stringify(item.output);
    }
    for (const content of body?.contents ?? []) {
      for (const part of content.parts ?? []) {
        if (part.functionResponse?.id === callId) return JSON.stringify(part.functionResponse.response);
      }
    }
  }
  return '';
}

/** A call of one of Baton's MCP tools, named the way each CLI exposes MCP tools to the model. */
function batonToolCall(kind: AgentKind, name: string, input: Record<string, unknown>, id: string): MockReply {
  switch (kind) {
    case 'claude':
      return { type: 'tool_call', name: `mcp__baton__${name}`, input, id };
    case 'codex':
      return { type: 'tool_call', name, namespace: 'mcp__baton', input, id };
    case 'gemini':
      return { type: 'tool_call', name: `mcp_baton_${name}`, input, id };
  }
}

for (const kind of ['claude', 'codex', 'gemini'] as const) describeMcp(kind);

function describeMcp(kind: AgentKind): void {
describe(`Baton's MCP server with the real ${kind} CLI`, function () {
  this.timeout(120_000);
  let binary: string | undefined;
  let mock: MockModelServer;
  let home: MockAgentHome;
  let opened: OpenedStore;

  before(async function () {
    binary = (await installedAgentClis())[kind];
    if (!binary) {
      console.warn(`  skipped: ${kind} CLI is not installed; run: ${INSTALL_AGENT_CLIS_COMMAND}`);
      this.skip();
    }
  });

  beforeEach(async () => {
    mock = await MockModelServer.start();
    home = createMockAgentHome(mock.baseUrl, 'baton-mcp-');
    opened = openStore(join(home.workDir, '.baton', 'baton.db'));
  });

  afterEach(async () => {
    opened.close();
    await mock.close();
    home.dispose();
  });

  it('lands set_output, add_artifact, add_comment, report_progress and an approval from another process in the database', async () => {
    const call = (name: string, input: Record<string, unknown>, id: string) => batonToolCall(kind, name, input, id);
    mock.enqueue(
      // First thing the model does: a Baton tool. Codex must have waited for the server
      // (`required = true`), which takes ~1 s to start through tsx here.
      call('get_step_context', {}, 'toolu_context'),
      // Gemini offers its shell only in yolo mode; this step is `edit`, where it writes files.
      kind === 'gemini'
        ? { type: 'tool_call', name: 'write_file', input: { file_path: join(home.workDir, 'report.txt'), content: 'weekly numbers' } }
        : shellToolCall(kind, 'printf "weekly numbers" > report.txt'),
      call('set_output', { name: 'count', value: 'three' }, 'toolu_bad_output'),
      call('set_output', { name: 'count', value: 3 }, 'toolu_output'),
      call('add_artifact', { path: 'report.txt', name: 'weekly.txt' }, 'toolu_artifact'),
      call('add_comment', { body: 'Numbers look plausible.' }, 'toolu_comment'),
      call('report_progress', { message: 'halfway there', percent: 50 }, 'toolu_progress'),
      call('request_approval', { message: 'Publish the report?' }, 'toolu_approval'),
      { type: 'text', text: 'Report built and approved.' },
    );

    const engine = new Engine({
      store: opened.store,
      files: opened.files,
      workspaceDir: home.workDir,
      executors: [
        new AgentExecutor({
          baseEnv: home.env,
          executables: { [kind]: binary! },
          mcpServers: (ctx) => ({
            baton: batonMcpServerFor(ctx, {
              command: process.execPath,
              args: ['--import', tsxLoader, join(projectRoot, 'src', 'mcp', 'main.ts')],
              dbPath: opened.dbPath,
              workspaceDir: home.workDir,
              env: { PATH: process.env.PATH ?? '' },
            }),
          }),
        }),
      ],
    });
    const run = engine.startRun(definition(kind));

    const approver = spawn(
      process.execPath,
      ['--import', tsxLoader, join(here, 'approve-from-another-process.ts'), opened.dbPath, run.id, 'build', 'other-process'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let approverOut = '';
    approver.stdout.on('data', (c: Buffer) => (approverOut += c.toString()));
    approver.stderr.on('data', (c: Buffer) => (approverOut += c.toString()));
    const approverExit = new Promise<number | null>((r) => approver.on('close', (code) => r(code)));

    await new Worker(engine, { pollMs: 50 }).run({ until: () => isRunFinished(opened.store.getRun(run.id)!.status) });
    await opened.files.flush?.();
    assert.equal(await approverExit, 0, approverOut);
    assert.equal(approverOut.trim(), 'approved other-process');

    const detail = engine.getRun(run.id);
    const step = detail.steps.find((s) => s.stepId === 'build')!;
    assert.equal(detail.run.status, 'succeeded', `${step.error}`);
    assert.deepEqual(step.outputs, { count: 3, result: 'Report built and approved.' });
    // The session's transcript is in the CLI's own home (for Gemini: not in the throwaway one).
    assert.ok(step.transcriptPath && existsSync(step.transcriptPath), `transcript at ${step.transcriptPath}`);
    assert.ok(step.transcriptPath.startsWith(home.home), step.transcriptPath);
    assert.ok(step.sessionId, 'the session id is recorded on the step');
    // Tokens are recorded as the step's usage events; Claude Code alone reports a cost, kept on the attempt.
    const usage = opened.store
      .listEvents(0, { runId: run.id })
      .filter((e) => e.type === 'step.progress' && e.payload.kind === 'usage')
      .map((e) => e.payload as { inputTokens?: number; outputTokens?: number; costUsd?: number });
    assert.ok(usage.length > 0 && usage.every((u) => (u.inputTokens ?? 0) > 0 && (u.outputTokens ?? 0) > 0), JSON.stringify(usage));
    const [attempt] = opened.store.listAttempts(step.id);
    if (kind === 'claude') assert.ok((attempt?.costUsd ?? 0) > 0, `cost on the attempt: ${attempt?.costUsd}`);

    // What the agent was told by the tools (the tool results Claude sent back to the model).
    const turns = mock.modelTurns;
    const context = toolResultFor(turns, 'toolu_context');
    assert.match(context, /Report: Produce the weekly report/);
    assert.match(context, /Build the report and hand over its numbers/);
    assert.doesNotMatch(context, /## Goal of this run/, 'the instructions alone, not the whole prompt again');
    assert.match(context, /count is set/);
    // Quoted once more per JSON layer the CLI wraps the tool's text in (Gemini wraps it twice).
    assert.match(toolResultFor(turns, 'toolu_bad_output'), /output (\\)+"count(\\)+" does not match its schema: \(value\) must be integer/);
    assert.match(toolResultFor(turns, 'toolu_approval'), /approved[\s\S]*other-process[\s\S]*go ahead/);

    const [artifact] = opened.store.listArtifacts(run.id);
    assert.equal(artifact?.name, 'weekly.txt');
    assert.equal(artifact?.stepId, 'build');
    assert.ok(artifact && existsSync(artifact.path));
    assert.equal(readFileSync(artifact.path, 'utf8'), 'weekly numbers');
    assert.ok(artifact.path.startsWith(opened.files.artifactsDir(run.id)));

    const comments = opened.store.listComments(run.id);
    assert.deepEqual(comments.map((c) => [c.author, c.body]), [['agent:build', 'Numbers look plausible.']]);

    const events = opened.store.listEvents(0, { runId: run.id });
    const types = events.map((e) => e.type);
    assert.ok(types.includes('artifact.added'));
    assert.ok(types.includes('comment.added'));
    assert.ok(events.some((e) => e.type === 'step.progress' && e.payload.source === 'mcp' && e.payload.text === 'halfway there'));
    assert.ok(events.some((e) => e.type === 'step.progress' && e.payload.text === 'output count set'));
    const requested = types.indexOf('gate.requested');
    const decided = types.indexOf('gate.decided');
    assert.ok(requested >= 0 && decided > requested, `gate events in order: ${types.join(', ')}`);
    const gate = opened.store.findGate(run.id, 'build', null);
    assert.equal(gate?.decision, 'approved');
    assert.equal(gate?.decidedBy, 'other-process');
  });
});
}
