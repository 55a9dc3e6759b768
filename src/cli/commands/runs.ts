/** `baton runs`: the runs in the database, newest first. */
import { UsageError } from '../../core/errors';
import { RunStatus, type RunRecord } from '../../core/model';
import { parseCommandArgs } from '../args';
import { elapsed, formatTime, table } from '../format';
import { openStoreForReading } from '../runtime';
import type { CliCommand } from './index';

const STATUSES: readonly string[] = Object.values(RunStatus);

const help = `Usage: baton runs [--status <status>]… [--template <id>] [--archived] [--limit <n>] [--json] [--db <path>]

Lists runs, newest first. Archived runs (\`baton archive <run>\`, or Archive on the board) are
left out unless --archived is given.

Options:
  --status <s>     only runs with this status (repeatable): ${STATUSES.join(', ')}
  --template <id>  only runs of this template
  --archived       only archived runs
  --limit <n>      at most n runs (default 50)
  --json           print a JSON array of runs
  --db <path>      database file (default .baton/baton.db)`;

export const runsCommand: CliCommand = {
  summary: 'list runs (filter by status or template)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      status: { type: 'string', multiple: true },
      template: { type: 'string' },
      archived: { type: 'boolean', default: false },
      limit: { type: 'string', default: '50' },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const statuses = values.status ?? [];
    for (const s of statuses) {
      if (!STATUSES.includes(s)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}; got "${s}"`);
    }
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer; got "${values.limit}"`);

    const opened = openStoreForReading(io, values.db);
    let runs: RunRecord[] = [];
    if (opened) {
      try {
        runs = opened.store.listRuns({
          ...(statuses.length > 0 ? { status: statuses as RunStatus[] } : {}),
          ...(values.template ? { templateId: values.template } : {}),
          archived: values.archived,
          limit,
        });
      } finally {
        opened.close();
      }
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      io.stdout(values.archived ? 'no archived runs\n' : 'no runs\n');
      return 0;
    }
    const now = Date.now();
    io.stdout(
      table(
        ['RUN', 'TEMPLATE', 'STATUS', 'CREATED', 'TOOK', 'TRIGGER'],
        runs.map((r) => [r.id, r.templateId, r.status, formatTime(r.createdAt), elapsed(r.startedAt, r.finishedAt, now), r.trigger.kind]),
      ),
    );
    return 0;
  },
};
