import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../../src/executors/process';
import { spawnTs } from '../../support/engine-fixtures';
import { isAlive, killLeftovers, waitUntil } from '../../support/proc-helpers';

const STEP_HOST = join(import.meta.dirname, 'fixtures', 'step-host.ts');

function readPid(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

describe('orphan reaper: step processes do not outlive the process running the engine', function () {
  this.timeout(60_000);
  let dir: string;
  const leftovers: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-reaper-'));
  });
  afterEach(() => {
    killLeftovers(leftovers.splice(0));
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL of the engine process ends its running step, the step\'s children and grandchildren within seconds', async () => {
    // The step: a shell ($$) with a background sleep ($!) and a foreground grandchild shell that execs sleep.
    const script = `echo $$ > "${dir}/step.pid"; sleep 300 & echo $! > "${dir}/background.pid"; sh -c 'echo $$ > "${dir}/grandchild.pid"; exec sleep 300'`;
    const host = spawnTs(STEP_HOST, [dir, script]);
    const exited = new Promise<void>((resolve) => host.once('close', () => resolve()));
    let stderr = '';
    host.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const files = ['step.pid', 'background.pid', 'grandchild.pid'].map((f) => join(dir, f));
    assert.ok(await waitUntil(() => files.every((f) => existsSync(f) && readFileSync(f, 'utf8').trim() !== ''), 30_000), `the step did not start: ${stderr}`);
    const pids = files.map(readPid);
    leftovers.push(...pids);
    assert.ok(pids.every(isAlive), 'the step and its children run');

    host.kill('SIGKILL');
    await exited;
    // Nothing else stops them: they are in their own process group, re-parented to init.
    const gone = await waitUntil(() => !pids.some(isAlive), 8_000);
    assert.ok(gone, `still alive after the engine process died: ${pids.filter(isAlive).join(', ')}`);
  });

  it('kills only the groups still registered: a group forgotten after its step finished is left alone', async () => {
    // orphans: keep leaves the background sleep running in the finished step's group.
    let out = '';
    const finished = await runProcess({
      command: 'sh',
      args: ['-c', 'sleep 300 & echo $!'],
      cwd: dir,
      env: { PATH: process.env.PATH },
      orphans: 'keep',
      onStdout: (chunk) => (out += chunk),
    });
    assert.equal(finished.exitCode, 0);
    const kept = Number(out.trim());
    leftovers.push(kept);
    assert.ok(isAlive(kept));

    const host = spawnTs(join(import.meta.dirname, 'fixtures', 'track-and-die.ts'), [String(finished.pid)]);
    const exited = new Promise<void>((resolve) => host.once('close', () => resolve()));
    const registered = await new Promise<number>((resolve) => host.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    leftovers.push(registered);
    host.kill('SIGKILL');
    await exited;
    assert.ok(await waitUntil(() => !isAlive(registered), 8_000), 'the registered group was killed');
    assert.ok(isAlive(kept), 'the forgotten group was left alone');
  });
});
