import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Workspace, runIdFrom, type CliResult } from './harness';

const TICKER = `id: ticker
steps:
  - id: tick
    run: |
      for i in 1 2 3 4; do echo "tick $i"; sleep 0.15; done
  - id: after
    needs: [tick]
    run: |
      echo x >> after.ran
      echo after
`;

const FANOUT = `id: fanout
steps:
  - id: each
    foreach: [red, green, blue]
    max_parallel: 2
    run: echo "colour \${{ item }}"
`;

describe('baton logs / events / pause / runs (in-process CLI)', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.template('ticker.yml', TICKER);
    ws.template('fanout.yml', FANOUT);
  });
  afterEach(() => ws.cleanup());

  /** Starts `baton run <template>` and calls `onStart(runId)` once the run id is printed. */
  async function runWhile(template: string, onStart: (runId: string) => Promise<CliResult>) {
    let side: Promise<CliResult> | undefined;
    const run = await ws.baton(['run', template], {
      onStdout: (_t, all) => {
        if (!side && /^run \S+ /m.test(all)) side = onStart(runIdFrom(all));
      },
    });
    assert.ok(side);
    return { run, side: await side };
  }

  it('logs --follow prints a running step\'s output as it comes and returns when the step ends', async () => {
    const { run, side } = await runWhile('ticker', (runId) => ws.baton(['logs', runId, 'tick', '--follow']));
    assert.equal(run.code, 0);
    assert.equal(side.code, 0, side.stderr);
    assert.equal(side.stdout, 'tick 1\ntick 2\ntick 3\ntick 4\n');
  });

  it('events --follow --run streams the run\'s events and ends with the run', async () => {
    const { run, side } = await runWhile('ticker', (runId) => ws.baton(['events', '--run', runId, '--follow', '--json']));
    assert.equal(run.code, 0);
    assert.equal(side.code, 0, side.stderr);
    const events = side.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; type: string; stepId: string | null });
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'run.created');
    assert.equal(types.at(-1), 'run.succeeded');
    assert.equal(events.filter((e) => e.type === 'step.progress' && e.stepId === 'tick').length, 4);
    const ids = events.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'oldest first, each once');
    assert.equal(new Set(ids).size, ids.length);
  });

  it('events without --follow prints the log; --after and --limit narrow it', async () => {
    writeFileSync(ws.file('unused'), '');
    const first = await ws.baton(['run', 'ticker']);
    const runId = runIdFrom(first.stdout);
    const all = await ws.baton(['events', '--json']);
    const events = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; type: string });
    assert.ok(events.length > 10);
    const lastTwo = await ws.baton(['events', '--limit', '2']);
    assert.equal(lastTwo.stdout.trim().split('\n').length, 2);
    assert.match(lastTwo.stdout, new RegExp(`#${events.at(-1)!.id} ${runId} run\\.succeeded`));
    const after = await ws.baton(['events', '--after', String(events.at(-3)!.id), '--json']);
    assert.deepEqual(after.stdout.trim().split('\n').map((l) => JSON.parse(l).id), events.slice(-2).map((e) => e.id));
  });

  it('events --follow keeps going until interrupted', async () => {
    const stop = new AbortController();
    const follower = ws.baton(['events', '--follow'], {
      signal: stop.signal,
      onStdout: (_t, all) => {
        if (all.includes('run.succeeded')) stop.abort();
      },
    });
    // The database does not exist yet: the follower waits for it.
    await new Promise((r) => setTimeout(r, 300));
    const run = await ws.baton(['run', 'ticker']);
    assert.equal(run.code, 0);
    const result = await follower;
    assert.equal(result.code, 0);
    assert.match(result.stdout, /run\.created/);
    assert.match(result.stdout, /step\.succeeded after/);
  });

  it('pause lets the running step finish and starts nothing new; resume continues', async () => {
    const { run, side } = await runWhile('ticker', (runId) =>
      new Promise((r) => setTimeout(r, 150)).then(() => ws.baton(['pause', runId])),
    );
    assert.equal(side.code, 0, side.stderr);
    assert.match(side.stdout, /^run \S+ is paused; continue with: baton resume \S+\n$/);
    assert.equal(run.code, 1);
    const runId = runIdFrom(run.stdout);
    assert.match(run.stdout, /✓ tick\n/, 'the running step finished');
    assert.match(run.stdout, new RegExp(`⏸ run ${runId} is paused; continue it with: baton resume ${runId}`));
    assert.equal(ws.read('after.ran'), '', 'nothing new started while paused');

    const resumed = await ws.baton(['resume', runId]);
    assert.equal(resumed.code, 0, resumed.stdout);
    assert.equal(ws.read('after.ran'), 'x\n');
    assert.ok(!resumed.stdout.includes('▶ tick'));
  });

  it('logs of a foreach step show every item under a header; step[key] shows one', async () => {
    const run = await ws.baton(['run', 'fanout']);
    assert.equal(run.code, 0, run.stdout);
    const runId = runIdFrom(run.stdout);
    const all = await ws.baton(['logs', runId, 'each']);
    assert.equal(all.stdout, '==> each[0] <==\ncolour red\n==> each[1] <==\ncolour green\n==> each[2] <==\ncolour blue\n');
    const one = await ws.baton(['logs', runId, 'each[1]']);
    assert.equal(one.stdout, 'colour green\n');
    assert.equal(one.stderr, '');
    const shown = await ws.baton(['show', runId]);
    assert.match(shown.stdout, /✓ each +succeeded/);
    assert.match(shown.stdout, / {4}✓ {2}each\[2\] +succeeded|✓ +each\[2\]/);
  });

  it('logs says why a log is empty', async () => {
    ws.template('quiet.yml', 'id: quiet\nsteps:\n  - id: a\n    run: exit 1\n  - id: b\n    needs: [a]\n    run: echo never\n');
    const run = await ws.baton(['run', 'quiet']);
    const runId = runIdFrom(run.stdout);
    const skipped = await ws.baton(['logs', runId, 'b']);
    assert.equal(skipped.code, 0);
    assert.equal(skipped.stdout, '');
    assert.equal(skipped.stderr, '(no output from b: it is skipped)\n');
  });

  it('runs lists newest first and filters by status and template', async () => {
    const ok = runIdFrom((await ws.baton(['run', 'fanout'])).stdout);
    ws.template('bad.yml', 'id: bad\nsteps:\n  - id: boom\n    run: exit 9\n');
    const bad = runIdFrom((await ws.baton(['run', 'bad'])).stdout);
    const table = await ws.baton(['runs']);
    assert.match(table.stdout, /^RUN +TEMPLATE +STATUS +CREATED +TOOK +TRIGGER\n/);
    assert.ok(table.stdout.indexOf(bad) < table.stdout.indexOf(ok), 'newest first');
    const failed = JSON.parse((await ws.baton(['runs', '--status', 'failed', '--json'])).stdout) as { id: string }[];
    assert.deepEqual(failed.map((r) => r.id), [bad]);
    const byTemplate = JSON.parse((await ws.baton(['runs', '--template', 'fanout', '--json'])).stdout) as { id: string }[];
    assert.deepEqual(byTemplate.map((r) => r.id), [ok]);

    // A unique prefix names a run, like a short git hash; an ambiguous one lists the candidates.
    const short = await ws.baton(['show', bad.slice(0, -3), '--json']);
    assert.equal(short.code, 0, short.stderr);
    assert.equal(JSON.parse(short.stdout).run.id, bad);
    assert.equal((await ws.baton(['logs', ok.slice(0, -3), 'each[0]'])).stdout, 'colour red\n');
    let common = 0;
    while (bad[common] === ok[common]) common++;
    // Run ids start with the time in base 36, so two runs a second apart share their first
    // 4+ characters except across a rare boundary (every ~28 minutes): use the longest common prefix.
    const prefix = bad.slice(0, Math.max(common, 4));
    const ambiguous = await ws.baton(['show', prefix]);
    if (common >= 4) {
      assert.equal(ambiguous.code, 2);
      assert.match(ambiguous.stderr, new RegExp(`run id prefix "${prefix}" matches 2 runs: `));
    } else {
      assert.equal(ambiguous.code, 0, 'a prefix unique to one run names it');
    }
    assert.equal((await ws.baton(['show', 'zzzzzz'])).code, 3);
  });

  it('read-only commands in a folder without a database create nothing', async () => {
    const runs = await ws.baton(['runs']);
    assert.equal(runs.stdout, 'no runs\n');
    assert.equal((await ws.baton(['events'])).stdout, '');
    assert.equal((await ws.baton(['show', 'x'])).code, 3);
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(ws.dbPath), false);
  });
});
