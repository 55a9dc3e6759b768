/**
 * The worker loop: claim ready steps under a lease, execute them, record results; fire due
 * timers (retry delays, gate timeouts) and take over steps whose worker died. Used in-process
 * by the VS Code extension and by `baton run` / `baton worker`; several workers (in several
 * processes) can share one database.
 */
import { BatonError, ErrorCode, LeaseLostError, describeError } from '../errors';
import type { Logger } from '../ports';
import type { ChainOptions, Engine, RecordOutcome, StepClaim } from './engine';

export interface WorkerOptions {
  /** Lease owner id (default `worker-<random>`); make it say which process it is. */
  owner?: string;
  /** Steps this worker runs at once (default 8). */
  maxConcurrency?: number;
  /** Steps of one template this worker runs at once (default: no extra limit). */
  maxPerTemplate?: number;
  /** How often an idle worker looks for work from other processes, in ms (default 100). */
  pollMs?: number;
  /** How often leases are renewed, in ms (default: a third of the engine's lease, at most 1000). */
  renewEveryMs?: number;
  logger?: Logger;
  /**
   * Only claim steps of these runs, asked before every claim (`baton run` following one run and
   * its child runs); default: any run. Timers and expired leases stay global: both only make
   * steps ready again, for whichever worker claims them.
   */
  runIds?: () => readonly string[];
}

export interface WorkerRunOptions {
  /** Stops the loop; running steps are aborted and handed back (ready again, attempt abandoned). */
  signal?: AbortSignal;
  /** Return as soon as nothing is running and nothing is claimable or due now. */
  untilIdle?: boolean;
  /** Return when this becomes true (checked every loop, e.g. "my run finished"). */
  until?: () => boolean;
}

export interface WorkerStats {
  /** Attempts this worker started. */
  started: number;
  succeeded: number;
  failed: number;
  retrying: number;
  waiting: number;
  /** Results rejected because the lease was lost (cancelled or taken over). */
  leaseLost: number;
  timersFired: number;
  leasesRecovered: number;
}

/** Loop errors in a row after which the worker gives up (rethrows). */
const MAX_CONSECUTIVE_LOOP_ERRORS = 20;

/** Thrown into executors' signals when the worker stops (not a step failure). */
export class WorkerStoppedError extends BatonError {
  constructor() {
    super(ErrorCode.StepCancelled, 'worker stopped', { retryable: true });
  }
}

export class Worker {
  readonly owner: string;
  private readonly maxConcurrency: number;
  private readonly maxPerTemplate: number;
  private readonly pollMs: number;
  private readonly renewEveryMs: number;
  private readonly logger: Logger | undefined;
  private readonly runIds: (() => readonly string[]) | undefined;

  constructor(
    private readonly engine: Engine,
    options: WorkerOptions = {},
  ) {
    this.owner = options.owner ?? `worker-${globalThis.crypto.randomUUID().slice(0, 8)}`;
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 8);
    this.maxPerTemplate = Math.max(1, options.maxPerTemplate ?? Number.POSITIVE_INFINITY);
    this.pollMs = options.pollMs ?? 100;
    this.logger = options.logger;
    this.runIds = options.runIds;
    this.renewEveryMs = options.renewEveryMs ?? Math.min(1000, Math.max(10, Math.floor(engine.leaseMs / 3)));
  }

  /** Runs until `signal` aborts, `until()` holds, or (with `untilIdle`) there is nothing to do now. */
  async run(options: WorkerRunOptions = {}): Promise<WorkerStats> {
    const stats: WorkerStats = {
      started: 0,
      succeeded: 0,
      failed: 0,
      retrying: 0,
      waiting: 0,
      leaseLost: 0,
      timersFired: 0,
      leasesRecovered: 0,
    };
    const inflight = new Map<number, { claim: StepClaim; controller: AbortController; done: Promise<void> }>();
    const perTemplate = new Map<string, number>();
    let wakeWaiter: (() => void) | null = null;
    let wakePending = false;
    const wake = () => {
      const waiter = wakeWaiter;
      wakeWaiter = null;
      if (waiter) waiter();
      else wakePending = true;
    };
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        if (wakePending || options.signal?.aborted) {
          wakePending = false;
          return resolve();
        }
        const timer = setTimeout(() => {
          wakeWaiter = null;
          resolve();
        }, ms);
        wakeWaiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    // A commit of this process may have made work claimable; with every slot busy there is
    // nothing to claim, and waking the loop per commit cost an iteration per step (slots claim
    // their next step themselves). `until` is re-checked on every change.
    const unsubscribe = this.engine.onChange(() => {
      if (options.until || inflight.size < this.maxConcurrency) wake();
    });
    options.signal?.addEventListener('abort', wake, { once: true });
    const renewTimer = setInterval(() => {
      for (const { claim, controller } of inflight.values()) {
        try {
          if (!this.engine.renewLease(claim)) controller.abort(new LeaseLostError(claim.row.id, claim.owner));
        } catch (error) {
          // A busy database is retried on the next tick; the lease has slack for that.
          this.logger?.warn('lease renewal failed', { error: describeError(error) });
        }
      }
    }, this.renewEveryMs);
    renewTimer.unref?.();

    const excludeFor = (finishedTemplateId: string) =>
      [...perTemplate]
        .filter(([id, count]) => (id === finishedTemplateId ? count - 1 : count) >= this.maxPerTemplate)
        .map(([id]) => id);
    const chain: ChainOptions = { owner: this.owner, excludeTemplateIds: excludeFor, ...(this.runIds ? { runIds: this.runIds } : {}) };
    /** Runs a claim in its own slot; a step claimed in the same commit as a result continues in that slot. */
    const startSlot = (first: StepClaim) => {
      const controller = new AbortController();
      const entry = { claim: first, controller, done: Promise.resolve() };
      perTemplate.set(first.templateId, (perTemplate.get(first.templateId) ?? 0) + 1);
      inflight.set(first.row.id, entry);
      entry.done = (async () => {
        let claim: StepClaim | undefined = first;
        while (claim) {
          const current: StepClaim = claim;
          claim = undefined;
          try {
            const chainNext = !options.signal?.aborted && !options.until?.() ? chain : undefined;
            const report = await this.engine.executeClaim(current, controller.signal, chainNext);
            stats[outcomeKey(report.outcome)]++;
            claim = report.next;
          } catch (error) {
            this.logger?.error('step execution crashed', { error: describeError(error) });
          }
          inflight.delete(current.row.id);
          const count = (perTemplate.get(current.templateId) ?? 1) - 1;
          if (count <= 0) perTemplate.delete(current.templateId);
          else perTemplate.set(current.templateId, count);
          if (claim) {
            stats.started++;
            entry.claim = claim;
            perTemplate.set(claim.templateId, (perTemplate.get(claim.templateId) ?? 0) + 1);
            inflight.set(claim.row.id, entry);
            if (controller.signal.aborted) {
              this.engine.releaseClaim(claim, 'worker stopped');
              break;
            }
          }
        }
        wake();
      })();
    };

    let lastMaintenance = -Infinity;
    let consecutiveErrors = 0;
    try {
      for (;;) {
        if (options.signal?.aborted || options.until?.()) break;
        let maintenance = 0;
        let claimed = 0;
        try {
          const realNow = performance.now();
          if (realNow - lastMaintenance >= this.pollMs || inflight.size === 0) {
            lastMaintenance = realNow;
            const fired = this.engine.fireDueTimers();
            const recovered = this.engine.recoverExpiredLeases();
            stats.timersFired += fired;
            stats.leasesRecovered += recovered;
            maintenance = fired + recovered;
          }
          while (inflight.size < this.maxConcurrency && !options.signal?.aborted) {
            const exclude = [...perTemplate].filter(([, count]) => count >= this.maxPerTemplate).map(([id]) => id);
            const claim = this.engine.claimNext(this.owner, exclude, this.runIds?.());
            if (!claim) break;
            claimed++;
            stats.started++;
            startSlot(claim);
          }
          consecutiveErrors = 0;
        } catch (error) {
          // A busy or briefly unavailable database must not kill the worker: log, back off, go on;
          // an error that persists is not transient and ends the loop.
          if (++consecutiveErrors >= MAX_CONSECUTIVE_LOOP_ERRORS) throw error;
          this.logger?.warn('worker loop error', { error: describeError(error) });
          await sleep(this.pollMs);
          continue;
        }
        if (inflight.size === 0 && claimed === 0 && maintenance === 0) {
          if (options.untilIdle) break;
          await sleep(this.pollMs);
        } else if (claimed === 0 || inflight.size >= this.maxConcurrency) {
          await sleep(this.pollMs);
        }
      }
    } finally {
      for (const { controller } of inflight.values()) controller.abort(new WorkerStoppedError());
      await Promise.all([...new Set(inflight.values())].map((entry) => entry.done));
      clearInterval(renewTimer);
      unsubscribe();
      await this.engine.files.flush?.();
      options.signal?.removeEventListener('abort', wake);
    }
    return stats;
  }

}

function outcomeKey(outcome: RecordOutcome): 'succeeded' | 'failed' | 'retrying' | 'waiting' | 'leaseLost' {
  return outcome === 'lease_lost' ? 'leaseLost' : outcome;
}
