/**
 * Archived runs in the database (migration 5, runs.archived_at): the migration from a v4 file,
 * archive/unarchive with their events, the refusal of an unfinished run, reopening unarchives.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { RunNotFinishedError, RunNotFoundError } from '../../../src/core/errors';
import { EventType } from '../../../src/core/model';
import { SCHEMA_VERSION, openStore } from '../../../src/store';
import { MIGRATIONS } from '../../../src/store/migrations';
import { createEngineHarness, drain, gateStep, runStep, template, tempDir, type EngineHarness } from '../../support/engine-fixtures';

describe('store: archived runs', () => {
  it('migrates a v4 database file: every run is kept and reads as not archived', () => {
    const temp = tempDir('baton-archive-migration-');
    try {
      const dbPath = join(temp.dir, 'baton.db');
      const raw = new DatabaseSync(dbPath);
      for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) raw.exec(migration.sql);
      raw.exec('PRAGMA user_version = 4');
      const statuses = ['succeeded', 'failed', 'cancelled', 'running', 'waiting'];
      statuses.forEach((status, i) => {
        raw.exec(`INSERT INTO runs (id, template_id, template_name, status, trigger_kind, created_at, updated_at)
          VALUES ('run-${i}', 't', 'T', '${status}', 'manual', ${i + 1}, ${i + 1})`);
        raw.exec(`INSERT INTO run_snapshots (run_id, definition, inputs) VALUES ('run-${i}', '{"id":"t"}', '{}')`);
      });
      raw.close();

      const opened = openStore(dbPath);
      try {
        assert.ok(SCHEMA_VERSION >= 5);
        assert.equal((opened.store.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
        const runs = opened.store.listRuns({ limit: 100 });
        assert.deepEqual(runs.map((r) => [r.id, r.status, r.archivedAt]).sort(), statuses.map((s, i) => [`run-${i}`, s, null]));
        assert.equal(opened.store.listRuns({ archived: false }).length, statuses.length);
        assert.equal(opened.store.listRuns({ archived: true }).length, 0);
      } finally {
        opened.close();
      }
    } finally {
      temp.cleanup();
    }
  });

  describe('archive and unarchive', () => {
    let h: EngineHarness;
    beforeEach(() => {
      h = createEngineHarness();
    });
    afterEach(() => h.close());

    async function finishedRun(script = 'ok'): Promise<string> {
      const run = h.engine.startRun(template('t', [runStep('a', script)]));
      await drain(h.engine);
      return run.id;
    }

    it('round trip: archived_at set and cleared, one event per change in the same commit, seen by another connection', async () => {
      const first = await finishedRun();
      const second = await finishedRun('fatal boom');
      assert.equal(h.engine.getRun(second).run.status, 'failed');
      const before = h.engine.maxEventId();

      const changed = h.opened.store.archiveRuns([first, second, first], { at: 1234, by: 'alice' });
      assert.deepEqual(changed, [first, second]);
      const events = h.engine.listEvents(before);
      assert.deepEqual(events.map((e) => [e.runId, e.type, e.payload]), [
        [first, EventType.RunArchived, { archivedAt: 1234, by: 'alice' }],
        [second, EventType.RunArchived, { archivedAt: 1234, by: 'alice' }],
      ]);

      // Another process (window, CLI) reads it from the file.
      const other = openStore(h.dbPath);
      try {
        assert.equal(other.store.getRun(first)?.archivedAt, 1234);
        assert.deepEqual(other.store.listRuns({ archived: true }).map((r) => r.id).sort(), [first, second].sort());
        assert.deepEqual(other.store.listRuns({ archived: false }).map((r) => r.id), []);
        // Archiving again changes nothing and appends nothing.
        const max = other.store.maxEventId();
        assert.deepEqual(other.store.archiveRuns([first], { at: 9999, by: 'bob' }), []);
        assert.equal(other.store.maxEventId(), max);
        assert.equal(other.store.getRun(first)?.archivedAt, 1234);

        assert.deepEqual(other.store.unarchiveRuns([first], { at: 2000, by: 'bob' }), [first]);
        assert.deepEqual(other.store.unarchiveRuns([first], { at: 2001, by: 'bob' }), [], 'unarchiving a run that is not archived is no change');
      } finally {
        other.close();
      }
      assert.equal(h.opened.store.getRun(first)?.archivedAt, null);
      assert.equal(h.opened.store.getRun(second)?.archivedAt, 1234);
      const last = h.engine.listEvents(before).at(-1);
      assert.deepEqual([last?.runId, last?.type, last?.payload, last?.at], [first, EventType.RunUnarchived, { by: 'bob' }, 2000]);
    });

    it('refuses to archive a run that is not finished, and then changes none of the set', async () => {
      const finished = await finishedRun();
      const waiting = h.engine.startRun(template('g', [gateStep('approve')]));
      await drain(h.engine);
      assert.equal(h.engine.getRun(waiting.id).run.status, 'waiting');
      const before = h.engine.maxEventId();
      assert.throws(
        () => h.engine.archiveRuns([finished, waiting.id], { by: 'alice' }),
        (error: unknown) => error instanceof RunNotFinishedError && error.code === 'run_not_finished' && error.runId === waiting.id && error.status === 'waiting',
      );
      assert.equal(h.opened.store.getRun(finished)?.archivedAt, null, 'the finished run of the refused set is not archived');
      assert.equal(h.engine.maxEventId(), before, 'no event');
      assert.throws(() => h.opened.store.archiveRuns(['no-such-run'], { at: 1, by: null }), RunNotFoundError);
    });

    it('reopening an archived run (retry) unarchives it: only finished runs are archived', async () => {
      const failed = await finishedRun('fatal boom');
      let heard = 0;
      const unsubscribe = h.engine.onChange(() => heard++);
      assert.deepEqual(h.engine.archiveRuns([failed], { by: 'alice' }), [failed]);
      unsubscribe();
      assert.equal(heard, 1, 'in-process listeners hear of the archive');
      assert.notEqual(h.engine.getRun(failed).run.archivedAt, null);
      h.engine.retryRun(failed, { by: 'alice' });
      const reopened = h.engine.getRun(failed).run;
      assert.equal(reopened.status, 'running');
      assert.equal(reopened.archivedAt, null);
    });
  });
});
