import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { PassThrough } from 'node:stream';
import { Workspace, databaseFingerprint, runIdFrom } from './harness';

const GATED = `id: gated
name: Gated release
steps:
  - id: build
    run: echo built
  - id: ship-it
    needs: [build]
    gate:
      message: Ship to production?
      inputs:
        properties:
          percent:
            type: integer
  - id: deploy
    needs: [ship-it]
    run: echo "deploying \${{ steps.ship-it.outputs.percent }}% (\${{ steps.ship-it.outputs.decision }})"
`;

describe('baton approve/reject and bad input (in-process CLI)', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.template('gated.yml', GATED);
  });
  afterEach(() => ws.cleanup());

  it('a gate approved from another connection lets the followed run finish', async () => {
    let approval: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
    const running = ws.baton(['run', 'gated'], {
      onStdout: (_text, all) => {
        if (!approval && all.includes('waiting for approval')) {
          const runId = runIdFrom(all);
          approval = ws.baton(['approve', runId, 'ship-it', '--comment', 'looks good', '--input', 'percent=25']);
        }
      },
    });
    const result = await running;
    assert.ok(approval, `the run never waited for approval:\n${result.stdout}`);
    const approved = await approval;
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^gate ship-it in run \S+ approved by tester; run is (running|waiting|succeeded)\n$/);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /⏸ ship-it waiting for approval: Ship to production\?/);
    assert.match(result.stdout, /deploy \| deploying 25% \(approved\)/);
    const detail = JSON.parse((await ws.baton(['show', runIdFrom(result.stdout), '--json'])).stdout);
    assert.equal(detail.gates[0].decision, 'approved');
    assert.equal(detail.gates[0].comment, 'looks good');
    assert.deepEqual(detail.comments.map((c: { body: string }) => c.body), ['looks good']);
  });

  it('reject fails the gate and the run (exit 1 for the follower)', async () => {
    let rejection: Promise<unknown> | undefined;
    const result = await ws.baton(['run', 'gated'], {
      onStdout: (_text, all) => {
        if (!rejection && all.includes('waiting for approval')) {
          rejection = ws.baton(['reject', runIdFrom(all), 'ship-it', '--comment', 'not today']);
        }
      },
    });
    await rejection;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /step ship-it failed: rejected by tester: not today/);
    assert.ok(!result.stdout.includes('deploying'));
  });

  it('a gate with approvers refuses others (exit 4) and bad form values (exit 2), changing nothing', async () => {
    ws.template('gated.yml', GATED.replace('      message: Ship to production?', '      message: Ship to production?\n      approvers: [alice]'));
    const runId = (await ws.baton(['run', 'gated', '--detach'])).stdout.trim();
    const stop = new AbortController();
    const worker = ws.baton(['worker', '--json'], {
      signal: stop.signal,
      onStdout: (_t, all) => {
        if (all.includes('"gate.requested"')) stop.abort();
      },
    });
    assert.equal((await worker).code, 0);
    const before = databaseFingerprint(ws.dbPath);

    const stranger = await ws.baton(['approve', runId, 'ship-it']);
    assert.equal(stranger.code, 4);
    assert.equal(stranger.stderr, 'baton approve: error: tester may not decide gate ship-it; approvers: alice [gate_not_allowed]\n');
    const badForm = await ws.baton(['approve', runId, 'ship-it', '--by', 'alice', '--input', 'percent=lots']);
    assert.equal(badForm.code, 2);
    assert.match(badForm.stderr, /^baton approve: error: invalid inputs for .*: percent: must be integer \[input_invalid\]\n$/);
    assert.equal(databaseFingerprint(ws.dbPath).hash, before.hash, 'refused decisions store nothing');

    // While it waits, retrying makes no sense and pausing twice neither: exit 4, with what to do instead.
    const retry = await ws.baton(['retry', runId]);
    assert.equal(retry.code, 4);
    assert.match(retry.stderr, /^baton retry: error: run \S+ is still waiting; wait for it to finish, or `baton cancel \S+` first/);
    assert.equal((await ws.baton(['pause', runId])).code, 0);
    const twice = await ws.baton(['pause', runId]);
    assert.equal(twice.code, 4);
    assert.match(twice.stderr, /is already paused; continue it with: baton resume /);
    assert.equal((await ws.baton(['resume', runId, '--detach'])).code, 0);
    const midway = databaseFingerprint(ws.dbPath);
    assert.equal((await ws.baton(['retry', runId])).code, 4);
    assert.equal(databaseFingerprint(ws.dbPath).hash, midway.hash);

    const alice = await ws.baton(['approve', runId, 'ship-it', '--by', 'alice', '--input', 'percent=10', '--json']);
    assert.equal(alice.code, 0, alice.stderr);
    const gate = JSON.parse(alice.stdout);
    assert.equal(gate.decision, 'approved');
    assert.equal(gate.decidedBy, 'alice');
    assert.deepEqual(gate.formInputs, { percent: 10 });
  });

  describe('errors leave the database untouched', () => {
    let runId: string;
    let before: ReturnType<typeof databaseFingerprint>;

    beforeEach(async () => {
      // A finished run with a decided gate, so "already decided" can be tried.
      let approval: Promise<unknown> | undefined;
      const result = await ws.baton(['run', 'gated'], {
        onStdout: (_t, all) => {
          if (!approval && all.includes('waiting for approval')) approval = ws.baton(['approve', runIdFrom(all), 'ship-it']);
        },
      });
      await approval;
      assert.equal(result.code, 0, result.stdout);
      runId = runIdFrom(result.stdout);
      before = databaseFingerprint(ws.dbPath);
    });

    async function expectError(argv: string[], code: number, message: RegExp) {
      const result = await ws.baton(argv);
      assert.equal(result.code, code, `${argv.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, `one line: ${result.stderr}`);
      assert.match(result.stderr, message);
      const after = databaseFingerprint(ws.dbPath);
      assert.deepEqual(after.counts, before.counts);
      assert.equal(after.hash, before.hash, `${argv.join(' ')} changed the database`);
      assert.equal(after.fileSha, before.fileSha);
    }

    it('unknown run id: exit 3 for every command that takes a run', async () => {
      for (const argv of [
        ['show', 'no-such-run'],
        ['logs', 'no-such-run', 'build'],
        ['resume', 'no-such-run'],
        ['retry', 'no-such-run'],
        ['rerun', 'no-such-run'],
        ['cancel', 'no-such-run'],
        ['pause', 'no-such-run'],
        ['approve', 'no-such-run', 'ship-it'],
        ['reject', 'no-such-run', 'ship-it'],
        ['events', '--run', 'no-such-run'],
      ]) {
        await expectError(argv, 3, new RegExp(`^baton ${argv[0]}: error: run not found: no-such-run \\[run_not_found\\]\\n$`));
      }
    });

    it('unknown gate and unknown step: exit 3', async () => {
      await expectError(['approve', runId, 'no-gate'], 3, /^baton approve: error: no gate no-gate waiting in run \S+ \[gate_not_found\]\n$/);
      await expectError(['logs', runId, 'nostep'], 3, /^baton logs: error: step nostep not found in run \S+ \[step_not_found\]\n$/);
      await expectError(['retry', runId, '--from', 'nostep'], 3, /\[step_not_found\]\n$/);
    });

    it('approving or rejecting a gate that was already decided: exit 4', async () => {
      await expectError(
        ['approve', runId, 'ship-it'],
        4,
        /^baton approve: error: gate ship-it in run \S+ was already approved by tester \[gate_already_decided\]\n$/,
      );
      await expectError(['reject', runId, 'ship-it', '--comment', 'too late'], 4, /\[gate_already_decided\]\n$/);
    });

    it('cancelling or pausing a finished run: exit 4', async () => {
      await expectError(['cancel', runId], 4, /already succeeded; there is nothing to cancel \[invalid_transition\]\n$/);
      await expectError(['pause', runId], 4, /already succeeded; there is nothing to pause \[invalid_transition\]\n$/);
    });

    it('usage errors: exit 2 with the command help', async () => {
      const result = await ws.baton(['approve', runId]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^baton approve: missing <gate>\n\nUsage: baton approve/);
      const flag = await ws.baton(['runs', '--bogus']);
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /Unknown option '--bogus'/);
      const status = await ws.baton(['runs', '--status', 'done']);
      assert.equal(status.code, 2);
      assert.match(status.stderr, /--status must be one of pending, running/);
      assert.equal(databaseFingerprint(ws.dbPath).hash, before.hash);
    });
  });

  describe('unusable databases: exit 5, file untouched', () => {
    async function expectDatabaseError(dbPath: string, message: RegExp) {
      const bytes = readFileSync(dbPath);
      for (const argv of [['runs'], ['show', 'x'], ['run', 'gated'], ['worker'], ['events']]) {
        const result = await ws.baton([...argv, '--db', dbPath]);
        assert.equal(result.code, 5, `${argv[0]}: ${result.stderr}`);
        assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
        assert.match(result.stderr, message);
        assert.ok(readFileSync(dbPath).equals(bytes), `${argv[0]} modified the file`);
      }
    }

    it('a file that is not a SQLite database', async () => {
      const path = ws.file('corrupt.db');
      writeFileSync(path, 'this is not a database, just some text that happens to be long enough');
      await expectDatabaseError(path, /error: .*corrupt\.db is not a usable Baton database \[database_corrupt\]\n$/);
    });

    it('a SQLite file whose pages are damaged', async () => {
      const path = ws.file('damaged.db');
      const db = new DatabaseSync(path);
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
      db.close();
      const bytes = readFileSync(path);
      bytes.fill(0xff, 100, bytes.length);
      writeFileSync(path, bytes);
      await expectDatabaseError(path, /damaged\.db is not a usable Baton database \[database_corrupt\]\n$/);
    });

    it('a database written by a newer Baton', async () => {
      const path = ws.file('newer.db');
      const db = new DatabaseSync(path);
      db.exec('CREATE TABLE future (x); PRAGMA user_version = 999;');
      db.close();
      await expectDatabaseError(path, /newer\.db has schema version 999, newer than this Baton supports \(\d+\); update Baton \[database_too_new\]\n$/);
    });
  });
});

describe('baton run asks about gates on a terminal', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.template('gated.yml', GATED);
  });
  afterEach(() => ws.cleanup());

  /** A stdin that says it is a terminal, typed into by the test. */
  function terminal(): PassThrough & { isTTY: boolean } {
    return Object.assign(new PassThrough(), { isTTY: true });
  }

  it('y approves the waiting gate and the run goes on', async () => {
    const stdin = terminal();
    const result = await ws.baton(['run', 'gated'], {
      isTTY: true,
      stdin,
      onStdout: (text) => {
        if (text.includes('approve? [y]es')) stdin.write('y\n');
      },
    });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /⏸ ship-it: Ship to production\?\n {2}approve\? \[y\]es \/ \[n\]o \/ \[Enter\] leave it waiting: +approved by tester\n/);
    assert.match(result.stdout, / {2}✓ deploy +succeeded/);
  });

  it('Enter leaves it waiting; an approval from elsewhere then finishes the run', async () => {
    const stdin = terminal();
    let approval: Promise<unknown> | undefined;
    const result = await ws.baton(['run', 'gated'], {
      isTTY: true,
      stdin,
      onStdout: (text, all) => {
        if (text.includes('approve? [y]es')) stdin.write('\n');
        if (!approval && text.includes('left waiting')) approval = ws.baton(['approve', runIdFrom(all), 'ship-it', '--by', 'bob']);
      },
    });
    await approval;
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /left waiting: baton approve \S+ ship-it\n/);
    const detail = JSON.parse((await ws.baton(['show', runIdFrom(result.stdout), '--json'])).stdout);
    assert.equal(detail.gates[0].decidedBy, 'bob');
  });

  it('withdraws the question when the gate is decided elsewhere', async () => {
    const stdin = terminal();
    let rejection: Promise<unknown> | undefined;
    const result = await ws.baton(['run', 'gated'], {
      isTTY: true,
      stdin,
      onStdout: (text, all) => {
        if (!rejection && text.includes('approve? [y]es')) rejection = ws.baton(['reject', runIdFrom(all), 'ship-it']);
      },
    });
    await rejection;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /\(decided elsewhere\)/);
    assert.match(result.stdout, /step ship-it failed: rejected by tester/);
  });
});
