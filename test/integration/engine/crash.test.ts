import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventType } from '../../../src/core/model';
import {
  assertRunCountersConsistent,
  createEngineHarness,
  runStep,
  runTs,
  spawnTs,
  template,
  type EngineHarness,
} from '../../support/engine-fixtures';

const WORKER = join(import.meta.dirname, 'fixtures', 'worker.ts');
const ROUNDS = 20;
const LEASE_MS = '300';

/** 30 steps: three interleaved chains of ten, so several steps run at once. */
const crashTemplate = template(
  'crash',
  Array.from({ length: 30 }, (_, i) => runStep(`s${i}`, `sleep ${10 + (i % 4) * 5}`, { needs: i >= 3 ? [`s${i - 3}`] : [] })),
);

describe('crash safety: SIGKILL a worker at random moments, then finish with a fresh worker', function () {
  this.timeout(120_000);
  let h: EngineHarness;
  before(() => {
    h = createEngineHarness();
  });
  after(() => h.close());

  it('every run succeeds, every finished step had its side effect exactly once, nothing finished ran again, the db is intact', async () => {
    const effects = join(h.dir, 'effects.log');
    const runIds = [h.engine.startRun(crashTemplate).id];
    let killedWhileRunning = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (runIds.every((id) => h.engine.getRun(id).run.status === 'succeeded')) runIds.push(h.engine.startRun(crashTemplate).id);
      const child = spawnTs(WORKER, [h.dbPath, effects, `crash-${round}`, LEASE_MS, 'forever']);
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once('data', () => resolve());
        child.once('error', reject);
        child.once('close', (code) => reject(new Error(`worker exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      if (h.engine.listRuns({ status: 'running' }).length > 0) killedWhileRunning++;
      child.kill('SIGKILL');
      await exited;
    }
    assert.ok(killedWhileRunning >= ROUNDS / 2, `only ${killedWhileRunning} kills hit running work`);

    const final = await runTs(WORKER, [h.dbPath, effects, 'final', LEASE_MS, 'finished']);
    assert.equal(final.code, 0, final.stderr);

    const lines = existsSync(effects) ? readFileSync(effects, 'utf8').trim().split('\n').filter(Boolean) : [];
    const effectCount = new Map<string, number>();
    for (const line of lines) {
      const [runId, stepId, attempt] = line.split(' ');
      const key = `${runId} ${stepId} ${attempt}`;
      effectCount.set(key, (effectCount.get(key) ?? 0) + 1);
    }
    let abandoned = 0;
    for (const runId of runIds) {
      const detail = h.engine.getRun(runId);
      assert.equal(detail.run.status, 'succeeded', `run ${runId} ended ${detail.run.status}`);
      assertRunCountersConsistent(h.engine, runId);
      assert.equal(detail.steps.length, 30);
      const events = h.engine.listEvents(0, { runId, limit: 100_000 });
      for (const row of detail.steps) {
        assert.equal(row.status, 'succeeded');
        const attempts = h.engine.listAttempts(runId, row.stepId);
        const winners = attempts.filter((a) => a.status === 'succeeded');
        assert.equal(winners.length, 1, `${row.stepId} finished ${winners.length} times`);
        const winner = winners[0]!;
        assert.equal(winner.number, row.attempts, `${row.stepId}: an attempt started after the step finished`);
        assert.equal(effectCount.get(`${runId} ${row.stepId} ${winner.number}`), 1, `${row.stepId}: finishing attempt's side effect count`);
        for (const attempt of attempts.filter((a) => a.status !== 'succeeded')) {
          assert.equal(attempt.status, 'abandoned', `${row.stepId} attempt ${attempt.number} is ${attempt.status}`);
          assert.ok((effectCount.get(`${runId} ${row.stepId} ${attempt.number}`) ?? 0) <= 1);
          abandoned++;
        }
        assert.deepEqual(row.outputs, { attempt: winner.number });
        // No step.started for this step after it succeeded.
        const succeededAt = events.findIndex((e) => e.type === EventType.StepSucceeded && e.stepId === row.stepId);
        assert.equal(events.filter((e, i) => i > succeededAt && e.type === EventType.StepStarted && e.stepId === row.stepId).length, 0);
        assert.equal(events.filter((e) => e.type === EventType.StepSucceeded && e.stepId === row.stepId).length, 1);
      }
    }
    assert.ok(abandoned > 0, 'no kill ever interrupted a running step: the test proved nothing');
    const integrity = h.opened.store.db.prepare('PRAGMA integrity_check').get() as { integrity_check: string };
    assert.equal(integrity.integrity_check, 'ok');
  });
});
