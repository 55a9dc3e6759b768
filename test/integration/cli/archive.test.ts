import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { openStore } from '../../../src/store';
import { Workspace, databaseFingerprint, runIdFrom } from './harness';

const QUICK = `id: quick
steps:
  - id: only
    run: echo quick
`;

const HELD = `id: held
steps:
  - id: wait
    gate:
      message: go?
`;

describe('baton archive / unarchive / runs --archived (in-process CLI)', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.template('quick.yml', QUICK);
    ws.template('held.yml', HELD);
  });
  afterEach(() => ws.cleanup());

  const ids = async (argv: string[]) => (JSON.parse((await ws.baton([...argv, '--json'])).stdout) as Array<{ id: string }>).map((r) => r.id);

  it('archives finished runs by id or prefix: runs hides them, --archived lists them, unarchive brings them back', async () => {
    const first = runIdFrom((await ws.baton(['run', 'quick'])).stdout);
    const second = runIdFrom((await ws.baton(['run', 'quick'])).stdout);
    assert.deepEqual(await ids(['runs']), [second, first]);

    const archived = await ws.baton(['archive', first, second.slice(0, -3)]);
    assert.equal(archived.code, 0, archived.stderr);
    assert.equal(archived.stdout, `run ${first} archived\nrun ${second} archived\n`);
    assert.deepEqual(await ids(['runs']), [], 'archived runs are hidden by default');
    assert.equal((await ws.baton(['runs'])).stdout, 'no runs\n');
    assert.deepEqual(await ids(['runs', '--archived']), [second, first]);
    assert.equal((await ws.baton(['archive', first])).stdout, `run ${first} was already archived\n`);
    assert.match((await ws.baton(['show', first])).stdout, /^status +succeeded +archived \S/m);

    // Stored in the database with its event, where the board of every window reads it.
    const opened = openStore(ws.dbPath);
    try {
      assert.equal(typeof opened.store.getRun(first)?.archivedAt, 'number');
      const events = opened.store.listEvents(0, { runId: first, limit: 1000 }).filter((e) => e.type === 'run.archived');
      assert.deepEqual(events.map((e) => e.payload.by), ['tester']);
    } finally {
      opened.close();
    }

    const back = await ws.baton(['unarchive', first, '--json']);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual((JSON.parse(back.stdout) as Array<{ id: string; archivedAt: number | null }>).map((r) => [r.id, r.archivedAt]), [[first, null]]);
    assert.deepEqual(await ids(['runs']), [first]);
    assert.deepEqual(await ids(['runs', '--archived']), [second]);
    assert.doesNotMatch((await ws.baton(['show', first])).stdout, /archived/);
    assert.equal((await ws.baton(['unarchive', first])).stdout, `run ${first} was not archived\n`);
  });

  it('refuses a run that is not finished (exit 4) and archives none of the runs given', async () => {
    const done = runIdFrom((await ws.baton(['run', 'quick'])).stdout);
    const waiting = runIdFrom((await ws.baton(['run', 'held', '--detach'])).stdout);
    const before = databaseFingerprint(ws.dbPath).hash;
    const refused = await ws.baton(['archive', done, waiting]);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, new RegExp(`baton archive: error: run ${waiting} is (pending|running|waiting): only a finished run .* can be archived \\[run_not_finished\\]`));
    assert.equal(databaseFingerprint(ws.dbPath).hash, before, 'nothing changed');
    assert.deepEqual(await ids(['runs', '--archived']), []);
  });

  it('usage and lookup errors: no run given, an unknown run, no database', async () => {
    const none = await ws.baton(['archive']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing <run>/);
    assert.match(none.stderr, /Usage: baton archive <run>…/);
    assert.equal((await ws.baton(['unarchive', 'zzzzzz'])).code, 3, 'no database: not found');
    assert.equal(existsSync(ws.dbPath), false, 'and no database created');
    runIdFrom((await ws.baton(['run', 'quick'])).stdout);
    const unknown = await ws.baton(['archive', 'zzzzzz']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /run not found: zzzzzz \[run_not_found\]/);
    const help = await ws.baton(['--help']);
    assert.match(help.stdout, /^ {2}archive +archive finished runs/m);
    assert.match(help.stdout, /^ {2}unarchive +bring archived runs back/m);
    assert.match((await ws.baton(['runs', '--help'])).stdout, /--archived +only archived runs/);
  });
});
