/** `baton worker`: executes ready steps and due timers of every run until stopped. */
import { parseCommandArgs } from '../args';
import { renderEvent } from '../format';
import { openRuntime } from '../runtime';
import { sleepUnlessAborted } from '../wait';
import { expectPositionals, parseConcurrency } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton worker [--concurrency <n>] [--quiet] [--json] [--db <path>]

Keeps executing ready steps, retry timers and gate timeouts of every run in the database
until interrupted (Ctrl+C / SIGTERM). Running steps are handed back when it stops, so another
worker continues them. Several workers (in several processes) can share one database.

Options:
  --concurrency <n>  steps run at once (default 8)
  --quiet            print nothing but errors
  --json             print events as NDJSON
  --db <path>        database file (default .baton/baton.db)`;

/** Events a worker's log shows: transitions, not output chunks. */
const SHOWN = new Set([
  'run.created',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'run.paused',
  'run.resumed',
  'step.started',
  'step.succeeded',
  'step.failed',
  'step.retrying',
  'step.skipped',
  'step.cancelled',
  'step.abandoned',
  'gate.requested',
  'gate.decided',
]);

export const workerCommand: CliCommand = {
  summary: 'execute ready work of every run until stopped',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      concurrency: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    expectPositionals(positionals, []);
    const concurrency = parseConcurrency(values.concurrency);
    const runtime = openRuntime(io, values.db);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const worker = runtime.newWorker(concurrency === undefined ? {} : { maxConcurrency: concurrency });
      if (!values.quiet && !values.json) io.stdout(`worker ${worker.owner} on ${runtime.dbPath}; Ctrl+C to stop\n`);
      let cursor = runtime.engine.maxEventId();
      const drain = () => {
        if (values.quiet) return;
        for (;;) {
          const events = runtime.engine.listEvents(cursor, { limit: 500 });
          for (const event of events) {
            cursor = event.id;
            if (values.json) io.stdout(`${JSON.stringify(event)}\n`);
            else if (SHOWN.has(event.type)) io.stdout(`${renderEvent(event, { withRun: true })}\n`);
          }
          if (events.length < 500) return;
        }
      };
      const printer = (async () => {
        do drain();
        while (await sleepUnlessAborted(200, stop.signal));
      })();
      const stats = await worker.run({ signal: stop.signal });
      stop.abort();
      await printer;
      // What the shutdown itself recorded (steps handed back).
      drain();
      if (!values.quiet && !values.json) {
        io.stdout(`worker stopped: ${stats.started} attempts started, ${stats.succeeded} succeeded, ${stats.failed} failed\n`);
      }
      return 0;
    } finally {
      io.signal?.removeEventListener('abort', onAbort);
      await runtime.close();
    }
  },
};
