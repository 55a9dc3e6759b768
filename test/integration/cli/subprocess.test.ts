/**
 * The real `baton` binary: dist/cli.cjs is bundled with the same esbuild options as
 * esbuild.mjs (into a temp folder, so the shared dist/ is left alone) and run as a child
 * process, with real signals.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { nodeBundleOptions } from '../../../scripts/node-bundle.mjs';
import { isAlive, waitUntil } from '../../support/proc-helpers';
import { Workspace, runIdFrom } from './harness';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('baton as a real process (bundled dist/cli.cjs)', function () {
  this.timeout(60_000);
  let outDir: string;
  let cli: string;
  let ws: Workspace;

  before(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'baton-cli-bundle-'));
    await esbuild.build({ ...nodeBundleOptions({ repo: ROOT, entry: 'cli', outdir: outDir }), logLevel: 'silent' });
    cli = join(outDir, 'cli.cjs');
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  beforeEach(() => {
    ws = new Workspace();
  });
  afterEach(() => ws.cleanup());

  function start(argv: string[]): Proc {
    const child = spawn(process.execPath, [cli, ...argv], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...ws.env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('close', (code, signal) => done({ code, signal })),
    );
    return { child, stdout: () => out, stderr: () => err, exit };
  }

  async function batonProcess(argv: string[]) {
    const proc = start(argv);
    const { code } = await proc.exit;
    return { code, stdout: proc.stdout(), stderr: proc.stderr() };
  }

  it('run exits 1 with the failed step and its log tail; resume after the fix exits 0 without redoing work', async () => {
    ws.template(
      'fragile.yml',
      `id: fragile
steps:
  - id: fetch
    run: |
      echo x >> fetch.ran
      echo "fetched"
  - id: test
    needs: [fetch]
    run: |
      echo x >> test.ran
      echo "running 12 tests"
      test -f fixed || { echo "1 test failed: expected 2, got 3" >&2; exit 1; }
      echo "all passed"
`,
    );
    const failed = await batonProcess(['run', 'fragile']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stdout, /step test failed: script exited with code 1: 1 test failed: expected 2, got 3/);
    assert.match(failed.stdout, /--- last 2 lines of .*stdout\.log ---\n {2}running 12 tests\n {2}1 test failed: expected 2, got 3\n---/);
    const runId = runIdFrom(failed.stdout);

    writeFileSync(ws.file('fixed'), '');
    const resumed = await batonProcess(['resume', runId]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, /test \| all passed/);
    assert.equal(ws.read('fetch.ran'), 'x\n', 'fetch ran once');
    assert.equal(ws.read('test.ran'), 'x\nx\n');
  });

  it('cancel from another process stops a followed run and kills its process tree', async () => {
    ws.template(
      'slow.yml',
      `id: slow
steps:
  - id: wait
    run: |
      sleep 120 &
      echo "sleeper=$!"
      wait
`,
    );
    const run = start(['run', 'slow']);
    assert.ok(await waitUntil(() => /sleeper=\d+/.test(run.stdout()), 15_000), run.stdout() + run.stderr());
    const sleeper = Number(/sleeper=(\d+)/.exec(run.stdout())![1]);
    const runId = runIdFrom(run.stdout());

    const cancelled = await batonProcess(['cancel', runId, '--reason', 'changed my mind']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(cancelled.stdout, `run ${runId} is cancelled\n`);

    const { code } = await run.exit;
    assert.equal(code, 1);
    assert.match(run.stdout(), new RegExp(`⊘ run ${runId} cancelled: changed my mind`));
    assert.ok(await waitUntil(() => !isAlive(sleeper), 5_000), `sleep ${sleeper} survived the cancel`);
  });

  it('SIGKILL of `baton run` takes its running step and the step\'s children along (orphan reaper)', async () => {
    ws.template(
      'stuck.yml',
      `id: stuck
steps:
  - id: wait
    run: |
      sleep 300 &
      echo "sleeper=$! shell=$$"
      wait
`,
    );
    const run = start(['run', 'stuck']);
    assert.ok(await waitUntil(() => /sleeper=\d+ shell=\d+/.test(run.stdout()), 15_000), run.stdout() + run.stderr());
    const [, sleeper, shell] = /sleeper=(\d+) shell=(\d+)/.exec(run.stdout())!.map(Number);
    run.child.kill('SIGKILL');
    await run.exit;
    assert.ok(await waitUntil(() => !isAlive(sleeper!) && !isAlive(shell!), 8_000), `the step outlived baton run: ${[sleeper, shell].filter((p) => isAlive(p!)).join(', ')}`);
  });

  it('Ctrl+C stops `baton run` (exit 130), hands the step back, and resume finishes without redoing finished steps', async () => {
    ws.template(
      'two.yml',
      `id: two
steps:
  - id: first
    run: echo x >> first.ran
  - id: second
    needs: [first]
    run: |
      echo x >> second.ran
      if [ ! -f go ]; then echo waiting; sleep 120; fi
      echo done
`,
    );
    const run = start(['run', 'two']);
    assert.ok(await waitUntil(() => run.stdout().includes('second | waiting'), 15_000), run.stdout() + run.stderr());
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    assert.equal(code, 130, run.stdout() + run.stderr());
    const runId = runIdFrom(run.stdout());
    assert.match(run.stdout(), new RegExp(`run ${runId} is running; continue it with: baton resume ${runId}`));

    const shown = JSON.parse((await batonProcess(['show', runId, '--json'])).stdout);
    const second = shown.steps.find((s: { stepId: string }) => s.stepId === 'second');
    assert.equal(second.status, 'ready', 'the interrupted step is handed back, not failed');
    assert.deepEqual(
      shown.attempts.filter((a: { stepId: string }) => a.stepId === 'second').map((a: { status: string }) => a.status),
      ['abandoned'],
    );

    writeFileSync(ws.file('go'), '');
    const resumed = await batonProcess(['resume', runId]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.equal(ws.read('first.ran'), 'x\n');
    assert.equal(ws.read('second.ran'), 'x\nx\n', 'the abandoned attempt is retried as a new attempt');
  });

  it('worker keeps executing until SIGTERM, then exits 0', async () => {
    ws.template('quick.yml', 'id: quick\nsteps:\n  - id: only\n    run: echo quick-done\n');
    const worker = start(['worker']);
    assert.ok(await waitUntil(() => worker.stdout().includes('Ctrl+C to stop'), 15_000), worker.stderr());
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await batonProcess(['run', 'quick', '--detach'])).stdout.trim());
    assert.ok(
      await waitUntil(() => ids.every((id) => worker.stdout().includes(`${id} run.succeeded`)), 15_000),
      worker.stdout(),
    );
    worker.child.kill('SIGTERM');
    const { code } = await worker.exit;
    assert.equal(code, 0, worker.stderr());
    assert.match(worker.stdout(), /worker stopped: 3 attempts started, 3 succeeded, 0 failed/);
  });
});
