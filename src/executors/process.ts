/**
 * The one place in Baton that spawns child processes. Every executor (scripts, agent CLIs,
 * MCP servers started for a step) goes through `runProcess`, so process-tree cleanup on
 * timeout, cancel and exit is written (and tested) once.
 *
 * On POSIX a child is started in its own process group (`detached`), which lets us signal
 * the whole tree with `process.kill(-pgid)`. Descendants that left the group (`setsid`,
 * daemonising tools) are found with one `ps` snapshot taken before the first signal and
 * signalled by pid. On Windows `tree-kill` (taskkill /T /F) does the job.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import treeKill from 'tree-kill';
import { ExecutableNotFoundError, StepFailedError } from '../core/errors';
import { trackProcessGroup } from './orphan-reaper';

/** Default time between SIGTERM and SIGKILL when a tree is stopped. */
export const DEFAULT_KILL_GRACE_MS = 5_000;

export interface RunProcessOptions {
  /** Executable name (looked up on `env.PATH`) or a path. */
  command: string;
  args: readonly string[];
  /** Absolute working directory; must exist. */
  cwd: string;
  /** The complete environment of the child (nothing is inherited implicitly). */
  env: Record<string, string | undefined>;
  /**
   * `ignore` (default): stdin is /dev/null. A string: written to stdin, which is then closed.
   * `pipe`: stdin stays open and is handed to `onSpawn`.
   */
  stdin?: 'ignore' | 'pipe' | string;
  /** Aborting kills the process tree; the result then has `cancelled: true`. */
  signal?: AbortSignal;
  /** Kills the process tree after this many ms; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Decoded UTF-8 chunks, in arrival order (never split inside a character). */
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
  /** Called once the child exists (pid known, stdin writable when `stdin: 'pipe'`). */
  onSpawn?(child: { pid: number; stdin: Writable | null }): void;
  /** Time between SIGTERM and SIGKILL (default 5000 ms). */
  killGraceMs?: number;
  /** Shown with ExecutableNotFoundError, e.g. `install it with npm i -g @anthropic-ai/claude-code`. */
  installHint?: string;
  /**
   * What happens to processes the child left running in its group when it exits on its own:
   * `kill` (default, like a CI job's orphan cleanup) or `keep`.
   */
  orphans?: 'kill' | 'keep';
}

export interface ProcessResult {
  /** Exit status, or null when the process ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the process (e.g. `SIGTERM`), or null. */
  signal: NodeJS.Signals | null;
  /** True when `timeoutMs` elapsed and Baton killed the tree. */
  timedOut: boolean;
  /** True when `signal` aborted and Baton killed the tree. */
  cancelled: boolean;
  durationMs: number;
  pid: number;
}

/**
 * Spawns `command` in its own process group and resolves when it has exited and its output
 * is drained. Rejects only when the process cannot start: ExecutableNotFoundError (missing
 * or non-executable binary, never retryable) or StepFailedError (missing cwd).
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  if (options.signal?.aborted) {
    return Promise.resolve({ exitCode: null, signal: null, timedOut: false, cancelled: true, durationMs: 0, pid: 0 });
  }
  return new Promise<ProcessResult>((resolvePromise, rejectPromise) => {
    assertDirectory(options.cwd);
    const stdinMode = options.stdin === undefined || options.stdin === 'ignore' ? 'ignore' : 'pipe';
    let child: ChildProcess;
    try {
      child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env,
        stdio: [stdinMode, 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (error) {
      rejectPromise(spawnError(options, error));
      return;
    }
    // Killed with us if we die first (see orphan-reaper.ts); forgotten once the child is done.
    const untrackGroup = child.pid !== undefined ? trackProcessGroup(child.pid) : () => undefined;

    let timedOut = false;
    let cancelled = false;
    let exited = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let killer: TreeKiller | undefined;
    let timer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const stopTree = () => {
      if (killer || child.pid === undefined) return;
      killer = new TreeKiller(child.pid, graceMs);
      killer.start();
    };
    const onAbort = () => {
      if (exited) return;
      cancelled = true;
      stopTree();
    };
    const cleanup = () => {
      untrackGroup();
      if (timer) clearTimeout(timer);
      if (drainTimer) clearTimeout(drainTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolvePromise({
        exitCode,
        signal: exitSignal,
        timedOut,
        cancelled: cancelled && !timedOut,
        durationMs: Math.round(performance.now() - started),
        pid: child.pid ?? 0,
      });
    };

    child.once('error', (error) => {
      if (child.pid === undefined) {
        // Never started: nothing to kill, nothing to drain.
        settled = true;
        cleanup();
        rejectPromise(spawnError(options, error));
      }
      // Other errors (e.g. a failed kill) are not fatal: 'exit'/'close' still follow.
    });

    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => options.onStdout?.(chunk));
    child.stderr?.on('data', (chunk: string) => options.onStderr?.(chunk));

    if (child.stdin) {
      // EPIPE when the child does not read its stdin is not our failure.
      child.stdin.on('error', () => undefined);
      if (typeof options.stdin === 'string' && options.stdin !== 'pipe') child.stdin.end(options.stdin);
    }

    child.once('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.({ pid: child.pid, stdin: options.stdin === 'pipe' ? child.stdin : null });
    });

    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      if (killer) {
        // Already stopping the tree; let the killer finish off the rest of the group.
      } else if ((options.orphans ?? 'kill') === 'kill' && child.pid !== undefined && process.platform !== 'win32') {
        // Background jobs left in the group would otherwise hold our pipes open forever.
        signalGroup(child.pid, 'SIGKILL');
      }
      // Grandchildren that escaped the group may still hold stdout; do not wait on them forever.
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, 2_000);
      drainTimer.unref();
    });
    child.once('close', () => {
      if (exited) finish();
      else child.once('exit', () => finish());
    });

    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        if (exited) return;
        timedOut = true;
        stopTree();
      }, options.timeoutMs);
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Resolves an executable like a shell would: a name with a path separator is checked as a
 * path (relative to `cwd`); a bare name is searched on `pathEnv`. Returns the absolute path,
 * or undefined when nothing executable is found.
 */
export function findExecutable(name: string, pathEnv: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (name.length === 0) return undefined;
  const extensions = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  const candidates = (base: string) => extensions.map((ext) => base + ext);
  if (name.includes('/') || (process.platform === 'win32' && name.includes('\\'))) {
    const full = isAbsolute(name) ? name : resolve(cwd, name);
    return candidates(full).find(isExecutableFile);
  }
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir.length === 0) continue;
    const found = candidates(join(dir, name)).find(isExecutableFile);
    if (found) return isAbsolute(found) ? found : resolve(cwd, found);
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function assertDirectory(cwd: string): void {
  let isDir = false;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new StepFailedError(`working directory does not exist: ${cwd}`, { retryable: false });
}

function spawnError(options: RunProcessOptions, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
    const hint = options.installHint ?? `install ${options.command} or add it to PATH`;
    const detail = code === 'EACCES' ? `is not executable; ${hint}` : hint;
    return new ExecutableNotFoundError(options.command, detail);
  }
  return new StepFailedError(`could not start ${options.command}: ${String(error)}`, { cause: error, retryable: false });
}

/** Sends `signal` to every process in group `pgid`; false when the group is gone. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM the whole tree, then SIGKILL whatever is still alive after the grace period. */
class TreeKiller {
  private descendants: number[] = [];

  constructor(
    private readonly rootPid: number,
    private readonly graceMs: number,
  ) {}

  start(): void {
    if (process.platform === 'win32') {
      treeKill(this.rootPid, 'SIGKILL', () => undefined);
      return;
    }
    // Snapshot the tree before signalling: once the root dies its children are re-parented
    // and descendants that left the group (setsid) could no longer be found.
    // The grace period starts once the snapshot is in: on a loaded machine `ps` can take longer
    // than the grace, and a SIGKILL of the root before the snapshot would orphan the escapees.
    const terminate = () => {
      this.signalAll('SIGTERM');
      const hard = setTimeout(() => this.signalAll('SIGKILL'), this.graceMs);
      hard.unref();
    };
    listDescendants(this.rootPid).then((pids) => {
      this.descendants = pids;
      terminate();
    }, terminate);
  }

  private signalAll(signal: NodeJS.Signals): void {
    signalGroup(this.rootPid, signal);
    for (const pid of this.descendants) signalPid(pid, signal);
  }
}

/** Pids of every descendant of `rootPid` (not including it), from one `ps` snapshot. */
function listDescendants(rootPid: number): Promise<number[]> {
  return new Promise((resolveList, rejectList) => {
    execFile('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { timeout: 5_000 }, (error, stdout) => {
      if (error) {
        rejectList(error);
        return;
      }
      const children = new Map<number, number[]>();
      for (const line of stdout.split('\n')) {
        const [pidText, ppidText] = line.trim().split(/\s+/);
        const pid = Number(pidText);
        const ppid = Number(ppidText);
        if (!Number.isInteger(pid) || !Number.isInteger(ppid)) continue;
        const list = children.get(ppid) ?? [];
        list.push(pid);
        children.set(ppid, list);
      }
      const result: number[] = [];
      const queue = [rootPid];
      while (queue.length > 0) {
        const next = queue.shift()!;
        for (const child of children.get(next) ?? []) {
          if (result.includes(child)) continue;
          result.push(child);
          queue.push(child);
        }
      }
      resolveList(result);
    });
  });
}
