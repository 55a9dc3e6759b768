/**
 * The one table of CLI commands. Each command lives in its own file and exports a
 * `CliCommand`; add it here to make it reachable.
 */
import type { Readable } from 'node:stream';
import { mcpServerCommand } from '../../mcp/launch';
import { archiveCommand, unarchiveCommand } from './archive';
import { askCommand } from './ask';
import { cancelCommand } from './cancel';
import { eventsCommand } from './events';
import { approveCommand, rejectCommand } from './gate';
import { logsCommand } from './logs';
import { pauseCommand } from './pause';
import { rerunCommand } from './rerun';
import { resumeCommand } from './resume';
import { retryCommand } from './retry';
import { runCommand } from './run';
import { runsCommand } from './runs';
import { showCommand } from './show';
import { templatesCommand } from './templates';
import { validateCommand } from './validate';
import { workerCommand } from './worker';

/** The CLI's view of its process, injectable for tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  stdin: Readable;
  /** Aborted on SIGINT/SIGTERM: long-running commands (worker, --follow) stop cleanly. */
  signal?: AbortSignal;
  /** The script this CLI runs from (set by bin.ts); lets agent steps start `baton mcp-server`. */
  entry?: string;
}

export interface CliCommand {
  /** One line for `baton --help`. */
  summary: string;
  /** Full usage of the command, printed on `--help` or a usage error. */
  help: string;
  /** Returns the exit code. Throws BatonError for expected failures. */
  run(args: string[], io: CliIO): Promise<number>;
}

export const commandTable: Record<string, CliCommand> = {
  run: runCommand,
  ask: askCommand,
  runs: runsCommand,
  show: showCommand,
  logs: logsCommand,
  events: eventsCommand,
  resume: resumeCommand,
  retry: retryCommand,
  rerun: rerunCommand,
  pause: pauseCommand,
  cancel: cancelCommand,
  archive: archiveCommand,
  unarchive: unarchiveCommand,
  approve: approveCommand,
  reject: rejectCommand,
  worker: workerCommand,
  validate: validateCommand,
  templates: templatesCommand,
  'mcp-server': mcpServerCommand,
};
