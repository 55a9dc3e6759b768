/**
 * `baton approve|reject` answers an approval an agent step asked for through Baton's MCP tool
 * request_approval (BatonStepTools.requestApproval, the function the tool calls), while the
 * agent step is still running and waiting — not only `gate` steps.
 */
import assert from 'node:assert/strict';
import { Worker, systemClock } from '../../../src/core/engine';
import { isRunFinished, type GateRecord } from '../../../src/core/model';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../../../src/core/ports';
import type { AgentStep } from '../../../src/core/template/types';
import { BatonStepTools } from '../../../src/mcp/step-tools';
import { createEngineHarness, template, type EngineHarness } from '../../support/engine-fixtures';
import { baton, type CliResult } from './harness';

/** Stands in for an agent: asks for approval the way the MCP tool does and, meanwhile, runs `whileWaiting`. */
class ApprovalAskingAgent implements StepExecutor {
  readonly kind = 'agent';
  answer: GateRecord | undefined;
  constructor(
    private readonly h: EngineHarness,
    private readonly whileWaiting: (ctx: StepExecutionContext) => Promise<void>,
  ) {}

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    const tools = new BatonStepTools({
      store: this.h.opened.store,
      engine: this.h.engine,
      clock: systemClock,
      runId: ctx.runId,
      stepId: ctx.step.id,
      itemKey: ctx.itemKey ?? null,
      stepDir: ctx.stepDir,
      artifactsDir: ctx.artifactsDir,
      cwd: ctx.cwd,
      approvalPollMs: 20,
    });
    const pending = tools.requestApproval('Ship it?');
    await this.whileWaiting(ctx);
    this.answer = await pending;
    return { kind: 'succeeded', outputs: { result: String(this.answer.decision) } };
  }
}

function agent(): AgentStep {
  return { kind: 'agent', id: 'build', agent: 'claude', prompt: 'Ask before shipping.', needs: [], env: {}, continueOnError: false, outputs: {} };
}

describe('baton approve|reject on an approval an agent step requested', function () {
  this.timeout(60_000);
  let h: EngineHarness;

  beforeEach(() => {
    h = createEngineHarness();
  });
  afterEach(() => h.close());

  async function runWith(whileWaiting: (ctx: StepExecutionContext) => Promise<void>): Promise<{ runId: string; agent: ApprovalAskingAgent }> {
    const executor = new ApprovalAskingAgent(h, whileWaiting);
    h.engine.registerExecutor(executor);
    const run = h.engine.startRun(template('ask', [agent()]), { inputs: {} });
    await new Worker(h.engine, { pollMs: 20 }).run({ until: () => isRunFinished(h.opened.store.getRun(run.id)!.status) });
    return { runId: run.id, agent: executor };
  }

  it('approve answers the waiting request_approval with the comment; a second approve exits 4 and changes nothing', async () => {
    let first: CliResult | undefined;
    let second: CliResult | undefined;
    let stepStatusAfterApprove: string | undefined;
    const { runId, agent: asked } = await runWith(async (ctx) => {
      assert.equal(h.opened.store.findGate(ctx.runId, 'build', null)?.decision, null, 'open while the agent waits');
      first = await baton(['approve', ctx.runId, 'build', '--comment', 'ok', '--by', 'reviewer'], { cwd: h.dir });
      stepStatusAfterApprove = h.opened.store.findStep(ctx.runId, 'build', null)?.status;
      second = await baton(['approve', ctx.runId, 'build', '--by', 'late'], { cwd: h.dir });
    });
    assert.equal(first?.code, 0, first?.stderr);
    assert.match(first!.stdout, /gate build in run .* approved by reviewer/);
    assert.equal(stepStatusAfterApprove, 'running', 'deciding does not finish the agent step; the agent does');
    assert.equal(asked.answer?.decision, 'approved');
    assert.equal(asked.answer?.decidedBy, 'reviewer');
    assert.equal(asked.answer?.comment, 'ok');
    assert.equal(second?.code, 4, second?.stderr);
    const gate = h.opened.store.findGate(runId, 'build', null);
    assert.equal(gate?.decidedBy, 'reviewer');
    assert.equal(h.opened.store.getRun(runId)?.status, 'succeeded');
    const decided = h.engine.listEvents(0, { runId }).filter((e) => e.type === 'gate.decided');
    assert.equal(decided.length, 1);
    assert.deepEqual(decided[0]?.payload, { decision: 'approved', by: 'reviewer', comment: 'ok', source: 'agent' });
  });

  it('reject answers the waiting request_approval as rejected', async () => {
    let result: CliResult | undefined;
    const { agent: asked } = await runWith(async (ctx) => {
      result = await baton(['reject', ctx.runId, 'build', '--comment', 'not yet'], { cwd: h.dir, env: { BATON_USER: 'reviewer' } });
    });
    assert.equal(result?.code, 0, result?.stderr);
    assert.equal(asked.answer?.decision, 'rejected');
    assert.equal(asked.answer?.comment, 'not yet');
    assert.equal(asked.answer?.decidedBy, 'reviewer');
  });
});
