/**
 * TriggerHost: owns the four trigger kinds for one workspace database and keeps them in step
 * with the template registry. VS Code and `baton worker` construct one with their ports; the
 * host never imports either.
 */
import { describeError } from '../core/errors';
import { EventTriggers } from './event';
import { FileTriggers } from './file';
import type { TaskEnd, TriggerHostPorts } from './ports';
import { ScheduleTriggers } from './schedule';
import { WEBHOOK_DELIVERY_RETENTION_MS, WebhookServer } from './webhook';

export interface TriggerHostOptions {
  /** Workspace folder: file globs are relative to it. */
  workspaceDir: string;
  /** Folders whose writes are Baton's own besides `<workspace>/.baton` (e.g. a moved database's folder). */
  ignoredDirs?: readonly string[];
  /** Webhook port on 127.0.0.1; undefined = no listener (the default), 0 = any free port. */
  webhookPort?: number;
  /** How often the event log is polled (default 500 ms). */
  eventPollMs?: number;
}

export class TriggerHost {
  readonly schedules: ScheduleTriggers;
  readonly files: FileTriggers;
  readonly events: EventTriggers;
  readonly webhooks: WebhookServer;
  private readonly disposables: Array<{ dispose(): void }> = [];
  private running = false;
  private stopped = false;

  constructor(
    private readonly ports: TriggerHostPorts,
    private readonly options: TriggerHostOptions,
  ) {
    this.schedules = new ScheduleTriggers(ports);
    this.files = new FileTriggers(ports, {
      workspaceDir: options.workspaceDir,
      ...(options.ignoredDirs ? { ignoredDirs: options.ignoredDirs } : {}),
    });
    this.events = new EventTriggers(ports);
    this.webhooks = new WebhookServer(ports);
  }

  /**
   * Starts every trigger; resolves once the webhook listener (if any) listens. Throws
   * WebhookListenError. A host that was stopped (even before it started) stays stopped.
   */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      // Webhook deliveries and event claims older than the retention are of no use any more.
      this.ports.store.pruneWebhookDeliveries(this.ports.clock.now() - WEBHOOK_DELIVERY_RETENTION_MS);
    } catch (error) {
      this.ports.logger.warn(`could not prune old trigger deliveries: ${describeError(error)}`);
    }
    this.files.sync();
    this.disposables.push(
      this.ports.templates.onDidChange(() => {
        try {
          this.files.sync();
          this.schedules.sync();
        } catch (error) {
          this.ports.logger.error(`triggers could not follow the template change: ${describeError(error)}`);
        }
      }),
    );
    if (this.ports.files) this.disposables.push(this.ports.files.onFileEvent((event) => this.files.handle(event)));
    this.schedules.start();
    this.events.start(this.options.eventPollMs);
    if (this.options.webhookPort !== undefined) {
      await this.webhooks.start({ port: this.options.webhookPort });
      // stop() ran while the listener was opening: it could not close what did not exist yet.
      if (this.stopped) await this.webhooks.stop();
    }
  }

  /** VS Code calls this from `tasks.onDidEndTaskProcess`; returns the runs started. */
  notifyTaskEnded(task: TaskEnd): string[] {
    return this.events.notifyTaskEnded(task);
  }

  /** Next scheduled run (ms since epoch) of a template, for the Templates view. */
  nextRunAt(templateId: string): number | undefined {
    return this.schedules.nextRunAt(templateId);
  }

  /** Stops every trigger and closes the webhook listener. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.running) return;
    this.running = false;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.files.dispose();
    this.events.stop();
    await Promise.all([this.schedules.stop(), this.webhooks.stop()]);
  }
}
