/**
 * The `baton` command line: one table of commands, each in src/cli/commands/<name>.ts.
 * Errors become user text here (and only here, for the CLI).
 */
import { BatonError, ErrorCode, UsageError, describeError } from '../core/errors';
import { commandTable, type CliIO } from './commands';
import packageJson from '../../package.json';

const BATON_VERSION: string = packageJson.version;

/** Exit codes, documented in `baton --help`. */
export const ExitCode = {
  Ok: 0,
  /** A run or validation failed. */
  Failed: 1,
  /** Bad usage: unknown command, flag or argument. */
  Usage: 2,
  /** Something asked for does not exist (run, step, gate, template). */
  NotFound: 3,
  /** The request conflicts with the current state (e.g. a gate already decided). */
  Conflict: 4,
  /** The database cannot be used (corrupt, newer than this Baton). */
  Database: 5,
  /** Unexpected internal error. */
  Internal: 70,
  /** Interrupted (Ctrl+C / SIGTERM) before a followed run finished; the run stays resumable. */
  Interrupted: 130,
} as const;

export function usage(): string {
  const lines = [
    'Usage: baton <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commandTable).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`),
    '',
    'Run `baton <command> --help` for the options of one command.',
    'A <run> can be given by a unique prefix of its id (4 characters or more).',
    '',
    'Exit codes:',
    '  0  success',
    '  1  a run, step or validation failed',
    '  2  usage error (unknown command, flag or bad argument)',
    '  3  not found (run, step, gate or template)',
    '  4  conflict with the current state (e.g. gate already decided, archiving an unfinished run)',
    '  5  database unusable (corrupt or newer than this Baton)',
    '  70 internal error',
    '  130 interrupted (Ctrl+C) while following a run; `baton resume <run>` continues it',
  ];
  return lines.join('\n');
}

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof BatonError)) return ExitCode.Internal;
  switch (error.code) {
    case ErrorCode.Usage:
    case ErrorCode.InputInvalid:
      return ExitCode.Usage;
    case ErrorCode.RunNotFound:
    case ErrorCode.StepNotFound:
    case ErrorCode.GateNotFound:
    case ErrorCode.TemplateNotFound:
      return ExitCode.NotFound;
    case ErrorCode.GateAlreadyDecided:
    case ErrorCode.GateNotAllowed:
    case ErrorCode.InvalidTransition:
    case ErrorCode.RunNotFinished:
      return ExitCode.Conflict;
    case ErrorCode.DatabaseCorrupt:
    case ErrorCode.DatabaseTooNew:
      return ExitCode.Database;
    default:
      return ExitCode.Failed;
  }
}

/** Runs the CLI with the given arguments; returns the exit code (never calls process.exit). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage() + '\n');
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${BATON_VERSION}\n`);
    return ExitCode.Ok;
  }
  const command = commandTable[name];
  if (!command) {
    io.stderr(`baton: unknown command "${name}"\n\n${usage()}\n`);
    return ExitCode.Usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`baton ${name}: ${error.message}\n\n${command.help}\n`);
      return ExitCode.Usage;
    }
    if (error instanceof BatonError) {
      io.stderr(`baton ${name}: error: ${error.message} [${error.code}]\n`);
      return exitCodeFor(error);
    }
    io.stderr(`baton ${name}: internal error: ${describeError(error)}\n`);
    if (process.env.BATON_DEBUG && error instanceof Error) io.stderr(`${error.stack}\n`);
    return ExitCode.Internal;
  }
}

