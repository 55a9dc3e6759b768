/** `baton worker`: executes ready steps and due timers of every run until stopped. */
import { dirname } from 'node:path';
import { systemClock } from '../../core/engine';
import { describeError, UsageError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { NodeFileEventSource, TriggerHost } from '../../triggers';
import { parseCommandArgs } from '../args';
import { renderEvent } from '../format';
import { cliTemplateRegistry, openRuntime, type CliRuntime } from '../runtime';
import type { CliIO } from './index';
import { sleepUnlessAborted } from '../wait';
import { expectPositionals, parseConcurrency } from './control';
import type { CliCommand } from './index';

const help = `Usage: baton worker [--concurrency <n>] [--triggers] [--webhook-port <n>] [--quiet] [--json] [--db <path>]

Keeps executing ready steps, retry timers and gate timeouts of every run in the database
until interrupted (Ctrl+C / SIGTERM). Running steps are handed back when it stops, so another
worker continues them. Several workers (in several processes) can share one database.

Options:
  --concurrency <n>  steps run at once (default 8)
  --triggers         also start templates by their on.schedule, on.file (files of the
                     workspace), and on.event triggers; templates are read once at start
  --webhook-port <n> also listen on 127.0.0.1:<n> for POST /hooks/<template-id> (implies
                     --triggers; 0 picks a free port); the HMAC secret of template <id> is
                     $BATON_SECRET_WEBHOOK_<ID> (upper case, non-alphanumerics as _)
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
      triggers: { type: 'boolean', default: false },
      'webhook-port': { type: 'string' },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    expectPositionals(positionals, []);
    const concurrency = parseConcurrency(values.concurrency);
    const webhookPort = parseWebhookPort(values['webhook-port']);
    const runtime = openRuntime(io, values.db);
    let triggers: TriggerHost | undefined;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const worker = runtime.newWorker(concurrency === undefined ? {} : { maxConcurrency: concurrency });
      if (values.triggers || webhookPort !== undefined) {
        triggers = await startTriggers(io, runtime, webhookPort, values.quiet || values.json);
        if (!values.quiet && !values.json && triggers.webhooks.port !== undefined) {
          io.stdout(`webhooks on http://127.0.0.1:${triggers.webhooks.port}/hooks/<template-id>\n`);
        }
      }
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
      await triggers?.stop();
      await runtime.close();
    }
  },
};

function parseWebhookPort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--webhook-port must be a port number (0-65535), got "${text}"`);
  return port;
}

/** `webhook:<id>` -> `$BATON_SECRET_WEBHOOK_<ID>`: names a shell can export. */
function envSecretName(name: string): string {
  return `BATON_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The CLI's trigger host: always trusted, secrets from the environment, files from node:fs watch. */
async function startTriggers(io: CliIO, runtime: CliRuntime, webhookPort: number | undefined, quiet: boolean): Promise<TriggerHost> {
  const registry = cliTemplateRegistry(io, runtime.workspaceDir);
  await registry.ready();
  const line = (stream: 'stdout' | 'stderr', shown: boolean) => (message: string) => {
    if (shown) io[stream](`trigger: ${message}\n`);
  };
  const logger: Logger = { debug: () => {}, info: line('stdout', !quiet), warn: line('stderr', true), error: line('stderr', true) };
  const host = new TriggerHost(
    {
      templates: registry,
      engine: runtime.engine,
      store: runtime.opened.store,
      clock: systemClock,
      logger,
      trust: () => ({ trusted: true }),
      secrets: { get: async (name) => io.env[envSecretName(name)] ?? io.env[`BATON_SECRET_${name}`] },
      files: new NodeFileEventSource(runtime.workspaceDir),
    },
    { workspaceDir: runtime.workspaceDir, ignoredDirs: [dirname(runtime.dbPath)], ...(webhookPort === undefined ? {} : { webhookPort }) },
  );
  try {
    await host.start();
  } catch (error) {
    await host.stop();
    throw new UsageError(describeError(error));
  }
  return host;
}
