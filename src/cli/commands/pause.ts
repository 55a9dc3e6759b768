/** `baton pause <run>`: running steps finish, nothing new starts until `baton resume`. */
import { parseCommandArgs } from '../args';
import { currentUser } from '../runtime';
import { assertActionAllowed, expectPositionals, openRuntimeForRun } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton pause <run> [--json] [--db <path>]

Pauses a run: steps already running finish, no new step starts. Continue with
\`baton resume <run>\`.

Options:
  --json       print the run as JSON
  --db <path>  database file (default .baton/baton.db)`;

export const pauseCommand: CliCommand = {
  summary: 'pause a run (running steps finish, nothing new starts)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {});
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const [runArg] = expectPositionals(positionals, ['<run>']) as [string];
    const { runtime, runId } = await openRuntimeForRun(io, values.db, runArg);
    try {
      assertActionAllowed(runtime.engine.getRun(runId).run, 'pause');
      const run = runtime.engine.pauseRun(runId, { by: currentUser(io) });
      const now = runtime.engine.store.getRun(runId) ?? run;
      io.stdout(values.json ? `${JSON.stringify(now, null, 2)}\n` : `run ${now.id} is ${now.status}; continue with: baton resume ${now.id}\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
