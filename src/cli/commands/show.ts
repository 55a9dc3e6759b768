/** `baton show <run>`: one run with its steps, gates and (with --json) attempts. */
import { RunNotFoundError, UsageError } from '../../core/errors';
import { parseCommandArgs } from '../args';
import { renderRun } from '../format';
import { openStoreForReading } from '../runtime';
import { resolveRunId } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton show <run> [--json] [--db <path>]

Shows a run: status, inputs, every step (foreach items indented) and its gates.

Options:
  --json       print {run, steps, attempts, gates, comments, artifacts} as JSON
  --db <path>  database file (default .baton/baton.db)`;

export const showCommand: CliCommand = {
  summary: 'show one run with its steps and gates',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {});
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const [runArg, extra] = positionals;
    if (runArg === undefined) throw new UsageError('missing <run>');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);

    const opened = openStoreForReading(io, values.db);
    if (!opened) throw new RunNotFoundError(runArg);
    try {
      const { store } = opened;
      const runId = resolveRunId(store, runArg);
      const run = store.getRun(runId);
      if (!run) throw new RunNotFoundError(runId);
      const steps = store.listSteps(runId);
      const gates = store.listGates(runId);
      if (values.json) {
        const attempts = steps.flatMap((s) => store.listAttempts(s.id));
        const comments = store.listComments(runId);
        const artifacts = store.listArtifacts(runId);
        io.stdout(`${JSON.stringify({ run, steps, attempts, gates, comments, artifacts }, null, 2)}\n`);
      } else {
        io.stdout(renderRun(run, steps, gates, Date.now()));
      }
      return 0;
    } finally {
      opened.close();
    }
  },
};
