import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '../../../src/core/engine';
import { EventType, type EventRecord } from '../../../src/core/model';
import type { TemplateResolver } from '../../../src/core/ports';
import { ScriptExecutor } from '../../../src/executors/script';
import {
  assertRunCountersConsistent,
  createEngineHarness,
  gateStep,
  runStep,
  runTs,
  template,
  workflowStep,
  type EngineHarness,
} from '../../support/engine-fixtures';

const DECIDE_GATE = join(import.meta.dirname, 'fixtures', 'decide-gate.ts');

const out = (text: string) => `echo "${text}" >> "$BATON_OUTPUT"`;

const childTemplate = template(
  'child-tpl',
  [runStep('shout', out('text=${{ inputs.greeting }}!')), runStep('tail', out('done=yes'), { needs: ['shout'] })],
  { inputs: { properties: { greeting: { type: 'string' } }, required: ['greeting'] } },
);

/** 20 steps: a succeeding branch (a1-a5), an independent branch (c1-c3), a failing branch (b1-b4 + handler), a foreach, a gate, a child workflow. */
const acceptanceTemplate = template(
  'acceptance',
  [
    runStep('prepare', out('count=10')),
    runStep('a1', out('v=a1'), { needs: ['prepare'] }),
    runStep('a2', out('v=a2'), { needs: ['a1'] }),
    runStep('a3', out('v=a3'), { needs: ['a2'] }),
    runStep('a4', out('v=a4'), { needs: ['a3'] }),
    runStep('a5', out('v=a5'), { needs: ['a4'] }),
    runStep('c1', 'echo c1 on stdout'),
    runStep('c2', 'true', { needs: ['c1'] }),
    runStep('c3', 'true', { needs: ['c2'] }),
    runStep('b1', 'true', { needs: ['prepare'] }),
    runStep('b2', 'echo "b2 is broken" >&2; exit 3', { needs: ['b1'] }),
    runStep('b3', 'true', { needs: ['b2'] }),
    runStep('b4', 'true', { needs: ['b3'] }),
    runStep('b_handler', out('handled=${{ steps.b2.outcome }}'), { needs: ['b2'], if: 'failure()' }),
    {
      ...runStep('fan', `sleep 0.05; ${out('sq=$(( ${{ item }} * ${{ item }} ))')}`, { needs: ['prepare'] }),
      foreach: '${{ inputs.items }}',
      maxParallel: 3,
    },
    gateStep('approve', { needs: ['a5', 'fan'], approvers: ['reviewer'] }),
    workflowStep('child', 'child-tpl', { needs: ['approve'], with: { greeting: 'hi ${{ steps.a5.outputs.v }}' } }),
    runStep('final', out('msg=${{ steps.child.outputs.shout.text }}'), { needs: ['child', 'c3'] }),
    runStep('join', 'true', { needs: ['a5', 'b4'] }),
    runStep('report', out('seen=${{ steps.final.outputs.msg }}'), { needs: ['final', 'join'], if: 'always()' }),
  ],
  { inputs: { properties: { items: { type: 'array', default: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] } }, required: [] } },
);

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function indexOf(events: EventRecord[], type: string, stepId: string | null, itemKey: string | null = null): number {
  const index = events.findIndex((e) => e.type === type && e.stepId === stepId && e.itemKey === itemKey);
  assert.ok(index >= 0, `no ${type} event for ${stepId}${itemKey === null ? '' : `[${itemKey}]`}`);
  return index;
}

describe('engine acceptance: 20-step DAG with failure isolation, foreach, a gate decided by another process and a child workflow', function () {
  this.timeout(60_000);
  let h: EngineHarness;
  const resolver: TemplateResolver = {
    resolve: async (id) => {
      if (id !== 'child-tpl') throw new Error(`unknown template ${id}`);
      return childTemplate;
    },
  };

  before(() => {
    h = createEngineHarness({ templates: resolver, executors: [new ScriptExecutor()] });
  });
  after(() => h.close());

  it('runs to the expected statuses, outputs and event order', async () => {
    assert.equal(acceptanceTemplate.steps.length, 20);
    const run = h.engine.startRun(acceptanceTemplate);
    const stop = new AbortController();
    const worker = new Worker(h.engine, { maxConcurrency: 6, pollMs: 20 });
    const working = worker.run({ signal: stop.signal });
    try {
      await waitFor('the gate', () => h.engine.listGates(run.id).length === 1);
      await waitFor('the run to wait for the gate', () => h.engine.getRun(run.id).run.status === 'waiting');
      assertRunCountersConsistent(h.engine, run.id);
      assert.equal(h.engine.getRun(run.id).steps.find((s) => s.stepId === 'child')?.status, 'pending');

      const decided = await runTs(DECIDE_GATE, [h.dbPath, run.id, 'approve', 'approve', 'reviewer', 'ship it']);
      assert.equal(decided.code, 0, decided.stderr);
      const gate = JSON.parse(decided.stdout) as { decision: string; decidedBy: string; comment: string };
      assert.deepEqual([gate.decision, gate.decidedBy, gate.comment], ['approved', 'reviewer', 'ship it']);

      await waitFor('the run to finish', () => ['succeeded', 'failed', 'cancelled'].includes(h.engine.getRun(run.id).run.status));
    } finally {
      stop.abort();
      await working;
    }

    const detail = h.engine.getRun(run.id);
    assert.equal(detail.run.status, 'failed');
    assert.equal(detail.run.failedSteps, 1);
    const top = Object.fromEntries(detail.steps.filter((s) => s.itemKey === null).map((s) => [s.stepId, s.status]));
    assert.deepEqual(top, {
      prepare: 'succeeded',
      a1: 'succeeded',
      a2: 'succeeded',
      a3: 'succeeded',
      a4: 'succeeded',
      a5: 'succeeded',
      c1: 'succeeded',
      c2: 'succeeded',
      c3: 'succeeded',
      b1: 'succeeded',
      b2: 'failed',
      b3: 'skipped',
      b4: 'skipped',
      b_handler: 'succeeded',
      fan: 'succeeded',
      approve: 'succeeded',
      child: 'succeeded',
      final: 'succeeded',
      join: 'skipped',
      report: 'succeeded',
    });
    const byId = (id: string) => detail.steps.find((s) => s.stepId === id && s.itemKey === null)!;
    assert.deepEqual(byId('fan').outputs?.sq, ['0', '1', '4', '9', '16', '25', '36', '49', '64', '81']);
    assert.equal(byId('b_handler').outputs?.handled, 'failed');
    assert.equal(byId('child').outputs && (byId('child').outputs!.shout as { text: string }).text, 'hi a5!');
    assert.equal(byId('final').outputs?.msg, 'hi a5!');
    assert.equal(byId('report').outputs?.seen, 'hi a5!');
    assert.match(byId('b2').error ?? '', /exit|3/);

    assertRunCountersConsistent(h.engine, run.id);
    const childRun = h.engine.getRun(byId('child').childRunId!);
    assertRunCountersConsistent(h.engine, childRun.run.id);
    assert.equal(childRun.run.status, 'succeeded');
    assert.equal(childRun.run.parentRunId, run.id);

    // Event order.
    const events = h.engine.listEvents(0, { runId: run.id, limit: 10_000 });
    assert.deepEqual(events.slice(0, 2).map((e) => e.type), [EventType.RunCreated, EventType.RunStarted]);
    assert.equal(events.at(-1)?.type, EventType.RunFailed);
    for (const row of detail.steps.filter((s) => s.itemKey === null && s.status === 'succeeded')) {
      const ready = indexOf(events, EventType.StepReady, row.stepId);
      const succeeded = indexOf(events, EventType.StepSucceeded, row.stepId);
      assert.ok(ready < succeeded, `${row.stepId}: ready after succeeded`);
      if (row.kind !== 'gate') assert.ok(indexOf(events, EventType.StepStarted, row.stepId) > ready, `${row.stepId}: started before ready`);
    }
    for (let i = 1; i < 5; i++) {
      assert.ok(indexOf(events, EventType.StepSucceeded, `a${i}`) < indexOf(events, EventType.StepStarted, `a${i + 1}`));
    }
    assert.ok(indexOf(events, EventType.StepFailed, 'b2') < indexOf(events, EventType.StepSkipped, 'b3'));
    assert.ok(indexOf(events, EventType.StepSucceeded, 'a5') < indexOf(events, EventType.GateRequested, 'approve'));
    assert.ok(indexOf(events, EventType.StepSucceeded, 'fan') < indexOf(events, EventType.GateRequested, 'approve'));
    const runWaiting = events.findIndex((e) => e.type === EventType.RunWaiting);
    assert.ok(runWaiting > indexOf(events, EventType.GateRequested, 'approve'), 'run never showed waiting for the gate');
    assert.ok(indexOf(events, EventType.GateDecided, 'approve') > runWaiting);
    assert.ok(indexOf(events, EventType.StepStarted, 'child') > indexOf(events, EventType.GateDecided, 'approve'));
    const allEvents = h.engine.listEvents(0, { limit: 100_000 });
    const childSucceeded = allEvents.find((e) => e.runId === childRun.run.id && e.type === EventType.RunSucceeded)!;
    const parentChildSucceeded = events[indexOf(events, EventType.StepSucceeded, 'child')]!;
    assert.ok(childSucceeded.id < parentChildSucceeded.id);

    // The foreach never ran more than 3 items at once, and did run 3 at once.
    let open = 0;
    let peak = 0;
    for (const e of events.filter((x) => x.stepId === 'fan' && x.itemKey !== null)) {
      if (e.type === EventType.StepStarted) peak = Math.max(peak, ++open);
      if (e.type === EventType.StepSucceeded || e.type === EventType.StepFailed) open--;
    }
    assert.equal(peak, 3);

    // Run folder.
    await h.opened.files.flush();
    const runDir = h.opened.files.runDir(run.id);
    assert.ok(existsSync(join(runDir, 'definition.json')));
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'inputs.json'), 'utf8')), { items: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    assert.equal(JSON.parse(readFileSync(join(runDir, 'steps', 'fan', '7', 'output.json'), 'utf8')).sq, '49');
    assert.match(readFileSync(h.engine.stepLogPath(run.id, 'c1'), 'utf8'), /c1 on stdout/);
    assert.equal(JSON.parse(readFileSync(join(runDir, 'steps', 'a3', 'input.json'), 'utf8')).resolved.run, out('v=a3'));
  });
});
