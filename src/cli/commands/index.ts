/**
 * The one table of CLI commands. Each command lives in its own file and exports a
 * `CliCommand`; add it here to make it reachable.
 */
import type { Readable } from 'node:stream';

/** The CLI's view of its process, injectable for tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  stdin: Readable;
}

export interface CliCommand {
  /** One line for `baton --help`. */
  summary: string;
  /** Full usage of the command, printed on `--help` or a usage error. */
  help: string;
  /** Returns the exit code. Throws BatonError for expected failures. */
  run(args: string[], io: CliIO): Promise<number>;
}

export const commandTable: Record<string, CliCommand> = {};
