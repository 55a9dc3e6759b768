/**
 * Shared parts of the commands that change a run's state (cancel, pause, resume, retry,
 * rerun, approve, reject): argument checks and opening the runtime on an existing database.
 */
import { existsSync } from 'node:fs';
import { RunNotFoundError, UsageError } from '../../core/errors';
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

/**
 * Opens the runtime for a command about an existing run. Without a database there is no run:
 * RunNotFoundError, and no `.baton/` folder is created.
 */
export async function openRuntimeForRun(io: CliIO, dbFlag: string | undefined, runId: string): Promise<CliRuntime> {
  if (!existsSync(resolveDbPath(io, dbFlag))) throw new RunNotFoundError(runId);
  const runtime = openRuntime(io, dbFlag);
  if (!runtime.engine.store.getRun(runId)) {
    await runtime.close();
    throw new RunNotFoundError(runId);
  }
  return runtime;
}

/** Parses `--concurrency`. */
export function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--concurrency must be a positive integer; got "${value}"`);
  return n;
}
