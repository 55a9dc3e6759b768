/**
 * Cron schedules (`on.schedule`). Each (template, schedule index) has a row in `schedules`
 * holding the last tick handled and the next one due. A tick is claimed with a compare-and-set
 * on `last_fired_at` inside the IMMEDIATE transaction that also starts its run, so two
 * processes on one database (two VS Code windows, a window and `baton worker`) fire it once.
 */
import { Cron } from 'croner';
import { describeError } from '../core/errors';
import { RunStatus, type JsonValue, type RunRecord } from '../core/model';
import { instantiate } from '../core/template/inputs';
import type { LoadedTemplate, ScheduleTrigger } from '../core/template/types';
import type { TriggerHostPorts } from './ports';

/** At most this many missed ticks are started by `catchup: all`; older ones are dropped. */
export const MAX_CATCHUP_RUNS = 100;
/**
 * A tick older than the host's start by more than this was missed while no host ran; `catchup:
 * none` drops those. Ticks that fall due while the host runs are never "missed".
 */
export const MISSED_GRACE_MS = 60_000;
/** The loop re-reads the table at least this often (another process may have changed it). */
const MAX_SLEEP_MS = 30_000;
/** How soon a held tick (queued behind an active run, or untrusted) is looked at again. */
const HELD_RETRY_MS = 1_000;

const ACTIVE_STATUSES = [RunStatus.Pending, RunStatus.Running, RunStatus.Waiting, RunStatus.Paused];

/** Row id of a template's n-th schedule. */
export function scheduleId(templateId: string, index: number): string {
  return `${templateId}#${index}`;
}

/** What one schedule did in one `fireDue` pass. */
export interface ScheduleFiring {
  scheduleId: string;
  templateId: string;
  /** Runs started, oldest tick first. */
  runIds: string[];
  /** Ticks handled without a run (catch-up policy, overlap skip, bad inputs). */
  skipped: number;
}

/** Payload of a scheduled run (`trigger.scheduledAt` etc. in expressions). */
export interface ScheduleTriggerPayload {
  scheduleId: string;
  cron: string;
  timezone: string | null;
  /** ISO time of the tick, and the same in ms. */
  scheduledAt: string;
  scheduledAtMs: number;
  /** True when the tick fell while no Baton process was running. */
  catchup: boolean;
}

interface BoundSchedule {
  id: string;
  template: LoadedTemplate;
  trigger: ScheduleTrigger;
  cron: Cron;
}

export class ScheduleTriggers {
  private bound = new Map<string, BoundSchedule>();
  private startedAt: number;
  private wake: AbortController | undefined;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private untrustedLogged = false;

  constructor(private readonly ports: TriggerHostPorts) {
    this.startedAt = ports.clock.now();
  }

  /** Registers the current templates' schedules; new or changed ones start counting from now. */
  sync(): void {
    const now = this.ports.clock.now();
    const bound = new Map<string, BoundSchedule>();
    for (const template of this.ports.templates.list()) {
      template.definition.on.schedule.forEach((trigger, index) => {
        const id = scheduleId(template.definition.id, index);
        try {
          const cron = new Cron(trigger.cron, { paused: true, ...(trigger.timezone ? { timezone: trigger.timezone } : {}) });
          // A bad timezone only shows when a time is computed: find out here, not inside a transaction.
          cron.nextRun(new Date(now));
          bound.set(id, { id, template, trigger, cron });
        } catch (error) {
          this.ports.logger.error(`schedule ${id} (cron "${trigger.cron}"${trigger.timezone ? `, timezone ${trigger.timezone}` : ''}) is ignored: ${describeError(error)}`, {
            scheduleId: id,
          });
        }
      });
    }
    this.ports.store.transaction(() => {
      const rows = new Map(this.ports.store.listSchedules().map((row) => [row.id, row]));
      for (const schedule of bound.values()) {
        const row = rows.get(schedule.id);
        const timezone = schedule.trigger.timezone ?? null;
        // Same cron on an enabled row: keep its history (that is what catch-up works from).
        if (row && row.enabled && row.cron === schedule.trigger.cron && row.timezone === timezone) {
          if (row.catchup !== schedule.trigger.catchup) {
            this.ports.store.upsertSchedule({ ...row, catchup: schedule.trigger.catchup, updatedAt: now });
          }
          continue;
        }
        this.ports.store.upsertSchedule({
          id: schedule.id,
          templateId: schedule.template.definition.id,
          cron: schedule.trigger.cron,
          timezone,
          catchup: schedule.trigger.catchup,
          enabled: true,
          lastFiredAt: null,
          nextFireAt: nextAfter(schedule.cron, now),
          updatedAt: now,
        });
      }
      // A schedule gone from the templates stops (disabled, not deleted: another process may still
      // know it and re-enables it); a re-enabled or changed schedule starts afresh from now.
      for (const row of rows.values()) {
        if (!bound.has(row.id) && row.enabled) this.ports.store.upsertSchedule({ ...row, enabled: false, updatedAt: now });
      }
    });
    this.bound = bound;
    this.wake?.abort();
  }

  /** Next tick (ms) of each template that has a schedule, for the Templates view. */
  nextRunTimes(): Map<string, number> {
    const next = new Map<string, number>();
    for (const row of this.ports.store.listSchedules()) {
      if (!row.enabled || row.nextFireAt === null) continue;
      const known = next.get(row.templateId);
      if (known === undefined || row.nextFireAt < known) next.set(row.templateId, row.nextFireAt);
    }
    return next;
  }

  /** Next tick (ms) of one template, or undefined when it has no schedule. */
  nextRunAt(templateId: string): number | undefined {
    return this.nextRunTimes().get(templateId);
  }

  /** Starts the runs of every due tick (per catch-up and overlap policy). Safe to call any time. */
  fireDue(): ScheduleFiring[] {
    const verdict = this.ports.trust();
    if (!verdict.trusted) {
      // Leave the ticks unclaimed: a trusted window on the same database fires them.
      if (!this.untrustedLogged) this.ports.logger.info(`schedules paused: ${verdict.reason}`);
      this.untrustedLogged = true;
      return [];
    }
    this.untrustedLogged = false;
    const now = this.ports.clock.now();
    const firings: ScheduleFiring[] = [];
    const rows = this.ports.store.listSchedules();
    const enabled = new Set(rows.filter((row) => row.enabled).map((row) => row.id));
    // Another process that does not know a template disabled (or lost) its row: this one knows it.
    if ([...this.bound.keys()].some((id) => !enabled.has(id))) {
      this.sync();
      return firings;
    }
    for (const row of rows) {
      if (!row.enabled || row.nextFireAt === null || row.nextFireAt > now) continue;
      const schedule = this.bound.get(row.id);
      if (!schedule) continue;
      try {
        const firing = this.fireSchedule(schedule, now);
        if (firing) firings.push(firing);
      } catch (error) {
        this.ports.logger.error(`schedule ${row.id} could not start its run: ${describeError(error)}`, { scheduleId: row.id });
      }
    }
    return firings;
  }

  private fireSchedule(schedule: BoundSchedule, now: number): ScheduleFiring | undefined {
    const definition = schedule.template.definition;
    let inputs: Record<string, JsonValue> | undefined;
    try {
      inputs = instantiate(definition, {});
    } catch (error) {
      this.ports.logger.error(`scheduled template "${definition.id}" cannot start without inputs: ${describeError(error)}`);
    }
    const { store } = this.ports;
    // engine.startRun joins this transaction (same store), so the claim and its run commit together.
    return store.transaction((): ScheduleFiring | undefined => {
      // Re-read under the write lock: another process may have claimed these ticks.
      const row = store.listSchedules().find((r) => r.id === schedule.id);
      if (!row || !row.enabled || row.nextFireAt === null || row.nextFireAt > now) return undefined;
      const due = ticksBetween(schedule.cron, row.nextFireAt, now);
      if (due.length === 0) return undefined;
      const missedBefore = this.startedAt - MISSED_GRACE_MS;
      let picked: number[];
      switch (schedule.trigger.catchup) {
        case 'none':
          picked = due.filter((t) => t >= missedBefore).slice(-1);
          break;
        case 'latest':
          picked = due.slice(-1);
          break;
        case 'all':
          picked = due.slice(-MAX_CATCHUP_RUNS);
          break;
      }
      let toStart = picked;
      let lastHandled = due[due.length - 1]!;
      const active = this.activeRuns(definition.id, schedule.id).length > 0;
      if (schedule.trigger.overlap !== 'allow' && picked.length > 0) {
        if (schedule.trigger.overlap === 'queue') {
          // The tick waits (unclaimed) until the schedule's previous run ends; one per pass.
          if (active) return undefined;
          toStart = picked.slice(0, 1);
          lastHandled = toStart[0]!;
          if (picked.length > 1) {
            // Keep the later picked ticks due: claim only up to the one started.
            const nextFireAt = picked[1]!;
            if (!store.markScheduleFired(schedule.id, lastHandled, nextFireAt, row.lastFiredAt)) return undefined;
            return this.startTicks(schedule, toStart, inputs, due.length - picked.length, missedBefore);
          }
        } else {
          toStart = active ? [] : picked.slice(-1);
        }
      }
      const nextFireAt = nextAfter(schedule.cron, Math.max(now, lastHandled));
      if (!store.markScheduleFired(schedule.id, lastHandled, nextFireAt, row.lastFiredAt)) return undefined;
      return this.startTicks(schedule, toStart, inputs, due.length - toStart.length, missedBefore);
    });
  }

  private startTicks(
    schedule: BoundSchedule,
    ticks: number[],
    inputs: Record<string, JsonValue> | undefined,
    skipped: number,
    missedBefore: number,
  ): ScheduleFiring {
    const definition = schedule.template.definition;
    const runIds: string[] = [];
    if (inputs === undefined) return { scheduleId: schedule.id, templateId: definition.id, runIds, skipped: skipped + ticks.length };
    for (const tick of ticks) {
      const payload: ScheduleTriggerPayload = {
        scheduleId: schedule.id,
        cron: schedule.trigger.cron,
        timezone: schedule.trigger.timezone ?? null,
        scheduledAt: new Date(tick).toISOString(),
        scheduledAtMs: tick,
        catchup: tick < missedBefore,
      };
      const run = this.ports.engine.startRun(definition, { inputs, trigger: { kind: 'schedule', payload } });
      runIds.push(run.id);
      this.ports.logger.info(`schedule ${schedule.id} started run ${run.id} for ${payload.scheduledAt}`, { runId: run.id });
    }
    return { scheduleId: schedule.id, templateId: definition.id, runIds, skipped };
  }

  /** Unfinished runs this schedule started. */
  private activeRuns(templateId: string, id: string): RunRecord[] {
    return this.ports.engine
      .listRuns({ templateId, status: ACTIVE_STATUSES, limit: 1000 })
      .filter((run) => run.trigger.kind === 'schedule' && (run.trigger.payload as Partial<ScheduleTriggerPayload> | undefined)?.scheduleId === id);
  }

  /** Syncs and fires due ticks until `stop()`; waits until the next tick (re-checking at least every 30 s). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.startedAt = this.ports.clock.now();
    this.sync();
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          this.fireDue();
        } catch (error) {
          this.ports.logger.error(`schedules: ${describeError(error)}`);
        }
        const now = this.ports.clock.now();
        const due = [...this.nextRunTimes().values()];
        const next = due.length > 0 ? Math.min(...due) : now + MAX_SLEEP_MS;
        // A tick still due after a pass is held (overlap queue, untrusted): look again later, not in a spin.
        const delay = next > now ? next - now + 5 : HELD_RETRY_MS;
        this.wake = new AbortController();
        await this.ports.clock.sleep(Math.min(delay, MAX_SLEEP_MS), this.wake.signal);
      }
    })();
  }

  /** Stops the loop. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.abort();
    await this.loop;
    this.loop = undefined;
  }
}

/** The first tick strictly after `ms`, or null when the cron never fires again. */
function nextAfter(cron: Cron, ms: number): number | null {
  return cron.nextRun(new Date(ms))?.getTime() ?? null;
}

/**
 * Ticks in [from, to], oldest first: at most MAX_CATCHUP_RUNS + 1 of the newest, found
 * backwards from `to` so a long downtime of a per-second cron costs nothing.
 */
function ticksBetween(cron: Cron, from: number, to: number): number[] {
  return cron
    .previousRuns(MAX_CATCHUP_RUNS + 1, new Date(to + 1))
    .map((date) => date.getTime())
    .filter((t) => t >= from && t <= to)
    .reverse();
}
