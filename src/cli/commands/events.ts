/** `baton events`: the append-only event log, optionally followed live. */
import { RunNotFoundError, UsageError } from '../../core/errors';
import { isRunFinished, type EventRecord } from '../../core/model';
import { parseCommandArgs } from '../args';
import { renderEvent } from '../format';
import { openStoreForReading } from '../runtime';
import { sleepUnlessAborted } from '../wait';
import { resolveRunId } from './control';
import type { CliCommand } from './index';

const POLL_MS = 200;

const help = `Usage: baton events [--run <run>] [--after <id>] [--limit <n>] [--follow] [--json] [--db <path>]

Prints the event log, oldest first. With --follow, keeps printing new events until
interrupted (Ctrl+C), or, with --run, until that run has finished.

Options:
  --run <run>   only events of this run
  --after <id>  only events with an id greater than this
  --limit <n>   without --follow: only the last n events (default 200)
  --follow      keep printing new events as they are written
  --json        one JSON object per line (NDJSON)
  --db <path>   database file (default .baton/baton.db)`;

export const eventsCommand: CliCommand = {
  summary: 'print the event log (--follow to watch it live)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      run: { type: 'string' },
      after: { type: 'string' },
      limit: { type: 'string', default: '200' },
      follow: { type: 'boolean', short: 'f', default: false },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer; got "${values.limit}"`);
    const after = values.after === undefined ? undefined : Number(values.after);
    if (after !== undefined && (!Number.isInteger(after) || after < 0)) {
      throw new UsageError(`--after must be an event id (a non-negative integer); got "${values.after}"`);
    }

    const print = (event: EventRecord) =>
      io.stdout(values.json ? `${JSON.stringify(event)}\n` : `${renderEvent(event, { withRun: values.run === undefined })}\n`);

    let opened = openStoreForReading(io, values.db);
    if (!opened && values.run !== undefined) throw new RunNotFoundError(values.run);
    if (!opened && !values.follow) return 0;
    try {
      // Following an empty workspace: wait for its database to appear.
      while (!opened) {
        if (!(await sleepUnlessAborted(POLL_MS, io.signal))) return 0;
        opened = openStoreForReading(io, values.db);
      }
      const { store } = opened;
      const runId = values.run === undefined ? undefined : resolveRunId(store, values.run);
      const query = runId === undefined ? {} : { runId };

      let cursor = after ?? 0;
      if (after === undefined && !values.follow) {
        if (values.run === undefined) {
          // Event ids are monotonic: the last `limit` events start about there.
          cursor = Math.max(0, store.maxEventId() - limit);
        } else {
          const last: EventRecord[] = [];
          for (let batch = store.listEvents(0, { ...query, limit: 1000 }); batch.length > 0; ) {
            last.push(...batch);
            if (last.length > limit) last.splice(0, last.length - limit);
            batch = batch.length < 1000 ? [] : store.listEvents(batch[batch.length - 1]!.id, { ...query, limit: 1000 });
          }
          for (const event of last) print(event);
          return 0;
        }
      }
      for (;;) {
        const batch = store.listEvents(cursor, { ...query, limit: 1000 });
        for (const event of batch) print(event);
        if (batch.length > 0) cursor = batch[batch.length - 1]!.id;
        if (batch.length === 1000) continue;
        if (!values.follow) return 0;
        if (runId !== undefined) {
          const run = store.getRun(runId);
          if (run && isRunFinished(run.status) && store.maxEventId() <= cursor) return 0;
        }
        if (!(await sleepUnlessAborted(POLL_MS, io.signal))) return 0;
      }
    } finally {
      opened?.close();
    }
  },
};
