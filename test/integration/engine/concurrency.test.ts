import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertRunCountersConsistent, runStep, spawnTs, template, createEngineHarness, type EngineHarness } from '../../support/engine-fixtures';

const WORKER = join(import.meta.dirname, 'fixtures', 'worker.ts');

describe('concurrency: four worker processes share one database', function () {
  this.timeout(90_000);
  let h: EngineHarness;
  before(() => {
    h = createEngineHarness();
  });
  after(() => h.close());

  /** Starts the four workers behind a start barrier, releases them and waits for them to exit. */
  async function runWorkers(effects: string, goFile: string, mode: 'idle' | 'finished') {
    const workers = ['w1', 'w2', 'w3', 'w4'].map((owner) => {
      const child = spawnTs(WORKER, [h.dbPath, effects, owner, '30000', mode, goFile]);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        child.on('close', (code) => resolve({ code, stdout, stderr })),
      );
      const isReady = new Promise<void>((resolve) => {
        const check = () => (stdout.includes('ready') ? resolve() : setTimeout(check, 10));
        check();
      });
      return { exit, isReady };
    });
    await Promise.all(workers.map((w) => w.isReady));
    writeFileSync(goFile, 'go');
    return Promise.all(workers.map((w) => w.exit));
  }

  it('chains: recording a step and claiming the next in one commit never runs a step twice or early', async () => {
    // Eight runs of 25 chained steps: each worker's slot claims its next step in the commit that
    // records its last one, racing three other processes for the same ready steps.
    const chain = template('chain', Array.from({ length: 25 }, (_, i) => runStep(`c${i}`, 'sleep 1', { needs: i ? [`c${i - 1}`] : [] })));
    const runIds = Array.from({ length: 8 }, () => h.engine.startRun(chain).id);
    const effects = join(h.dir, 'chain-effects.log');
    const results = await runWorkers(effects, join(h.dir, 'go-chain'), 'finished');
    for (const result of results) assert.equal(result.code, 0, result.stderr);

    const lines = readFileSync(effects, 'utf8').trim().split('\n').map((l) => l.split(' '));
    assert.equal(lines.length, 200, 'some step ran twice or never');
    assert.equal(new Set(lines.map(([run, step]) => `${run} ${step}`)).size, 200);
    assert.ok(lines.every(([, , attempt]) => attempt === '1'), 'a step needed a second attempt');
    assert.ok(new Set(lines.map(([, , , owner]) => owner)).size >= 2, 'one worker did all the work');
    for (const runId of runIds) {
      // Side effects of a run appear in chain order: no step ran before the step it needs.
      const order = lines.filter(([run]) => run === runId).map(([, step]) => step);
      assert.deepEqual(order, Array.from({ length: 25 }, (_, i) => `c${i}`));
      const detail = h.engine.getRun(runId);
      assert.equal(detail.run.status, 'succeeded');
      for (const row of detail.steps) {
        assert.deepEqual(h.engine.listAttempts(runId, row.stepId).map((a) => [a.number, a.status]), [[1, 'succeeded']]);
      }
      assertRunCountersConsistent(h.engine, runId);
    }
  });

  it('drain 200 ready steps with every step attempt run exactly once', async () => {
    // Two runs of 100 independent steps each: 200 ready steps before any worker starts.
    const wide = template('wide', Array.from({ length: 100 }, (_, i) => runStep(`w${i}`, 'sleep 5')));
    const runIds = [h.engine.startRun(wide).id, h.engine.startRun(wide).id];
    const ready = runIds.flatMap((id) => h.engine.getRun(id).steps).filter((s) => s.status === 'ready');
    assert.equal(ready.length, 200);

    const effects = join(h.dir, 'effects.log');
    const results = await runWorkers(effects, join(h.dir, 'go'), 'idle');
    for (const result of results) assert.equal(result.code, 0, result.stderr);

    const lines = readFileSync(effects, 'utf8').trim().split('\n');
    assert.equal(lines.length, 200, 'some step ran twice or never');
    const keys = new Set(lines.map((l) => l.split(' ').slice(0, 3).join(' ')));
    assert.equal(keys.size, 200);
    assert.ok(lines.every((l) => l.split(' ')[2] === '1'), 'a step needed a second attempt');
    const owners = new Set(lines.map((l) => l.split(' ')[3]));
    assert.ok(owners.size >= 2, `only ${[...owners].join(',')} did any work`);

    for (const runId of runIds) {
      const detail = h.engine.getRun(runId);
      assert.equal(detail.run.status, 'succeeded');
      for (const row of detail.steps) {
        const attempts = h.engine.listAttempts(runId, row.stepId);
        assert.deepEqual(attempts.map((a) => [a.number, a.status]), [[1, 'succeeded']]);
      }
    }
    const started = results.reduce((sum, r) => sum + (JSON.parse(r.stdout.split('\n').filter(Boolean).at(-1)!) as { started: number }).started, 0);
    assert.equal(started, 200);
  });
});
