import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Cron } from 'croner';
import { loadTemplateFile, type AgentStep } from '../src/core/template';

describe('built-in template nightly-dependency-check', () => {
  const load = () => loadTemplateFile(join(import.meta.dirname, 'nightly-dependency-check.yml'), { source: 'builtin' });

  it('runs on weekday nights at 03:00 UTC, one run at a time, and by hand', async () => {
    const { definition } = await load();
    assert.equal(definition.on.manual, true);
    assert.equal(definition.on.schedule.length, 1);
    const schedule = definition.on.schedule[0]!;
    assert.deepEqual({ catchup: schedule.catchup, overlap: schedule.overlap }, { catchup: 'latest', overlap: 'skip' });
    const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
    // Friday 2026-11-20 12:00 UTC: the next runs are Monday and Tuesday 03:00, not the weekend.
    const next = cron.nextRuns(2, new Date('2026-11-20T12:00:00Z')).map((d) => d.toISOString());
    assert.deepEqual(next, ['2026-11-23T03:00:00.000Z', '2026-11-24T03:00:00.000Z']);
    assert.deepEqual(definition.concurrency, { group: 'dependency-check', limit: 1 });
  });

  it('scans in parallel, then one read-only agent triages both reports', async () => {
    const { definition } = await load();
    assert.deepEqual(
      definition.steps.map((s) => `${s.phase}/${s.id}<-${s.needs.join(',')}`),
      ['scan/outdated<-', 'scan/audit<-', 'triage/triage<-outdated,audit'],
    );
    const triage = definition.steps[2] as AgentStep;
    assert.equal(triage.permission, 'read-only');
    assert.match(triage.prompt, /steps\.outdated\.outputs\.report/);
    assert.match(triage.prompt, /steps\.audit\.outputs\.report/);
    assert.equal(triage.retry?.max, 3);
    assert.equal(definition.steps[0]!.timeoutMs, 600_000);
  });
});
