import assert from 'node:assert/strict';
import { Worker } from '../../../src/core/engine';
import type { TemplateResolver } from '../../../src/core/ports';
import { createMemoryEngine, runStep, template, workflowStep, type MemoryEngine } from '../../support/engine-fixtures';

describe('engine: a worker scoped to one run tree', () => {
  let h: MemoryEngine;
  const child = template('child', [runStep('inner', 'ok'), runStep('inner2', 'ok', { needs: ['inner'] })]);
  const templates: TemplateResolver = { resolve: async (id) => (id === 'child' ? child : Promise.reject(new Error(`no template ${id}`))) };
  beforeEach(() => {
    h = createMemoryEngine({ templates });
  });
  afterEach(() => h.close());

  it('runs its run and child runs to the end without ever starting a step of another run', async () => {
    // Run A is older, so its ready step comes first in the claim order of an unscoped worker.
    const runA = h.engine.startRun(template('other', [runStep('slow', 'sleep 50')]));
    const runB = h.engine.startRun(
      template('followed', [runStep('pre', 'ok'), workflowStep('sub', 'child', { needs: ['pre'] }), runStep('post', 'ok', { needs: ['sub'] })]),
    );
    const worker = new Worker(h.engine, { owner: 'follower-b', pollMs: 5, runIds: () => h.engine.runTreeIds(runB.id) });
    const finished = () => ['succeeded', 'failed', 'cancelled'].includes(h.engine.getRun(runB.id).run.status);
    await worker.run({ until: finished });

    assert.equal(h.engine.getRun(runB.id).run.status, 'succeeded');
    const sub = h.engine.getRun(runB.id).steps.find((s) => s.stepId === 'sub')!;
    assert.ok(sub.childRunId, 'the workflow step started a child run');
    assert.equal(h.engine.getRun(sub.childRunId).run.status, 'succeeded');
    assert.deepEqual(h.engine.runTreeIds(runB.id), [runB.id, sub.childRunId]);
    assert.deepEqual(
      h.executor.executed.map((e) => `${e.runId === runB.id ? 'B' : e.runId === sub.childRunId ? 'child' : 'A'}:${e.stepId}`),
      ['B:pre', 'child:inner', 'child:inner2', 'B:post'],
    );
    const slow = h.engine.getRun(runA.id).steps.find((s) => s.stepId === 'slow')!;
    assert.equal(slow.status, 'ready', "run A's step was left for another worker");
    assert.deepEqual(h.engine.listAttempts(runA.id, 'slow'), []);
    assert.ok(!h.engine.listEvents(0, { runId: runA.id }).some((e) => e.type === 'step.started'));
  });

  it('claims nothing outside the given runs, and an unscoped claim still takes any run', () => {
    const runA = h.engine.startRun(template('other', [runStep('a', 'ok')]));
    const runB = h.engine.startRun(template('followed', [runStep('b', 'ok')]));
    assert.equal(h.engine.claimNext('scoped', [], []), undefined);
    const scoped = h.engine.claimNext('scoped', [], [runB.id]);
    assert.equal(scoped?.row.runId, runB.id);
    assert.equal(h.engine.claimNext('scoped', [], [runB.id]), undefined);
    assert.equal(h.engine.claimNext('scoped', ['other'], [runA.id]), undefined, 'template exclusion still applies');
    assert.equal(h.engine.claimNext('global')?.row.runId, runA.id);
  });
});
