import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DatabaseCorruptError, DatabaseTooNewError } from '../../../src/core/errors';
import { EventType } from '../../../src/core/model';
import { SCHEMA_VERSION, openDatabase, openStore } from '../../../src/store';
import { MIGRATIONS } from '../../../src/store/migrations';
import { tempDir } from '../../support/engine-fixtures';

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('store: opening the database', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('baton-store-');
  });
  afterEach(() => temp.cleanup());

  it('creates .baton/ with a .gitignore for the database and run folders, and sets the pragmas', () => {
    const dbPath = join(temp.dir, '.baton', 'baton.db');
    const db = openDatabase(dbPath);
    try {
      assert.equal(readFileSync(join(temp.dir, '.baton', '.gitignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).join(','), 'baton.db*,runs/');
      const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() as object)[0];
      assert.equal(pragma('journal_mode'), 'wal');
      assert.equal(pragma('foreign_keys'), 1);
      assert.equal(pragma('synchronous'), 1); // NORMAL
      assert.equal(pragma('busy_timeout'), 5000);
      assert.equal(pragma('user_version'), SCHEMA_VERSION);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
      for (const table of ['runs', 'run_snapshots', 'steps', 'attempts', 'events', 'gates', 'comments', 'artifacts', 'schedules', 'webhook_deliveries']) {
        assert.ok(tables.includes(table), `missing table ${table}`);
      }
    } finally {
      db.close();
    }
  });

  it('keeps an existing .gitignore and reopens an up-to-date database without changes', () => {
    mkdirSync(join(temp.dir, '.baton'));
    writeFileSync(join(temp.dir, '.baton', '.gitignore'), 'mine\n');
    const dbPath = join(temp.dir, '.baton', 'baton.db');
    openDatabase(dbPath).close();
    openDatabase(dbPath).close();
    assert.equal(readFileSync(join(temp.dir, '.baton', '.gitignore'), 'utf8'), 'mine\n');
  });

  it('refuses a file that is not SQLite without modifying it', () => {
    const dbPath = join(temp.dir, 'baton.db');
    writeFileSync(dbPath, 'this is not a database, just some text that is long enough\n'.repeat(20));
    const before = sha(dbPath);
    assert.throws(() => openDatabase(dbPath), (error: unknown) => error instanceof DatabaseCorruptError && error.path === dbPath);
    assert.equal(sha(dbPath), before);
    assert.equal(existsSync(`${dbPath}-wal`), false);
  });

  it('refuses a SQLite file whose pages are garbage without modifying it', () => {
    const dbPath = join(temp.dir, 'baton.db');
    openDatabase(dbPath).close();
    const bytes = readFileSync(dbPath);
    // Keep the header, destroy the schema page.
    for (let i = 100; i < Math.min(bytes.length, 4096); i++) bytes[i] = 0xa5;
    writeFileSync(dbPath, bytes);
    const before = sha(dbPath);
    assert.throws(() => openDatabase(dbPath), DatabaseCorruptError);
    assert.equal(sha(dbPath), before);
  });

  it('refuses a database written by a newer Baton without modifying it', () => {
    const dbPath = join(temp.dir, 'baton.db');
    const raw = new DatabaseSync(dbPath);
    raw.exec(`CREATE TABLE future (x); PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = sha(dbPath);
    assert.throws(
      () => openDatabase(dbPath),
      (error: unknown) => error instanceof DatabaseTooNewError && error.found === SCHEMA_VERSION + 1 && error.supported === SCHEMA_VERSION,
    );
    assert.equal(sha(dbPath), before);
  });

  it('migrates an older database in place, keeping its rows', () => {
    const dbPath = join(temp.dir, 'baton.db');
    const raw = new DatabaseSync(dbPath);
    raw.exec(MIGRATIONS[0]!.sql);
    raw.exec(`PRAGMA user_version = ${MIGRATIONS[0]!.version}`);
    raw.exec(`INSERT INTO runs (id, template_id, template_name, status, trigger_kind, created_at, updated_at)
      VALUES ('old-run', 't', 'T', 'succeeded', 'manual', 1, 1)`);
    raw.exec(`INSERT INTO run_snapshots (run_id, definition, inputs) VALUES ('old-run', '{"id":"t"}', '{"a":1}')`);
    raw.close();
    const opened = openStore(dbPath);
    try {
      assert.equal((opened.store.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
      const run = opened.store.getRun('old-run');
      assert.equal(run?.status, 'succeeded');
      assert.deepEqual(run?.inputs, { a: 1 });
      assert.equal(run?.concurrencyKey, null);
      assert.equal(run?.activeSteps, 0);
    } finally {
      opened.close();
    }
  });

  it('keeps event ids through the migration to plain rowids, keeps them increasing and refuses to delete events', () => {
    const dbPath = join(temp.dir, 'baton.db');
    const raw = new DatabaseSync(dbPath);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 3)) raw.exec(migration.sql);
    raw.exec('PRAGMA user_version = 3');
    raw.exec(`INSERT INTO runs (id, template_id, template_name, status, trigger_kind, created_at, updated_at)
      VALUES ('old-run', 't', 'T', 'running', 'manual', 1, 1)`);
    for (let i = 0; i < 5; i++) {
      raw.exec(`INSERT INTO events (run_id, type, payload, at) VALUES ('old-run', 'run.created', '{"n":${i}}', ${i})`);
    }
    raw.close();
    const opened = openStore(dbPath);
    try {
      const before = opened.store.listEvents(0);
      assert.deepEqual(before.map((e) => [e.id, e.payload.n]), [[1, 0], [2, 1], [3, 2], [4, 3], [5, 4]]);
      const sql = (opened.store.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'events'").get() as { sql: string }).sql;
      assert.doesNotMatch(sql, /AUTOINCREMENT/i);
      // Without AUTOINCREMENT an id is max(id) + 1: a deleted newest event would hand its id out
      // again behind every reader's cursor, so the schema refuses deletes.
      assert.throws(() => opened.store.db.exec('DELETE FROM events WHERE id = 5'), /append-only/);
      assert.throws(() => opened.store.db.exec('DELETE FROM events'), /append-only/);
      let last = opened.store.maxEventId();
      assert.equal(last, 5);
      for (let i = 0; i < 20; i++) {
        const id = opened.store.transaction(() =>
          opened.store.appendEvent({ runId: 'old-run', stepId: null, itemKey: null, type: EventType.RunStarted, payload: {}, at: i }),
        );
        assert.ok(id > last, `event id ${id} after ${last}`);
        last = id;
      }
      // A rolled-back insert is never seen, so its id being used by the next commit is harmless.
      assert.throws(() =>
        opened.store.transaction(() => {
          opened.store.appendEvent({ runId: 'old-run', stepId: null, itemKey: null, type: EventType.RunStarted, payload: {}, at: 0 });
          throw new Error('abort');
        }),
      );
      assert.equal(opened.store.listEvents(last).length, 0);
      assert.equal(opened.store.listEvents(0, { limit: 1000 }).length, 25);
    } finally {
      opened.close();
    }
  });

  it('can skip per-step input/output snapshots while keeping logs', async () => {
    const opened = openStore(join(temp.dir, '.baton', 'baton.db'), { stepSnapshots: false });
    try {
      opened.files.writeStepInput('r2', 'build', null, { x: 1 });
      opened.files.writeStepOutput('r2', 'build', null, { y: 2 });
      opened.files.appendStepLog('r2', 'build', null, 'hello\n');
      await opened.files.flush();
      const stepDir = opened.files.stepDir('r2', 'build', null);
      assert.equal(existsSync(join(stepDir, 'input.json')), false);
      assert.equal(existsSync(join(stepDir, 'output.json')), false);
      assert.equal(readFileSync(join(stepDir, 'stdout.log'), 'utf8'), 'hello\n');
    } finally {
      opened.close();
    }
  });

  it('creates a run folder with its first file: snapshots wait for it, artifacts are not made up front', async () => {
    const opened = openStore(join(temp.dir, '.baton', 'baton.db'));
    try {
      const runDir = join(temp.dir, '.baton', 'runs', 'quiet');
      opened.files.writeRunSnapshot('quiet', { id: 't' } as never, { a: 1 });
      assert.equal(opened.files.artifactsDir('quiet'), join(runDir, 'artifacts'));
      await opened.files.flush();
      assert.equal(existsSync(runDir), false, 'a run with nothing to show got a folder');
      opened.files.appendStepLog('quiet', 'build', null, 'now there is\n');
      await opened.files.flush();
      assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'definition.json'), 'utf8')), { id: 't' });
      assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'inputs.json'), 'utf8')), { a: 1 });
      assert.equal(existsSync(join(runDir, 'artifacts')), false);
    } finally {
      opened.close();
    }
  });

  it('writes waiting run snapshots once more than a thousand runs wait, oldest first, so none piles up', async () => {
    const opened = openStore(join(temp.dir, '.baton', 'baton.db'));
    try {
      for (let i = 0; i <= 1000; i++) opened.files.writeRunSnapshot(`r${i}`, { id: 't' } as never, { i });
      await opened.files.flush();
      assert.deepEqual(JSON.parse(readFileSync(join(temp.dir, '.baton', 'runs', 'r0', 'inputs.json'), 'utf8')), { i: 0 });
      assert.equal(existsSync(join(temp.dir, '.baton', 'runs', 'r1')), false);
    } finally {
      opened.close();
    }
  });

  it('writes run snapshots and step files under runs/<run-id>', async () => {
    const opened = openStore(join(temp.dir, '.baton', 'baton.db'));
    try {
      opened.files.writeRunSnapshot('r1', { id: 't' } as never, { a: 1 });
      opened.files.writeStepInput('r1', 'build', null, { x: 1 });
      opened.files.appendStepLog('r1', 'each', '3', 'line 1\n');
      opened.files.appendStepLog('r1', 'each', '3', 'line 2\n');
      await opened.files.flush();
      const runDir = join(temp.dir, '.baton', 'runs', 'r1');
      assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'inputs.json'), 'utf8')), { a: 1 });
      assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'steps', 'build', 'input.json'), 'utf8')), { x: 1 });
      assert.equal(readFileSync(opened.files.stepLogPath('r1', 'each', '3'), 'utf8'), 'line 1\nline 2\n');
    } finally {
      opened.close();
    }
  });
});
