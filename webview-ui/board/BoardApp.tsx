/**
 * Runs board: runs grouped by status (default), phase or template, live from the host's change
 * notifications; "Waiting on you" cards carry Approve / Reject. Columns are virtualized so a
 * board with thousands of runs keeps a few dozen cards in the DOM.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ArchiveFinished, DecideGate, OpenGate, OpenRun, RunAction, type ChangeSet, type GateSummary, type RunActionKind, type RunSummary } from '../../src/shared/protocol';
import { ConfirmDialog } from '../shared/ConfirmDialog';
import { ContextMenu, type MenuItem } from '../shared/ContextMenu';
import { elapsed, formatCost, slug } from '../shared/format';
import { afterNextPaint, createFrameCoalescer, ipc, panelContext, saveState } from '../shared/host';
import { Badge, Button, Checkbox, Loading, Select, TextField } from '../shared/nativeControls';
import { announce } from '../shared/liveRegion';
import { Icon, StatusBadge, statusLook } from '../shared/status';
import { boardFeed, type BoardFeedReply } from './feed';
import { ESTIMATED_CARD_PX, columnsInFirstFrame, initialColumnRect, measureCardFromObserver, observeScrollerRect, scrollColumnTo } from './columnLayout';
import { filterRuns, groupRuns, isWaitingOnMe, type BoardFilters, type Column, type Grouping } from './grouping';

/** Cards each column renders above and below the visible ones, so scrolling shows no gaps. */
const CARD_OVERSCAN = 3;

/** Above this many runs the board does not cache them in its saved state (it asks for a snapshot). */
const MAX_CACHED_RUNS = 500;

const GROUPING_OPTIONS = [
  { value: 'status', label: 'Status' },
  { value: 'phase', label: 'Phase' },
  { value: 'template', label: 'Template' },
];

const EMPTY_FILTERS: BoardFilters = { text: '', templateId: '', waitingOnMe: false, failedOnly: false };

function runsById(runs: readonly RunSummary[]): Map<string, RunSummary> {
  return new Map(runs.map((r) => [r.id, r]));
}

export function BoardApp() {
  const feed = boardFeed();
  const initial = feed.initial;
  const context = useMemo(() => panelContext('board'), []);
  // A snapshot that came before the first render is the first render's data (one frame, not two).
  const early = useMemo(() => feed.reply(), [feed]);
  const [runs, setRuns] = useState<Map<string, RunSummary>>(() =>
    early?.kind === 'snapshot' ? runsById(early.snapshot.runs) : runsById(initial.cachedRuns ?? []),
  );
  const [lastEventId, setLastEventId] = useState<number | null>(early?.kind === 'snapshot' ? early.snapshot.lastEventId : feed.requestedAfter);
  const [loaded, setLoaded] = useState(early?.kind === 'snapshot');
  const [grouping, setGrouping] = useState<Grouping>(initial.grouping ?? 'status');
  const [filters, setFilters] = useState<BoardFilters>({ ...EMPTY_FILTERS, ...initial.filters });
  const [menu, setMenu] = useState<{ run: RunSummary; x: number; y: number } | null>(null);
  const [confirm, setConfirm] = useState<{ kind: 'cancel'; run: RunSummary } | { kind: 'reject'; run: RunSummary; gate: GateSummary } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const focusedRunId = useRef<string | null>(initial.focusedRunId ?? null);
  const lastEventRef = useRef(lastEventId);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);

  const applyChanges = useCallback((batch: ChangeSet[]) => {
    setRuns((prev) => {
      const next = new Map(prev);
      for (const change of batch) {
        for (const r of change.runs ?? []) {
          const before = next.get(r.id);
          if (before && before.revision > r.revision) continue;
          next.set(r.id, r);
          if (before && before.status !== r.status) announce(`Run ${r.templateName} ${r.id}: ${statusLook(r.stale ? 'stale' : r.status).label}`);
          else if (!before) announce(`New run ${r.templateName} ${r.id}: ${statusLook(r.status).label}`);
        }
        for (const id of change.removedRunIds ?? []) next.delete(id);
      }
      return next;
    });
    const newest = Math.max(lastEventRef.current ?? 0, ...batch.map((c) => c.lastEventId));
    lastEventRef.current = newest;
    setLastEventId(newest);
  }, []);

  // A layout effect, not a passive one: preact runs passive effects only after the next frame, and
  // a reply that lands before then would wait a frame, and a timer, before the cards render.
  useLayoutEffect(() => {
    const push = createFrameCoalescer<ChangeSet>(applyChanges);
    let live = true;
    const apply = (reply: BoardFeedReply) => {
      if (!live) return;
      if (reply.kind === 'snapshot') {
        setRuns(runsById(reply.snapshot.runs));
        lastEventRef.current = reply.snapshot.lastEventId;
        setLastEventId(reply.snapshot.lastEventId);
      } else {
        push(reply.changes);
      }
      setLoaded(true);
    };
    // The early snapshot is already in state; a replay still goes through applyChanges.
    if (early?.kind !== 'snapshot') void feed.whenReplied().then(apply);
    const off = feed.listen(push);
    return () => {
      live = false;
      off();
    };
  }, [applyChanges, feed, early]);

  useEffect(() => {
    const cachedRuns = runs.size <= MAX_CACHED_RUNS ? [...runs.values()] : null;
    saveState({ context, lastEventId: cachedRuns ? lastEventId : null, grouping, filters, cachedRuns, focusedRunId: focusedRunId.current });
  }, [context, runs, lastEventId, grouping, filters]);

  const visible = useMemo(() => filterRuns(runs.values(), filters), [runs, filters]);
  const columns = useMemo(() => groupRuns(visible, grouping), [visible, grouping]);
  const templates = useMemo(() => {
    const m = new Map<string, string>();
    for (const r of runs.values()) m.set(r.templateId, r.templateName);
    return [...m].sort((a, b) => a[1].localeCompare(b[1]));
  }, [runs]);
  const finishedCount = useMemo(() => [...runs.values()].filter((r) => !r.archived && ['succeeded', 'failed', 'cancelled'].includes(r.status)).length, [runs]);

  const act = useCallback((run: RunSummary, action: RunActionKind) => {
    if (action === 'cancel') {
      setConfirm({ kind: 'cancel', run });
      return;
    }
    ipc().command(RunAction, { runId: run.id, action, stepId: null });
    announce(`${action} requested for run ${run.id}`);
  }, []);

  const decide = useCallback(async (run: RunSummary, gate: GateSummary, decision: 'approved' | 'rejected', comment: string) => {
    if (decision === 'approved' && gate.needsForm) {
      ipc().command(OpenGate, { gateId: gate.id });
      return;
    }
    const reply = await ipc().request(DecideGate, { gateId: gate.id, decision, comment, formInputs: {} });
    if (reply.ok) announce(`Gate ${gate.stepId}${gate.itemKey ? ` [${gate.itemKey}]` : ''} ${decision} for run ${run.id}`);
    else announce(`Could not decide: ${reply.message}`);
  }, []);

  const menuItems = (run: RunSummary): MenuItem[] => {
    const items: MenuItem[] = [{ id: 'open', label: 'Open run', icon: 'go-to-file', onSelect: () => ipc().command(OpenRun, { runId: run.id, stepId: null }) }];
    for (const g of run.waitingGates.filter((x) => x.canDecide)) {
      const suffix = g.itemKey ? ` [${g.itemKey}]` : '';
      items.push({ id: `approve-${g.id}`, label: `Approve ${g.stepId}${suffix}`, icon: 'check', onSelect: () => void decide(run, g, 'approved', '') });
      items.push({ id: `reject-${g.id}`, label: `Reject ${g.stepId}${suffix}…`, icon: 'close', onSelect: () => setConfirm({ kind: 'reject', run, gate: g }) });
      items.push({ id: `review-${g.id}`, label: `Review gate ${g.stepId}${suffix}`, icon: 'shield', onSelect: () => ipc().command(OpenGate, { gateId: g.id }) });
    }
    const finished = ['succeeded', 'failed', 'cancelled'].includes(run.status);
    if (!finished) {
      if (run.status === 'paused') items.push({ id: 'resume', label: 'Resume', icon: 'debug-continue', onSelect: () => act(run, 'resume') });
      else items.push({ id: 'pause', label: 'Pause', icon: 'debug-pause', onSelect: () => act(run, 'pause') });
      items.push({ id: 'cancel', label: 'Cancel…', icon: 'debug-stop', onSelect: () => act(run, 'cancel') });
    }
    if (run.status === 'failed') items.push({ id: 'retry-failed', label: 'Retry failed steps', icon: 'debug-restart', onSelect: () => act(run, 'retry-failed') });
    if (finished) items.push({ id: 'rerun', label: 'Rerun with same inputs', icon: 'refresh', onSelect: () => act(run, 'rerun') });
    if (finished) items.push(run.archived ? { id: 'unarchive', label: 'Unarchive', icon: 'inbox', onSelect: () => act(run, 'unarchive') } : { id: 'archive', label: 'Archive', icon: 'archive', onSelect: () => act(run, 'archive') });
    return items;
  };

  const focusCard = useCallback((runId: string) => {
    focusedRunId.current = runId;
  }, []);

  // Keyboard movement between cards: arrows within a column and across columns.
  const columnRefs = useRef(new Map<string, { scrollTo: (index: number) => void }>());
  const moveFocus = useCallback(
    (columnIndex: number, index: number, direction: -1 | 0 | 1) => {
      // Left/right skip empty columns.
      let ci = columnIndex;
      while (direction !== 0 && columns[ci] && columns[ci]!.runs.length === 0) ci += direction;
      const col = columns[ci];
      if (!col || col.runs.length === 0) return;
      const target = Math.max(0, Math.min(index, col.runs.length - 1));
      const run = col.runs[target]!;
      columnRefs.current.get(col.key)?.scrollTo(target);
      const tryFocus = (attempts: number) => {
        const el = document.querySelector<HTMLElement>(`[data-testid="board-card-${CSS.escape(slug(run.id))}"]`);
        if (el) el.focus();
        else if (attempts > 0) requestAnimationFrame(() => tryFocus(attempts - 1));
      };
      tryFocus(10);
    },
    [columns],
  );

  // The first frame with columns renders only what it shows: the columns the window holds, and in
  // them no cards beyond the fold (overscan). The rest comes right after that frame is painted.
  const columnsShown = loaded || runs.size > 0;
  const [firstFrame, setFirstFrame] = useState(true);
  const firstFrameColumns = useMemo(columnsInFirstFrame, []);
  useEffect(() => {
    if (!columnsShown || !firstFrame) return;
    return afterNextPaint(() => setFirstFrame(false));
  }, [columnsShown, firstFrame]);

  const total = runs.size;
  return (
    <div className="board">
      <header className="panel-header board-header">
        <div className="row">
          <h1 id="board-title">Runs</h1>
          <span className="muted" data-testid="board-total">
            {visible.length} shown of {total}
          </span>
          <span className="spacer" />
          <label htmlFor="board-grouping">Group by</label>
          <Select
            testId="board-grouping"
            id="board-grouping"
            label="Group by"
            className="board-grouping"
            value={grouping}
            options={GROUPING_OPTIONS}
            onValue={(v) => setGrouping(v as Grouping)}
          />
          <Button testId="board-archive-finished" secondary icon="archive" disabled={finishedCount === 0} onClick={() => ipc().command(ArchiveFinished, {})}>
            Archive finished ({finishedCount})
          </Button>
        </div>
        <div className="row" role="search">
          <TextField
            testId="board-filter"
            id="board-filter"
            type="search"
            className="grow"
            label="Filter runs"
            placeholder="Filter runs (text, or @archived for archived runs)"
            value={filters.text}
            onValue={(text) => setFilters((f) => ({ ...f, text }))}
          />
          <Select
            testId="board-template-filter"
            id="board-template"
            label="Template"
            className="board-template-filter"
            value={filters.templateId}
            options={[{ value: '', label: 'All templates' }, ...templates.map(([value, label]) => ({ value, label }))]}
            onValue={(templateId) => setFilters((f) => ({ ...f, templateId }))}
          />
          <Checkbox testId="board-filter-waiting" checked={filters.waitingOnMe} onChecked={(waitingOnMe) => setFilters((f) => ({ ...f, waitingOnMe }))}>
            Waiting on me
          </Checkbox>
          <Checkbox testId="board-filter-failed" checked={filters.failedOnly} onChecked={(failedOnly) => setFilters((f) => ({ ...f, failedOnly }))}>
            Failed only
          </Checkbox>
        </div>
      </header>
      {!loaded && runs.size === 0 && <Loading text="Loading runs…" testId="board-loading" />}
      {/* Empty columns saying "No runs" before the first snapshot would be a lie; restored runs show at once. */}
      {columnsShown && (
        <div className="board-columns" aria-labelledby="board-title">
          {columns.map((col, ci) => (
            <BoardColumn
              key={col.key}
              column={col}
              columnIndex={ci}
              cardsDeferred={firstFrame && ci >= firstFrameColumns}
              overscan={firstFrame ? 0 : CARD_OVERSCAN}
              now={now}
              register={(api) => {
                if (api) columnRefs.current.set(col.key, api);
                else columnRefs.current.delete(col.key);
              }}
              onMove={moveFocus}
              onFocusCard={focusCard}
              onMenu={(run, x, y) => setMenu({ run, x, y })}
              onDecide={(run, gate, decision) => (decision === 'rejected' ? setConfirm({ kind: 'reject', run, gate }) : void decide(run, gate, 'approved', ''))}
            />
          ))}
        </div>
      )}
      {menu && (
        <ContextMenu
          items={menuItems(menu.run)}
          x={menu.x}
          y={menu.y}
          label={`Actions for run ${menu.run.id}`}
          testId="board-menu"
          onClose={() => {
            const id = menu.run.id;
            setMenu(null);
            document.querySelector<HTMLElement>(`[data-testid="board-card-${CSS.escape(slug(id))}"]`)?.focus();
          }}
        />
      )}
      {confirm?.kind === 'cancel' && (
        <ConfirmDialog
          title="Cancel this run?"
          body={`Run ${confirm.run.id} of ${confirm.run.templateName} stops; running steps are killed. This cannot be undone (you can rerun it).`}
          confirmLabel="Cancel run"
          testId="board-confirm-cancel"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            ipc().command(RunAction, { runId: confirm.run.id, action: 'cancel', stepId: null });
            announce(`Cancel requested for run ${confirm.run.id}`);
            setConfirm(null);
          }}
        />
      )}
      {confirm?.kind === 'reject' && (
        <ConfirmDialog
          title={`Reject ${confirm.gate.stepId}${confirm.gate.itemKey ? ` [${confirm.gate.itemKey}]` : ''}?`}
          body={confirm.gate.title}
          confirmLabel="Reject"
          withComment
          testId="board-confirm-reject"
          onCancel={() => setConfirm(null)}
          onConfirm={(comment) => {
            void decide(confirm.run, confirm.gate, 'rejected', comment);
            setConfirm(null);
          }}
        />
      )}
    </div>
  );
}

function BoardColumn(props: {
  column: Column;
  columnIndex: number;
  /** True until the first frame is painted, for a column it does not show: the column has no cards yet. */
  cardsDeferred: boolean;
  /** Cards rendered above and below the visible ones. */
  overscan: number;
  now: number;
  register: (api: { scrollTo: (index: number) => void } | null) => void;
  onMove: (columnIndex: number, index: number, direction: -1 | 0 | 1) => void;
  onFocusCard: (runId: string) => void;
  onMenu: (run: RunSummary, x: number, y: number) => void;
  onDecide: (run: RunSummary, gate: GateSummary, decision: 'approved' | 'rejected') => void;
}) {
  const { column, columnIndex, cardsDeferred, overscan, now, register, onMove, onFocusCard, onMenu, onDecide } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: cardsDeferred ? 0 : column.runs.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATED_CARD_PX,
    overscan,
    gap: 8,
    getItemKey: (i) => column.runs[i]!.id,
    // Sizes from ResizeObserver, positions written straight to the DOM: the first frame needs one
    // layout and one render, not a forced layout per card and a second render (see columnLayout.ts).
    initialRect: initialColumnRect(),
    observeElementRect: observeScrollerRect,
    scrollToFn: scrollColumnTo,
    measureElement: measureCardFromObserver,
    directDomUpdates: true,
  });
  useEffect(() => {
    register({ scrollTo: (index) => virtualizer.scrollToIndex(index, { align: 'auto' }) });
    return () => register(null);
  }, [register, virtualizer]);
  const headingId = `col-${slug(column.key)}`;
  return (
    <section className="board-column" aria-labelledby={headingId} data-testid={`board-column-${slug(column.key)}`}>
      <h2 id={headingId} className="board-column-title">
        <Icon name={column.icon} />
        <span>{column.title}</span>
        <Badge variant="counter" testId={`board-count-${slug(column.key)}`}>
          {column.runs.length}
        </Badge>
        <span className="visually-hidden"> runs</span>
      </h2>
      <div ref={scroller} className="board-column-scroll" data-testid={`board-scroll-${slug(column.key)}`}>
        {column.runs.length === 0 && <p className="muted board-empty">No runs</p>}
        <div className="board-column-inner" ref={virtualizer.containerRef}>
          {virtualizer.getVirtualItems().map((item) => {
            const run = column.runs[item.index]!;
            return (
              <div
                key={item.key}
                data-index={item.index}
                className="board-card-slot"
                ref={virtualizer.measureElement}
              >
                <RunCard
                  run={run}
                  now={now}
                  onKeyDown={(e) => {
                    if (e.target !== e.currentTarget) return;
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      ipc().command(OpenRun, { runId: run.id, stepId: null });
                    } else if ((e.key === 'F10' && e.shiftKey) || e.key === 'ContextMenu') {
                      e.preventDefault();
                      const r = e.currentTarget.getBoundingClientRect();
                      onMenu(run, r.left + 16, r.top + 24);
                    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                      e.preventDefault();
                      onMove(columnIndex, item.index + (e.key === 'ArrowDown' ? 1 : -1), 0);
                    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                      e.preventDefault();
                      const direction = e.key === 'ArrowRight' ? 1 : -1;
                      onMove(columnIndex + direction, item.index, direction);
                    }
                  }}
                  onFocus={() => onFocusCard(run.id)}
                  onContextMenu={(e) => {
                    e.preventDefault();
                    onMenu(run, e.clientX, e.clientY);
                  }}
                  onMenuButton={(x, y) => onMenu(run, x, y)}
                  onDecide={onDecide}
                />
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}

function RunCard(props: {
  run: RunSummary;
  now: number;
  onKeyDown: (e: React.KeyboardEvent<HTMLElement>) => void;
  onFocus: () => void;
  onContextMenu: (e: React.MouseEvent) => void;
  onMenuButton: (x: number, y: number) => void;
  onDecide: (run: RunSummary, gate: GateSummary, decision: 'approved' | 'rejected') => void;
}) {
  const { run, now, onKeyDown, onFocus, onContextMenu, onMenuButton, onDecide } = props;
  const id = slug(run.id);
  const waitingOnMe = isWaitingOnMe(run);
  const status = run.stale ? 'stale' : waitingOnMe ? 'waiting-on-you' : run.status;
  const cost = formatCost(run.costUsd);
  return (
    <article
      className={`card run-card${run.stale ? ' stale' : ''}`}
      tabIndex={0}
      aria-labelledby={`run-${id}-name`}
      aria-describedby={`run-${id}-status`}
      data-testid={`board-card-${id}`}
      data-run-id={run.id}
      data-status={run.status}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
      onContextMenu={onContextMenu}
    >
      <div className="run-card-head">
        <span id={`run-${id}-name`} className="run-card-name">
          <button type="button" className="link-button run-card-open" data-testid={`board-open-${id}`} onClick={() => ipc().command(OpenRun, { runId: run.id, stepId: null })}>
            {run.templateName}
          </button>
          <span className="muted mono run-card-id"> {run.id}</span>
        </span>
        <button
          type="button"
          className="icon-button"
          aria-label={`Actions for run ${run.id}`}
          aria-haspopup="menu"
          data-testid={`board-card-menu-${id}`}
          onClick={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            onMenuButton(r.left, r.bottom);
          }}
        >
          <Icon name="ellipsis" />
        </button>
      </div>
      <div id={`run-${id}-status`} className="run-card-status row">
        <StatusBadge status={status} testId={`board-card-status-${id}`} />
        {run.stale && <span className="muted">lease expired, nobody is running it</span>}
      </div>
      {(run.phase || run.currentStep) && (
        <div className="run-card-line muted">
          {run.phase && <span>phase {run.phase}</span>}
          {run.phase && run.currentStep && ' · '}
          {run.currentStep && <span>step {run.currentStep}</span>}
        </div>
      )}
      {run.lastEvent && (
        <div className="run-card-line run-card-event" data-testid={`board-card-event-${id}`}>
          <Icon name="pulse" /> {run.lastEvent.text}
        </div>
      )}
      {run.failureReason && (
        <div className="run-card-line error-text" data-testid={`board-card-failure-${id}`}>
          <Icon name="error" /> {run.failureReason}
        </div>
      )}
      <div className="run-card-line muted row">
        <span data-testid={`board-card-progress-${id}`}>
          {run.stepsDone}/{run.stepsTotal} steps
        </span>
        <span>{elapsed(run.startedAt ?? run.createdAt, run.finishedAt, now)}</span>
        {cost && <span>{cost}</span>}
        <span>via {run.trigger}</span>
      </div>
      {run.waitingGates.length > 0 && (
        <ul className="run-card-gates">
          {run.waitingGates.map((g) => (
            <li key={g.id} className="run-card-gate" data-testid={`board-gate-${id}-${g.id}`}>
              <span className="run-card-gate-title">
                <Icon name="shield" /> {g.stepId}
                {g.itemKey !== null && <span className="mono"> [{g.itemKey}]</span>}: {g.title}
              </span>
              {g.canDecide ? (
                <span className="row">
                  <Button testId={`board-approve-${id}-${g.id}`} icon="check" onClick={() => onDecide(run, g, 'approved')}>
                    {g.needsForm ? 'Review…' : 'Approve'}
                  </Button>
                  <Button testId={`board-reject-${id}-${g.id}`} secondary icon="close" onClick={() => onDecide(run, g, 'rejected')}>
                    Reject
                  </Button>
                </span>
              ) : (
                <span className="muted">Waiting on {g.approvers.join(', ') || 'an approver'}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
