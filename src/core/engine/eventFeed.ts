/**
 * The new events of one database, read once for everyone in a process who follows them. A
 * VS Code window's failure and gate notifications, its webview panels and its views all want
 * "what happened since I last looked"; with one feed per database the log is read once per
 * change, not once per consumer, and every consumer sees the same events in the same order.
 */
import type { EventRecord } from '../model';

/** Events read per query. */
const PAGE = 1000;

/** Consecutive events of the log: every event with `afterId < id <= lastId`, in id order. */
export interface EventBatch {
  readonly afterId: number;
  readonly lastId: number;
  readonly events: readonly EventRecord[];
  /** The read stopped at its limit: more events may follow (read again). */
  readonly more: boolean;
}

export interface EventLog {
  listEvents(afterId: number, query: { limit: number }): EventRecord[];
}

export class EventFeed {
  private cursor: number;

  /** Follows `log` from just after event `afterId` (what happened up to it is not delivered). */
  constructor(
    private readonly log: EventLog,
    afterId: number,
  ) {
    this.cursor = afterId;
  }

  /** The id of the last event read. */
  get position(): number {
    return this.cursor;
  }

  /** Moves the position forward to `id` without delivering the events up to it (nobody wants them). */
  skipTo(id: number): void {
    this.cursor = Math.max(this.cursor, id);
  }

  /**
   * Reads up to `limit` events after the position and moves past them; undefined when there is
   * nothing new. A batch with `more` was cut at `limit`: read again for the rest.
   */
  read(limit: number): EventBatch | undefined {
    const afterId = this.cursor;
    const events: EventRecord[] = [];
    let more = false;
    while (events.length < limit) {
      const want = Math.min(PAGE, limit - events.length);
      const page = this.log.listEvents(this.cursor, { limit: want });
      events.push(...page);
      if (page.length > 0) this.cursor = page[page.length - 1]!.id;
      if (page.length < want) break;
      more = events.length >= limit;
    }
    return events.length === 0 ? undefined : { afterId, lastId: this.cursor, events, more };
  }
}
