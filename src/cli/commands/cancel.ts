/** `baton cancel <run>`: durably cancels a run; workers running its steps stop them. */
import { parseCommandArgs } from '../args';
import { currentUser } from '../runtime';
import { assertActionAllowed, expectPositionals, openRuntimeForRun } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton cancel <run> [--reason <text>] [--json] [--db <path>]

Cancels a run and its child runs. Steps running in any process are stopped (their process
trees killed) when their worker next renews its lease. A cancelled run can be resumed.

Options:
  --reason <text>  recorded with the cancellation
  --json           print the run as JSON
  --db <path>      database file (default .baton/baton.db)`;

export const cancelCommand: CliCommand = {
  summary: 'cancel a run (running steps are stopped)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { reason: { type: 'string' } });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const [runArg] = expectPositionals(positionals, ['<run>']) as [string];
    const { runtime, runId } = await openRuntimeForRun(io, values.db, runArg);
    try {
      assertActionAllowed(runtime.engine.getRun(runId).run, 'cancel');
      const by = currentUser(io);
      const run = runtime.engine.cancelRun(runId, { by, reason: values.reason ?? `cancelled by ${by}` });
      io.stdout(values.json ? `${JSON.stringify(run, null, 2)}\n` : `run ${run.id} is ${run.status}\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
