/**
 * The board's sync with the host, started when the bundle is evaluated rather than in an effect
 * after React's first render: the host reads its snapshot while the page mounts, and when the
 * reply is already here by the first render, the first frame holds the cards (issue #6). Change
 * notifications that arrive before the app listens are kept and handed over in order.
 */
import { BoardReady, DidChange, PROTOCOL_VERSION, type BoardSnapshot, type ChangeSet, type PanelContext, type RunSummary, type SyncReply } from '../../src/shared/protocol';
import { ipc, savedState } from '../shared/host';
import type { BoardFilters, Grouping } from './grouping';

/** The board's saved state (`getState`/`setState`), restored when a hidden panel comes back. */
export interface BoardState {
  context: PanelContext;
  lastEventId: number | null;
  grouping: Grouping;
  filters: BoardFilters;
  cachedRuns: RunSummary[] | null;
  focusedRunId: string | null;
}

/** What the host answered to `board/ready`, once it did. */
export type BoardFeedReply = SyncReply<BoardSnapshot>;

export interface BoardFeed {
  /** The saved state the request was built from (read once per page). */
  readonly initial: Partial<BoardState>;
  /** The `lastEventId` the ready request carried: null unless saved state holds the runs. */
  readonly requestedAfter: number | null;
  /** The reply if it has arrived, else undefined. */
  reply(): BoardFeedReply | undefined;
  /** Resolves with the reply (at once if it has arrived). */
  whenReplied(): Promise<BoardFeedReply>;
  /** Hands every change received so far, then each new one, to `listener`; returns the unsubscribe function. */
  listen(listener: (change: ChangeSet) => void): () => void;
}

function startBoardFeed(): BoardFeed {
  const initial = savedState<BoardState>();
  const requestedAfter = initial.cachedRuns ? (initial.lastEventId ?? null) : null;
  let buffered: ChangeSet[] | null = [];
  let listener: ((change: ChangeSet) => void) | null = null;
  ipc().on(DidChange, (change) => {
    if (listener) listener(change);
    else buffered?.push(change);
  });
  let arrived: BoardFeedReply | undefined;
  const replied = ipc()
    .request(BoardReady, { protocol: PROTOCOL_VERSION, lastEventId: requestedAfter })
    .then((reply) => (arrived = reply));
  return {
    initial,
    requestedAfter,
    reply: () => arrived,
    whenReplied: () => replied,
    listen(next) {
      listener = next;
      const pending = buffered ?? [];
      buffered = null;
      for (const change of pending) next(change);
      return () => {
        if (listener === next) listener = null;
      };
    },
  };
}

let feed: BoardFeed | undefined;
/** The page's one board feed; the first call sends the ready request. */
export function boardFeed(): BoardFeed {
  feed ??= startBoardFeed();
  return feed;
}
