import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ScheduleTriggerPayload } from '../../../src/triggers';
import { runTs, tempDir } from '../../support/engine-fixtures';
import { createTriggerEnv } from './harness';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'fire-schedules.ts');

describe('schedule claims across processes', function () {
  this.timeout(30_000);

  it('two processes polling the same ticks at the same moment start each tick exactly once', async () => {
    const temp = tempDir('baton-sched-race-');
    const t0 = Date.UTC(2026, 0, 1);
    const ticks = 15;
    try {
      // Each process registers the schedule at T0 (the second finds the row the first wrote).
      const startAt = Date.now() + 2500;
      const [a, b] = await Promise.all([
        runTs(FIXTURE, [temp.dir, String(t0), String(ticks), String(startAt)]),
        runTs(FIXTURE, [temp.dir, String(t0), String(ticks), String(startAt)]),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const startedA = JSON.parse(a.stdout) as string[];
      const startedB = JSON.parse(b.stdout) as string[];
      const env = createTriggerEnv({ dir: temp.dir });
      try {
        const runs = env.engine.listRuns({ limit: 1000 });
        const scheduledAt = runs.map((r) => (r.trigger.payload as ScheduleTriggerPayload).scheduledAtMs).sort((x, y) => x - y);
        assert.deepEqual(scheduledAt, Array.from({ length: ticks }, (_, i) => t0 + (i + 1) * 60_000));
        assert.deepEqual([...startedA, ...startedB].sort(), runs.map((r) => r.id).sort());
      } finally {
        env.opened.close();
      }
    } finally {
      temp.cleanup();
    }
  });
});
