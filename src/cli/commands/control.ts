/**
 * Shared parts of the commands that change a run's state (cancel, pause, resume, retry,
 * rerun, approve, reject): argument checks and opening the runtime on an existing database.
 */
import { existsSync } from 'node:fs';
import { InvalidTransitionError, RunNotFoundError, UsageError } from '../../core/errors';
import { RunStatus, isRunFinished, type RunRecord } from '../../core/model';
import type { Store } from '../../core/ports';
import { executeAndFollow } from '../follow';
import { openRuntime, resolveDbPath, type CliRuntime } from '../runtime';
import type { CliIO } from './index';

/** Exactly `count` positionals named by `names`, or a UsageError. */
export function expectPositionals(positionals: readonly string[], names: readonly string[]): string[] {
  for (let i = 0; i < names.length; i++) {
    if (positionals[i] === undefined) throw new UsageError(`missing ${names[i]}`);
  }
  if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}"`);
  return positionals.slice(0, names.length);
}

/** Shortest run id prefix accepted in place of a full id. */
const MIN_PREFIX = 4;

/**
 * The run an argument names: its full id, or (like a short git hash) a unique prefix of at
 * least 4 characters among the newest 5,000 runs. RunNotFoundError or, when the prefix is
 * ambiguous, a UsageError listing the candidates.
 */
export function resolveRunId(store: Store, arg: string): string {
  if (store.getRun(arg)) return arg;
  if (arg.length < MIN_PREFIX) throw new RunNotFoundError(arg);
  const matches = store
    .listRuns({ limit: 5000 })
    .map((r) => r.id)
    .filter((id) => id.startsWith(arg));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new RunNotFoundError(arg);
  throw new UsageError(`run id prefix "${arg}" matches ${matches.length} runs: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`);
}

/**
 * Opens the runtime for a command about an existing run (given by id or unique prefix).
 * Without a database there is no run: RunNotFoundError, and no `.baton/` folder is created.
 */
export async function openRuntimeForRun(
  io: CliIO,
  dbFlag: string | undefined,
  runArg: string,
): Promise<{ runtime: CliRuntime; runId: string }> {
  const { runtime, runIds } = await openRuntimeForRuns(io, dbFlag, [runArg]);
  return { runtime, runId: runIds[0]! };
}

/** The same for several runs (at least one): their ids in the order given, each once. */
export async function openRuntimeForRuns(
  io: CliIO,
  dbFlag: string | undefined,
  runArgs: readonly string[],
): Promise<{ runtime: CliRuntime; runIds: string[] }> {
  if (!existsSync(resolveDbPath(io, dbFlag))) throw new RunNotFoundError(runArgs[0]!);
  const runtime = openRuntime(io, dbFlag);
  try {
    return { runtime, runIds: [...new Set(runArgs.map((arg) => resolveRunId(runtime.engine.store, arg)))] };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/** Parses `--concurrency`. */
export function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--concurrency must be a positive integer; got "${value}"`);
  return n;
}

/**
 * A state change the run's status does not allow, with what to do instead. Still an
 * InvalidTransitionError (exit code 4); only the message is written for the CLI user.
 */
export class RunStateConflictError extends InvalidTransitionError {
  constructor(run: RunRecord, to: RunStatus, explanation: string) {
    super('run', run.id, run.status, to);
    this.message = explanation;
  }
}

/** Throws RunStateConflictError when `action` makes no sense for the run's current status. */
export function assertActionAllowed(run: RunRecord, action: 'cancel' | 'pause' | 'resume' | 'retry'): void {
  const id = run.id;
  const live = run.status === RunStatus.Pending || run.status === RunStatus.Running || run.status === RunStatus.Waiting;
  switch (action) {
    case 'cancel':
      if (isRunFinished(run.status)) throw new RunStateConflictError(run, RunStatus.Cancelled, `run ${id} already ${run.status}; there is nothing to cancel`);
      return;
    case 'pause':
      if (isRunFinished(run.status)) throw new RunStateConflictError(run, RunStatus.Paused, `run ${id} already ${run.status}; there is nothing to pause`);
      if (run.status === RunStatus.Paused) {
        throw new RunStateConflictError(run, RunStatus.Paused, `run ${id} is already paused; continue it with: baton resume ${id}`);
      }
      return;
    case 'resume':
      if (run.status === RunStatus.Succeeded) {
        throw new RunStateConflictError(
          run,
          RunStatus.Running,
          `run ${id} already succeeded; run it again with \`baton rerun ${id}\` or \`baton retry ${id} --from <step>\``,
        );
      }
      return;
    case 'retry':
      if (live) {
        throw new RunStateConflictError(
          run,
          RunStatus.Running,
          `run ${id} is still ${run.status}; wait for it to finish, or \`baton cancel ${id}\` first (\`baton resume ${id}\` continues it here)`,
        );
      }
      return;
  }
}

/**
 * The tail shared by resume, retry and rerun: with --detach print the run and return (a worker
 * executes it); otherwise execute it here and follow it to the end.
 */
export async function detachOrFollow(
  runtime: CliRuntime,
  io: CliIO,
  runId: string,
  options: { detach: boolean; json: boolean; afterEventId: number; concurrency: number | undefined; detachedText(run: RunRecord): string },
): Promise<number> {
  if (options.detach) {
    const run = runtime.engine.getRun(runId).run;
    io.stdout(options.json ? `${JSON.stringify(run, null, 2)}\n` : `${options.detachedText(run)}\n`);
    return 0;
  }
  return executeAndFollow(runtime, runId, io, {
    json: options.json,
    afterEventId: options.afterEventId,
    ...(options.concurrency === undefined ? {} : { maxConcurrency: options.concurrency }),
  });
}
