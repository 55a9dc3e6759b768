/** `baton resume <run>`: continues a paused, failed, cancelled or orphaned run here. */
import { RunStatus } from '../../core/model';
import { parseCommandArgs } from '../args';
import { currentUser } from '../runtime';
import { assertActionAllowed, detachOrFollow, expectPositionals, openRuntimeForRun, parseConcurrency } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton resume <run> [--detach] [--concurrency <n>] [--json] [--db <path>]

Continues a run where it stopped. A paused run goes on; a failed or cancelled run gets its
failed and cancelled steps (and what they blocked) back, while finished steps keep their
outputs and are not run again. A run left running by a process that died is picked up.
Then executes the run here, showing progress, unless --detach.

Options:
  --detach           only change the run's state; a \`baton worker\` (or VS Code) executes it
  --concurrency <n>  steps run at once in this process (default 8)
  --json             print the final run and steps as JSON
  --db <path>        database file (default .baton/baton.db)

Exit codes: 0 the run succeeded, 1 it failed, was cancelled or paused, 130 interrupted.`;

export const resumeCommand: CliCommand = {
  summary: 'continue a paused, failed or interrupted run (finished steps are kept)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      detach: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const [runArg] = expectPositionals(positionals, ['<run>']) as [string];
    const concurrency = parseConcurrency(values.concurrency);
    const { runtime, runId } = await openRuntimeForRun(io, values.db, runArg);
    try {
      const { engine } = runtime;
      const afterEventId = engine.maxEventId();
      const before = engine.getRun(runId).run;
      assertActionAllowed(before, 'resume');
      // A live run (its process died, or it waits for a worker) only needs executing; any other
      // state goes through the engine, which refuses a succeeded run.
      const live: readonly RunStatus[] = [RunStatus.Pending, RunStatus.Running, RunStatus.Waiting];
      if (!live.includes(before.status)) engine.resumeRun(runId, { by: currentUser(io) });
      return await detachOrFollow(runtime, io, runId, {
        detach: values.detach,
        json: values.json,
        afterEventId,
        concurrency,
        detachedText: (run) => `run ${run.id} is ${run.status}`,
      });
    } finally {
      await runtime.close();
    }
  },
};
