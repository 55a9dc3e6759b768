/**
 * Event triggers (`on.event: { type, if }`): tail the engine's event log and start a template
 * when another run's event matches, plus task ends reported by the host (VS Code tasks).
 * The `if` sees one context, `trigger` — the same object the started run gets as its payload:
 * `{ type, eventId, runId, stepId, at, event, run: {id, templateId, templateName, status, error, inputs}, task }`.
 * Loops are cut twice: a template never reacts to its own runs, nor to a run whose chain of
 * event-triggered ancestors already contains it. Each (event, trigger) is claimed once in the
 * database, so two windows tailing the same log start one run.
 */
import { EventFeed } from '../core/engine/eventFeed';
import { describeError } from '../core/errors';
import { evaluateFilter } from '../core/expressions';
import type { EventRecord, JsonValue, RunRecord } from '../core/model';
import { instantiate } from '../core/template/inputs';
import type { LoadedTemplate } from '../core/template/types';
import type { TaskEnd, TriggerHostPorts } from './ports';

/** Events read per query while catching up. */
const PAGE = 500;

/** What an event-triggered run gets as `trigger` (and what `on.event.if` is evaluated against). */
export interface EventTriggerPayload {
  [key: string]: JsonValue;
  type: string;
  /** Event log id; null for task ends. */
  eventId: number | null;
  runId: string | null;
  stepId: string | null;
  at: number;
  /** The event's own payload. */
  event: { [key: string]: JsonValue };
  /** The run the event belongs to (null for task ends). */
  run: { [key: string]: JsonValue } | null;
  /** For `task.*`: the task's name and exit code. */
  task: { name: string; exitCode: number | null } | null;
  /** Template ids of the event-triggered runs that led here, oldest first (loop guard). */
  chain: string[];
}

export class EventTriggers {
  /** The log from where tailing started (created at the first start or poll). */
  private feed: EventFeed | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;

  constructor(private readonly ports: TriggerHostPorts) {}

  /** The last event id looked at (events after it are handled by the next `poll`). */
  get position(): number | undefined {
    return this.feed?.position;
  }

  private tail(): EventFeed {
    return (this.feed ??= new EventFeed(this.ports.engine, this.ports.engine.maxEventId()));
  }

  /** Starts tailing from the current end of the log (events written while no host ran are not replayed). */
  start(pollMs = 500): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tail();
    const tick = () => {
      if (this.stopped) return;
      try {
        this.poll();
      } catch (error) {
        this.ports.logger.error(`event triggers: ${describeError(error)}`);
      }
      this.timer = setTimeout(tick, pollMs);
    };
    this.timer = setTimeout(tick, pollMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Reads the events since the last poll and starts the matching templates; returns the run ids started. */
  poll(): string[] {
    const feed = this.tail();
    const started: string[] = [];
    const listening = this.listeningTemplates();
    if (listening.length === 0) {
      // Nobody listens: skip the log cheaply instead of reading (and parsing) every event.
      feed.skipTo(this.ports.engine.maxEventId());
      return started;
    }
    for (let batch = feed.read(PAGE); batch; batch = batch.more ? feed.read(PAGE) : undefined) {
      for (const event of batch.events) {
        if (!listening.some((t) => t.definition.on.event.some((e) => e.type === event.type))) continue;
        started.push(...this.dispatch(this.payloadOf(event), listening));
      }
    }
    return started;
  }

  /** A host-side task ended: `task.failed` when the exit code is non-zero, else `task.succeeded`. */
  notifyTaskEnded(task: TaskEnd): string[] {
    const failed = task.exitCode !== undefined && task.exitCode !== 0;
    const payload: EventTriggerPayload = {
      type: failed ? 'task.failed' : 'task.succeeded',
      eventId: null,
      runId: null,
      stepId: null,
      at: this.ports.clock.now(),
      event: {},
      run: null,
      task: { name: task.name, exitCode: task.exitCode ?? null },
      chain: [],
    };
    return this.dispatch(payload, this.listeningTemplates());
  }

  private listeningTemplates(): LoadedTemplate[] {
    return this.ports.templates.list().filter((t) => t.definition.on.event.length > 0);
  }

  private payloadOf(event: EventRecord): EventTriggerPayload {
    let run: RunRecord | undefined;
    try {
      run = this.ports.engine.getRun(event.runId).run;
    } catch {
      run = undefined;
    }
    const parentChain = run?.trigger.kind === 'event' ? ((run.trigger.payload as Partial<EventTriggerPayload> | undefined)?.chain ?? []) : [];
    return {
      type: event.type,
      eventId: event.id,
      runId: event.runId,
      stepId: event.stepId,
      at: event.at,
      event: event.payload,
      run: run
        ? {
            id: run.id,
            templateId: run.templateId,
            templateName: run.templateName,
            status: run.status,
            error: run.error,
            inputs: run.inputs,
            triggerKind: run.trigger.kind,
          }
        : null,
      task: null,
      chain: run ? [...parentChain, run.templateId] : parentChain,
    };
  }

  private dispatch(payload: EventTriggerPayload, listening: readonly LoadedTemplate[]): string[] {
    const started: string[] = [];
    for (const template of listening) {
      const definition = template.definition;
      // Never react to its own runs, nor to a chain it is already part of (X -> Y -> X).
      if (payload.chain.includes(definition.id)) continue;
      definition.on.event.forEach((trigger, index) => {
        if (trigger.type !== payload.type) return;
        const claimId = `${payload.eventId === null ? `task:${payload.task?.name}:${payload.at}` : `event:${payload.eventId}`}#${definition.id}#${index}`;
        try {
          if (!evaluateFilter(trigger.if, { trigger: payload })) return;
        } catch (error) {
          this.ports.logger.error(`on.event[${index}].if of "${definition.id}" failed: ${describeError(error)}`);
          return;
        }
        const verdict = this.ports.trust();
        if (!verdict.trusted) {
          this.ports.logger.info(`event ${payload.type} did not start "${definition.id}": ${verdict.reason}`);
          return;
        }
        try {
          const inputs = instantiate(definition, {});
          const run = this.ports.store.transaction(() => {
            // Claimed in the delivery table so a second window tailing the same log does not start it again.
            const fresh = this.ports.store.recordWebhookDelivery({
              id: claimId,
              templateId: definition.id,
              receivedAt: this.ports.clock.now(),
              bodySha256: null,
              runId: null,
            });
            if (!fresh) return undefined;
            return this.ports.engine.startRun(definition, { inputs, trigger: { kind: 'event', payload } });
          });
          if (!run) return;
          started.push(run.id);
          this.ports.logger.info(`${payload.type} started run ${run.id} of "${definition.id}"`, { runId: run.id });
        } catch (error) {
          this.ports.logger.error(`event trigger of "${definition.id}" could not start a run: ${describeError(error)}`);
        }
      });
    }
    return started;
  }
}
