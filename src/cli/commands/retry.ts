/** `baton retry <run> [--from <step>]`: reruns failed work, or everything from one step on. */
import { parseCommandArgs } from '../args';
import { currentUser } from '../runtime';
import { assertActionAllowed, detachOrFollow, expectPositionals, openRuntimeForRun, parseConcurrency } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton retry <run> [--from <step>] [--detach] [--concurrency <n>] [--json] [--db <path>]

Reopens a finished (or paused) run. With --from, that step and everything downstream of it
run again, while the steps upstream keep their outputs. Without --from, the failed and
cancelled steps (and what they blocked) run again. Then executes the run here, unless --detach.

Options:
  --from <step>      rerun from this step
  --detach           only reopen the run; a \`baton worker\` (or VS Code) executes it
  --concurrency <n>  steps run at once in this process (default 8)
  --json             print the final run and steps as JSON
  --db <path>        database file (default .baton/baton.db)

Exit codes: 0 the run succeeded, 1 it failed, was cancelled or paused, 130 interrupted.`;

export const retryCommand: CliCommand = {
  summary: 'rerun failed steps, or everything from one step (--from)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      from: { type: 'string' },
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
      assertActionAllowed(engine.getRun(runId).run, 'retry');
      engine.retryRun(runId, { by: currentUser(io), ...(values.from === undefined ? {} : { fromStep: values.from }) });
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
