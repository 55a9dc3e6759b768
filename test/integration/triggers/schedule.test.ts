import assert from 'node:assert/strict';
import type { ScheduleTrigger } from '../../../src/core/template/types';
import { MAX_CATCHUP_RUNS, ScheduleTriggers, type ScheduleTriggerPayload } from '../../../src/triggers';
import { FakeClock, runStep, template } from '../../support/engine-fixtures';
import { createTriggerEnv, type TriggerEnv } from './harness';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1); // FakeClock's start: 2026-01-01T00:00Z

function scheduled(id: string, schedule: Partial<ScheduleTrigger> = {}) {
  return template(id, [runStep('go', 'ok')], {
    on: { manual: true, file: [], event: [], schedule: [{ cron: '*/5 * * * *', timezone: 'UTC', catchup: 'latest', overlap: 'skip', ...schedule }] },
  });
}

function scheduledTicks(env: TriggerEnv): string[] {
  return env.engine
    .listRuns({ limit: 10_000 })
    .map((run) => (run.trigger.payload as ScheduleTriggerPayload).scheduledAt)
    .sort();
}

describe('schedule trigger (real database, fake clock)', () => {
  let clock: FakeClock;
  const envs: TriggerEnv[] = [];
  const open = (templates: ReturnType<typeof scheduled>[], dir?: string) => {
    const env = createTriggerEnv({ templates, clock, ...(dir ? { dir } : {}) });
    envs.push(env);
    return env;
  };
  beforeEach(() => {
    clock = new FakeClock(T0);
  });
  afterEach(() => {
    for (const env of envs.splice(0).reverse()) env.close();
  });

  it('fires on the tick, once, with the tick in the payload, and shows the next run time', () => {
    const env = open([scheduled('nightly')]);
    const schedules = new ScheduleTriggers(env.ports);
    schedules.sync();
    assert.equal(schedules.nextRunAt('nightly'), T0 + 5 * MINUTE);
    clock.advance(5 * MINUTE - 1);
    assert.deepEqual(schedules.fireDue(), []);
    assert.equal(env.runCount(), 0);
    clock.advance(1);
    const [firing] = schedules.fireDue();
    assert.equal(firing?.runIds.length, 1);
    const run = env.engine.getRun(firing!.runIds[0]!).run;
    assert.equal(run.trigger.kind, 'schedule');
    assert.deepEqual(run.trigger.payload, {
      scheduleId: 'nightly#0',
      cron: '*/5 * * * *',
      timezone: 'UTC',
      scheduledAt: '2026-01-01T00:05:00.000Z',
      scheduledAtMs: T0 + 5 * MINUTE,
      catchup: false,
    });
    assert.deepEqual(schedules.fireDue(), []);
    assert.equal(env.runCount(), 1);
    assert.equal(schedules.nextRunAt('nightly'), T0 + 10 * MINUTE);
  });

  it('computes ticks in the schedule timezone', () => {
    const env = open([scheduled('berlin', { cron: '0 9 * * *', timezone: 'Europe/Berlin' })]);
    const schedules = new ScheduleTriggers(env.ports);
    schedules.sync();
    // 09:00 in Berlin in January is 08:00 UTC.
    assert.equal(schedules.nextRunAt('berlin'), Date.UTC(2026, 0, 1, 8));
  });

  for (const [catchup, expected] of [
    ['none', []],
    ['latest', ['2026-01-01T00:35:00.000Z']],
    ['all', ['00:10', '00:15', '00:20', '00:25', '00:30', '00:35'].map((t) => `2026-01-01T${t}:00.000Z`)],
  ] as const) {
    it(`catch-up ${catchup}: ticks missed while no host ran`, () => {
      const env = open([scheduled('report', { catchup, overlap: 'allow' })]);
      const before = new ScheduleTriggers(env.ports);
      before.sync();
      clock.advance(5 * MINUTE);
      assert.equal(before.fireDue()[0]?.runIds.length, 1);
      // The window closes at 00:06 and a new one opens at 00:37: ticks 00:10 … 00:35 were missed.
      clock.advance(32 * MINUTE);
      const after = new ScheduleTriggers(env.ports);
      after.sync();
      after.fireDue();
      assert.deepEqual(scheduledTicks(env), ['2026-01-01T00:05:00.000Z', ...expected]);
      const caughtUp = env.engine.listRuns({ limit: 100 }).filter((r) => (r.trigger.payload as ScheduleTriggerPayload).catchup);
      assert.equal(caughtUp.length, expected.length);
      // Nothing is due any more until 00:40.
      assert.deepEqual(after.fireDue(), []);
      assert.equal(after.nextRunAt('report'), T0 + 40 * MINUTE);
    });
  }

  it(`catch-up all starts at most ${MAX_CATCHUP_RUNS} runs after a long gap`, () => {
    const env = open([scheduled('minutely', { cron: '* * * * *', catchup: 'all', overlap: 'allow' })]);
    const schedules = new ScheduleTriggers(env.ports);
    schedules.sync();
    clock.advance(3 * 60 * MINUTE);
    const later = new ScheduleTriggers(env.ports);
    later.sync();
    later.fireDue();
    const ticks = scheduledTicks(env);
    assert.equal(ticks.length, MAX_CATCHUP_RUNS);
    // The newest ones: the last is 03:00.
    assert.equal(ticks.at(-1), '2026-01-01T03:00:00.000Z');
    assert.equal(ticks[0], '2026-01-01T01:21:00.000Z');
  });

  it('overlap skip: a tick is dropped while the previous scheduled run is active', () => {
    const env = open([scheduled('sync')]);
    const schedules = new ScheduleTriggers(env.ports);
    schedules.sync();
    clock.advance(5 * MINUTE);
    const first = schedules.fireDue()[0]!.runIds[0]!;
    clock.advance(5 * MINUTE);
    assert.deepEqual(schedules.fireDue().map((f) => [f.runIds.length, f.skipped]), [[0, 1]]);
    assert.equal(env.runCount(), 1);
    env.engine.cancelRun(first);
    clock.advance(5 * MINUTE);
    schedules.fireDue();
    assert.deepEqual(scheduledTicks(env), ['2026-01-01T00:05:00.000Z', '2026-01-01T00:15:00.000Z']);
  });

  it('overlap allow starts a run on every tick; queue waits for the active run to end', () => {
    const allowEnv = open([scheduled('allow', { overlap: 'allow' })]);
    const allow = new ScheduleTriggers(allowEnv.ports);
    allow.sync();
    clock.advance(5 * MINUTE);
    allow.fireDue();
    clock.advance(5 * MINUTE);
    allow.fireDue();
    assert.equal(allowEnv.runCount(), 2);

    const queueEnv = open([scheduled('queue', { overlap: 'queue' })]);
    const queue = new ScheduleTriggers(queueEnv.ports);
    queue.sync(); // now 00:10: first tick 00:15
    clock.advance(5 * MINUTE);
    const first = queue.fireDue()[0]!.runIds[0]!;
    clock.advance(5 * MINUTE);
    assert.deepEqual(queue.fireDue(), []);
    assert.equal(queueEnv.runCount(), 1);
    queueEnv.engine.cancelRun(first);
    clock.advance(MINUTE);
    queue.fireDue();
    assert.deepEqual(scheduledTicks(queueEnv), ['2026-01-01T00:15:00.000Z', '2026-01-01T00:20:00.000Z']);
  });

  it('two hosts on one database fire each tick exactly once', () => {
    const a = open([scheduled('shared', { catchup: 'all', overlap: 'allow' })]);
    const b = open([scheduled('shared', { catchup: 'all', overlap: 'allow' })], a.dir);
    const hostA = new ScheduleTriggers(a.ports);
    const hostB = new ScheduleTriggers(b.ports);
    hostA.sync();
    hostB.sync();
    for (let i = 0; i < 4; i++) {
      clock.advance(5 * MINUTE);
      // Alternate who looks first.
      const [first, second] = i % 2 === 0 ? [hostA, hostB] : [hostB, hostA];
      first.fireDue();
      second.fireDue();
    }
    clock.advance(20 * MINUTE);
    hostB.fireDue();
    hostA.fireDue();
    assert.deepEqual(
      scheduledTicks(a),
      ['00:05', '00:10', '00:15', '00:20', '00:25', '00:30', '00:35', '00:40'].map((t) => `2026-01-01T${t}:00.000Z`),
    );
  });

  it('an untrusted workspace leaves ticks unclaimed; trust fires them', () => {
    const env = open([scheduled('guarded')]);
    const schedules = new ScheduleTriggers(env.ports);
    schedules.sync();
    env.trust.verdict = { trusted: false, reason: 'Restricted Mode' };
    clock.advance(5 * MINUTE);
    assert.deepEqual(schedules.fireDue(), []);
    assert.equal(env.runCount(), 0);
    assert.ok(env.logged.some((l) => l.message.includes('Restricted Mode')));
    env.trust.verdict = { trusted: true };
    schedules.fireDue();
    assert.equal(env.runCount(), 1);
  });

  it('a changed cron starts counting afresh; a removed schedule stops', () => {
    const env = open([scheduled('changing')]);
    const schedules = new ScheduleTriggers(env.ports);
    schedules.sync();
    env.templates.set([scheduled('changing', { cron: '0 * * * *' })]);
    schedules.sync();
    assert.equal(schedules.nextRunAt('changing'), T0 + 60 * MINUTE);
    env.templates.set([]);
    schedules.sync();
    assert.equal(schedules.nextRunAt('changing'), undefined);
    clock.advance(120 * MINUTE);
    assert.deepEqual(schedules.fireDue(), []);
    assert.deepEqual(env.opened.store.listSchedules().map((r) => r.enabled), [false]);
    // Back again: counts from now (02:00), no catch-up of the hours it was gone.
    env.templates.set([scheduled('changing', { cron: '0 * * * *' })]);
    schedules.sync();
    assert.deepEqual(schedules.fireDue(), []);
    assert.equal(schedules.nextRunAt('changing'), T0 + 180 * MINUTE);
    assert.equal(env.runCount(), 0);
  });

  it('a host that does not know a template leaves its schedule to the hosts that do', () => {
    const knowing = open([scheduled('shared')]);
    const ignorant = open([], knowing.dir);
    const a = new ScheduleTriggers(knowing.ports);
    const b = new ScheduleTriggers(ignorant.ports);
    a.sync();
    b.sync(); // disables the row
    clock.advance(5 * MINUTE);
    b.fireDue();
    a.fireDue(); // finds its schedule disabled and re-enables it, counting from now (00:05)
    assert.equal(knowing.runCount(), 0);
    clock.advance(5 * MINUTE);
    b.fireDue();
    a.fireDue();
    assert.equal(knowing.runCount(), 1);
    assert.equal(scheduledTicks(knowing)[0], '2026-01-01T00:10:00.000Z');
  });

  it('a schedule with a bad timezone is ignored with an error; the others still fire', () => {
    const env = open([scheduled('mars', { timezone: 'Mars/Olympus_Mons' }), scheduled('earth')]);
    const schedules = new ScheduleTriggers(env.ports);
    schedules.sync();
    assert.ok(env.logged.some((l) => l.level === 'error' && l.message.includes('mars#0') && l.message.includes('Mars/Olympus_Mons')));
    clock.advance(5 * MINUTE);
    schedules.fireDue();
    assert.deepEqual(env.engine.listRuns().map((r) => r.templateId), ['earth']);
  });
});
