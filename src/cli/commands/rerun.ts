/** `baton rerun <run>`: a new run of the same template snapshot with the same inputs. */
import { parseCommandArgs } from '../args';
import { detachOrFollow, expectPositionals, openRuntimeForRun, parseConcurrency } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton rerun <run> [--detach] [--concurrency <n>] [--json] [--db <path>]

Starts a new run of the template exactly as <run> ran it (its stored snapshot, not the
current file) with the same inputs, and executes it here unless --detach.

Options:
  --detach           print the new run id and return; a \`baton worker\` executes it
  --concurrency <n>  steps run at once in this process (default 8)
  --json             print the final run and steps (with --detach: the new run) as JSON
  --db <path>        database file (default .baton/baton.db)

Exit codes: 0 the new run succeeded, 1 it failed, was cancelled or paused, 130 interrupted.`;

export const rerunCommand: CliCommand = {
  summary: 'start a new run with the same template snapshot and inputs',
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
      const run = engine.rerun(runId);
      if (!values.detach && !values.json) io.stdout(`run ${run.id} (rerun of ${runId})\n`);
      return await detachOrFollow(runtime, io, run.id, {
        detach: values.detach,
        json: values.json,
        afterEventId,
        concurrency,
        detachedText: (created) => created.id,
      });
    } finally {
      await runtime.close();
    }
  },
};
