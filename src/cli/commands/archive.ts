/** `baton archive|unarchive <run>…`: hides finished runs from `baton runs` and the board (and back). */
import { UsageError } from '../../core/errors';
import { parseCommandArgs } from '../args';
import { currentUser } from '../runtime';
import { openRuntimeForRuns } from './control';
import type { CliCommand } from './index';

function helpFor(verb: 'archive' | 'unarchive'): string {
  return verb === 'archive'
    ? `Usage: baton archive <run>… [--json] [--db <path>]

Archives finished runs (succeeded, failed or cancelled): \`baton runs\` and the board in VS Code
hide them until asked for (\`baton runs --archived\`, \`@archived\` in the board's filter). Every
window sees it at once. A run that is not finished is refused (exit code 4) and none of the
given runs is archived. Resuming or retrying an archived run unarchives it.

Options:
  --json       print the runs as a JSON array
  --db <path>  database file (default .baton/baton.db)`
    : `Usage: baton unarchive <run>… [--json] [--db <path>]

Brings archived runs back into \`baton runs\` and the board.

Options:
  --json       print the runs as a JSON array
  --db <path>  database file (default .baton/baton.db)`;
}

function archiveCommandFor(verb: 'archive' | 'unarchive'): CliCommand {
  const help = helpFor(verb);
  return {
    summary: verb === 'archive' ? 'archive finished runs (hidden from `runs` and the board)' : 'bring archived runs back',
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, {});
      if (values.help) {
        io.stdout(`${help}\n`);
        return 0;
      }
      if (positionals.length === 0) throw new UsageError('missing <run>');
      const { runtime, runIds } = await openRuntimeForRuns(io, values.db, positionals);
      try {
        const { engine } = runtime;
        const by = currentUser(io);
        const changed = new Set(verb === 'archive' ? engine.archiveRuns(runIds, { by }) : engine.unarchiveRuns(runIds, { by }));
        const runs = runIds.map((id) => engine.getRun(id).run);
        if (values.json) {
          io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
          return 0;
        }
        for (const run of runs) {
          if (changed.has(run.id)) io.stdout(`run ${run.id} ${verb}d\n`);
          else io.stdout(`run ${run.id} ${verb === 'archive' ? 'was already archived' : 'was not archived'}\n`);
        }
        return 0;
      } finally {
        await runtime.close();
      }
    },
  };
}

export const archiveCommand = archiveCommandFor('archive');
export const unarchiveCommand = archiveCommandFor('unarchive');
