import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutableNotFoundError, StepFailedError } from '../../../src/core/errors';
import { findExecutable, runProcess } from '../../../src/executors/process';
import { isAlive, killLeftovers, waitUntil } from '../../support/proc-helpers';

function pidsIn(text: string): number[] {
  return [...text.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

const env = { PATH: process.env.PATH };

describe('runProcess (real processes)', function () {
  this.timeout(20_000);
  let dir: string;
  const leftovers: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-process-'));
  });
  afterEach(() => {
    killLeftovers(leftovers.splice(0));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports exit code, streams stdout and stderr, and feeds a string to stdin', async () => {
    let out = '';
    let err = '';
    const result = await runProcess({
      command: 'bash',
      // --norc: bash sources ~/.bashrc when its stdin is a socket (Node's stdin pipe is one).
      args: ['--norc', '-c', 'read line; echo "got $line"; echo oops >&2; echo "in $PWD"; exit 7'],
      cwd: dir,
      env,
      stdin: 'héllo\n',
      onStdout: (c) => (out += c),
      onStderr: (c) => (err += c),
    });
    assert.equal(result.exitCode, 7);
    assert.equal(result.signal, null);
    assert.equal(result.timedOut, false);
    assert.equal(result.cancelled, false);
    assert.ok(result.pid > 0);
    assert.equal(out, `got héllo\nin ${dir}\n`);
    assert.equal(err, 'oops\n');
  });

  it('passes exactly the given environment', async () => {
    let out = '';
    await runProcess({
      command: 'bash',
      args: ['-c', 'echo "${ONLY_THIS:-unset} ${HOME:-nohome}"'],
      cwd: dir,
      env: { PATH: process.env.PATH, ONLY_THIS: 'yes' },
      onStdout: (c) => (out += c),
    });
    assert.equal(out, 'yes nohome\n');
  });

  it('kills the whole process tree on timeout: a grandchild sleep is gone afterwards', async () => {
    let out = '';
    const result = await runProcess({
      command: 'bash',
      args: ['-c', 'sleep 300 & echo "pid=$!"; bash -c \'sleep 301 & echo "pid=$!"; wait\' & wait'],
      cwd: dir,
      env,
      timeoutMs: 700,
      killGraceMs: 1_000,
      onStdout: (c) => (out += c),
    });
    const pids = pidsIn(out);
    leftovers.push(...pids);
    assert.equal(pids.length, 2, `expected two grandchild pids in ${JSON.stringify(out)}`);
    assert.equal(result.timedOut, true);
    assert.equal(result.cancelled, false);
    assert.equal(result.exitCode, null);
    assert.ok(result.durationMs >= 600 && result.durationMs < 5_000, `took ${result.durationMs} ms`);
    for (const pid of pids) assert.ok(await waitUntil(() => !isAlive(pid), 2_000), `grandchild ${pid} still alive`);
  });

  it('also kills descendants that left the process group (setsid)', async () => {
    let out = '';
    const result = await runProcess({
      command: 'bash',
      args: ['-c', 'setsid bash -c \'echo "pid=$$"; exec sleep 302\' & sleep 0.2; wait'],
      cwd: dir,
      env,
      timeoutMs: 600,
      killGraceMs: 500,
      onStdout: (c) => (out += c),
    });
    const pids = pidsIn(out);
    leftovers.push(...pids);
    assert.equal(pids.length, 1, out);
    assert.equal(result.timedOut, true);
    assert.ok(await waitUntil(() => !isAlive(pids[0]!), 2_000), `escaped process ${pids[0]} still alive`);
  });

  it('cancels through the AbortSignal and kills the tree', async () => {
    const controller = new AbortController();
    let out = '';
    const pending = runProcess({
      command: 'bash',
      args: ['-c', 'sleep 303 & echo "pid=$!"; wait'],
      cwd: dir,
      env,
      signal: controller.signal,
      onStdout: (c) => {
        out += c;
        if (out.includes('pid=')) controller.abort();
      },
    });
    const result = await pending;
    const pids = pidsIn(out);
    leftovers.push(...pids);
    assert.equal(result.cancelled, true);
    assert.equal(result.timedOut, false);
    assert.ok(result.durationMs < 4_000, `cancel took ${result.durationMs} ms`);
    assert.ok(await waitUntil(() => !isAlive(pids[0]!), 2_000));
  });

  it('does not start anything when the signal is already aborted', async () => {
    const marker = join(dir, 'ran');
    const controller = new AbortController();
    controller.abort();
    const result = await runProcess({ command: 'touch', args: [marker], cwd: dir, env, signal: controller.signal });
    assert.equal(result.cancelled, true);
    await new Promise((r) => setTimeout(r, 100));
    assert.throws(() => readFileSync(marker));
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async () => {
    let out = '';
    const result = await runProcess({
      command: 'bash',
      args: ['-c', 'trap "" TERM; echo "pid=$$"; while true; do sleep 0.05; done'],
      cwd: dir,
      env,
      timeoutMs: 300,
      killGraceMs: 400,
      onStdout: (c) => (out += c),
    });
    leftovers.push(...pidsIn(out));
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(result.durationMs >= 650, `killed after ${result.durationMs} ms, before the grace period`);
  });

  it('kills background jobs left behind when the process exits on its own', async () => {
    let out = '';
    const result = await runProcess({
      command: 'bash',
      args: ['-c', 'sleep 304 & echo "pid=$!"; exit 0'],
      cwd: dir,
      env,
      onStdout: (c) => (out += c),
    });
    const pids = pidsIn(out);
    leftovers.push(...pids);
    assert.equal(result.exitCode, 0);
    assert.ok(result.durationMs < 1_500, `waited ${result.durationMs} ms for an orphan`);
    assert.ok(await waitUntil(() => !isAlive(pids[0]!), 2_000));
  });

  it('rejects a missing executable with ExecutableNotFoundError carrying the install hint', async () => {
    await assert.rejects(
      runProcess({ command: 'baton-no-such-tool', args: [], cwd: dir, env, installHint: 'npm i -g baton-no-such-tool' }),
      (error: unknown) => {
        assert.ok(error instanceof ExecutableNotFoundError);
        assert.equal(error.retryable, false);
        assert.equal(error.message, 'baton-no-such-tool not found: npm i -g baton-no-such-tool');
        return true;
      },
    );
  });

  it('rejects a missing working directory before spawning', async () => {
    await assert.rejects(runProcess({ command: 'true', args: [], cwd: join(dir, 'nope'), env }), (error: unknown) => {
      assert.ok(error instanceof StepFailedError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /working directory does not exist: .*nope/);
      return true;
    });
  });
});

describe('findExecutable', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-find-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an executable on the given PATH, not on this process PATH', () => {
    const tool = join(dir, 'my-tool');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    assert.equal(findExecutable('my-tool', `/nonexistent:${dir}`), tool);
    assert.equal(findExecutable('my-tool', process.env.PATH), undefined);
  });

  it('skips files that are not executable and resolves relative paths against cwd', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    chmodSync(join(dir, 'plain'), 0o644);
    assert.equal(findExecutable('plain', dir), undefined);
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    assert.equal(findExecutable('./run.sh', undefined, dir), join(dir, 'run.sh'));
    assert.equal(findExecutable('', dir), undefined);
  });
});
