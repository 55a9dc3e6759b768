/**
 * Baton's MCP server over real stdio with the MCP SDK's own client, started exactly as an agent
 * CLI would start it (batonMcpServerFor) while the step is running under the engine. Checks
 * each tool's answers and errors without an agent CLI in between.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Worker, systemClock } from '../../../src/core/engine';
import { GateAlreadyDecidedError } from '../../../src/core/errors';
import { isRunFinished, type Outputs } from '../../../src/core/model';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../../../src/core/ports';
import type { AgentStep } from '../../../src/core/template/types';
import type { AgentMcpServer } from '../../../src/executors/agent/adapter';
import { batonMcpServerFor } from '../../../src/mcp/config';
import { batonMcpServersViaCli } from '../../../src/mcp/launch';
import { BATON_MCP_TOOLS } from '../../../src/mcp/server';
import { decideAgentApproval, readMcpOutputs } from '../../../src/mcp/step-tools';
import { openStore } from '../../../src/store';
import { createEngineHarness, runStep, template, type EngineHarness } from '../../support/engine-fixtures';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tsxLoader = import.meta.resolve('tsx');

type ToolText = { isError: boolean; text: string };

/** Stands in for an agent CLI: connects to Baton's MCP server for the step and runs `script`. */
class McpClientExecutor implements StepExecutor {
  readonly kind = 'agent';
  constructor(
    private readonly launch: (ctx: StepExecutionContext) => AgentMcpServer,
    private readonly script: (call: (name: string, args?: Record<string, unknown>) => Promise<ToolText>, client: Client, ctx: StepExecutionContext) => Promise<void>,
  ) {}

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    const server = this.launch(ctx);
    const client = new Client({ name: 'baton-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: server.command, args: server.args, env: server.env ?? {}, stderr: 'pipe' }));
    const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolText> => {
      const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: Array<{ type: string; text?: string }> };
      return { isError: result.isError === true, text: result.content.map((c) => c.text ?? '').join('') };
    };
    try {
      await this.script(call, client, ctx);
    } finally {
      await client.close();
    }
    return { kind: 'succeeded', outputs: { ...readMcpOutputs(ctx.stepDir), result: 'done' } };
  }
}

function agent(): AgentStep {
  return {
    kind: 'agent',
    id: 'build',
    agent: 'claude',
    prompt: 'Use the tools.',
    needs: ['prep'],
    env: {},
    continueOnError: false,
    acceptance: 'count is set',
    outputs: { count: { type: 'integer', minimum: 0 }, note: { description: 'anything' } },
  };
}

describe("Baton's MCP server over stdio (MCP SDK client)", function () {
  this.timeout(60_000);
  let h: EngineHarness;

  beforeEach(() => {
    h = createEngineHarness();
  });
  afterEach(() => h.close());

  /** Starts src/mcp/main.ts directly, as a dev setup or a bundle with its own entry would. */
  const direct = (ctx: StepExecutionContext): AgentMcpServer =>
    batonMcpServerFor(ctx, {
      command: process.execPath,
      args: ['--import', tsxLoader, join(projectRoot, 'src', 'mcp', 'main.ts')],
      dbPath: h.dbPath,
      env: { PATH: process.env.PATH ?? '' },
    });

  async function runWith(script: ConstructorParameters<typeof McpClientExecutor>[1], launch = direct) {
    h.engine.registerExecutor(new McpClientExecutor(launch, script));
    const definition = template('tools', [runStep('prep', 'out greeting=hello'), agent()], {
      description: 'Exercise the tools',
      inputs: { properties: { who: { type: 'string' } }, required: [] },
    });
    const run = h.engine.startRun(definition, { inputs: { who: 'world' } });
    await new Worker(h.engine, { pollMs: 20 }).run({ until: () => isRunFinished(h.opened.store.getRun(run.id)!.status) });
    return run.id;
  }

  it('lists the six tools and answers get_step_context with goal, instructions, inputs and upstream outputs', async () => {
    let names: string[] = [];
    let context: Record<string, unknown> = {};
    await runWith(async (call, client) => {
      names = (await client.listTools()).tools.map((t) => t.name);
      const result = await call('get_step_context');
      assert.equal(result.isError, false);
      context = JSON.parse(result.text) as Record<string, unknown>;
    });
    assert.deepEqual([...names].sort(), [...BATON_MCP_TOOLS].sort());
    assert.equal(context.goal, 'tools: Exercise the tools');
    assert.equal(context.instructions, 'Use the tools.');
    assert.equal(context.acceptance, 'count is set');
    assert.deepEqual(context.inputs, { who: 'world' });
    assert.deepEqual(context.upstream, { prep: { greeting: 'hello' } });
    assert.deepEqual(context.declaredOutputs, { count: { type: 'integer', minimum: 0 }, note: { description: 'anything' } });
  });

  it('also serves through the CLI entry (`<cli> mcp-server`), the way batonMcpServersViaCli starts it', async () => {
    const viaCli = (ctx: StepExecutionContext): AgentMcpServer =>
      batonMcpServersViaCli({
        cliEntry: join(projectRoot, 'test', 'integration', 'agent', 'mcp-cli-shim.ts'),
        nodeArgs: ['--import', tsxLoader],
        dbPath: h.dbPath,
        workspaceDir: h.dir,
      })(ctx).baton!;
    const runId = await runWith(async (call) => {
      assert.equal((await call('set_output', { name: 'count', value: 1 })).isError, false);
    }, viaCli);
    assert.deepEqual(h.opened.store.findStep(runId, 'build', null)?.outputs, { count: 1, result: 'done' });
  });

  it('set_output checks names and schemas, and the values become the step outputs in the database', async () => {
    const answers: Record<string, ToolText> = {};
    const runId = await runWith(async (call) => {
      answers.reserved = await call('set_output', { name: 'result', value: 'x' });
      answers.undeclared = await call('set_output', { name: 'colour', value: 'red' });
      answers.wrongType = await call('set_output', { name: 'count', value: -2 });
      answers.count = await call('set_output', { name: 'count', value: 7 });
      answers.note = await call('set_output', { name: 'note', value: { any: ['json'] } });
    });
    assert.match(answers.reserved!.text, /"result" is reserved/);
    assert.ok(answers.reserved!.isError);
    assert.match(answers.undeclared!.text, /declares no output "colour"; declared: count, note/);
    assert.match(answers.wrongType!.text, /"count" does not match its schema: \(value\) must be >= 0/);
    assert.ok(answers.wrongType!.isError);
    assert.equal(answers.count!.isError, false);
    const step = h.opened.store.findStep(runId, 'build', null)!;
    assert.equal(step.status, 'succeeded');
    assert.deepEqual(step.outputs, { count: 7, note: { any: ['json'] }, result: 'done' } satisfies Outputs);
  });

  it('add_artifact copies the file and records it; a missing file is a tool error, not a crash', async () => {
    let missing: ToolText | undefined;
    const runId = await runWith(async (call, _client, ctx) => {
      writeFileSync(join(ctx.cwd, 'notes.md'), '# notes\n');
      missing = await call('add_artifact', { path: 'nope.md' });
      const added = await call('add_artifact', { path: 'notes.md', media_type: 'text/markdown' });
      assert.equal(added.isError, false, added.text);
      assert.equal((await call('add_comment', { body: 'first' })).isError, false);
      assert.equal((await call('report_progress', { message: 'working', percent: 10 })).isError, false);
    });
    assert.ok(missing?.isError);
    assert.match(missing!.text, /no such file: nope\.md/);
    const [artifact] = h.opened.store.listArtifacts(runId);
    assert.equal(artifact?.name, 'notes.md');
    assert.equal(artifact?.mediaType, 'text/markdown');
    assert.equal(artifact?.sizeBytes, 8);
    assert.deepEqual(h.opened.store.listComments(runId).map((c) => c.body), ['first']);
    const progress = h.opened.store.listEvents(0, { runId }).filter((e) => e.type === 'step.progress' && e.payload.source === 'mcp');
    assert.deepEqual(progress.map((e) => [e.payload.text, e.payload.percent]), [['working', 10]]);
  });

  it('closes an approval nobody can answer any more when the agent goes away while waiting', async () => {
    const runId = await runWith(async (call, client, ctx) => {
      void call('request_approval', { message: 'Ship it?' }).catch(() => undefined);
      let gate = h.opened.store.findGate(ctx.runId, 'build', null);
      for (let i = 0; i < 200 && !gate; i++) {
        await new Promise((r) => setTimeout(r, 50));
        gate = h.opened.store.findGate(ctx.runId, 'build', null);
      }
      assert.equal(gate?.decision, null);
      await client.close(); // the agent CLI exits: the server's stdin closes
      for (let i = 0; i < 100 && h.opened.store.findGate(ctx.runId, 'build', null)?.decision === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const gate = h.opened.store.findGate(runId, 'build', null);
    assert.equal(gate?.decision, 'cancelled');
    assert.equal(gate?.decidedBy, 'baton');
    assert.equal(h.opened.store.hasOpenGate(runId), false);
  });

  it('request_approval blocks until a decision from another connection; a second decision is refused', async () => {
    let answer: ToolText | undefined;
    let second: unknown;
    const runId = await runWith(async (call, _client, ctx) => {
      const pending = call('request_approval', { message: 'Ship it?' });
      const other = openStore(h.dbPath);
      try {
        let gate = other.store.findGate(ctx.runId, 'build', null);
        for (let i = 0; i < 200 && !gate; i++) {
          await new Promise((r) => setTimeout(r, 50));
          gate = other.store.findGate(ctx.runId, 'build', null);
        }
        assert.equal(gate?.message, 'Ship it?');
        assert.equal(gate?.decision, null, 'still open while the agent waits');
        decideAgentApproval(other.store, systemClock, { runId: ctx.runId, stepId: 'build', decision: 'reject', by: 'reviewer', comment: 'not yet' });
        try {
          decideAgentApproval(other.store, systemClock, { runId: ctx.runId, stepId: 'build', decision: 'approve', by: 'late' });
        } catch (error) {
          second = error;
        }
      } finally {
        other.close();
      }
      answer = await pending;
    });
    assert.equal(answer?.isError, false);
    assert.deepEqual(JSON.parse(answer!.text), { decision: 'rejected', by: 'reviewer', comment: 'not yet' });
    assert.ok(second instanceof GateAlreadyDecidedError);
    assert.equal(h.opened.store.findGate(runId, 'build', null)?.decidedBy, 'reviewer');
  });
});
