/**
 * A step's log: virtualized rows (200,000 lines stay fast), ANSI colours via ansi_up (classes,
 * so the CSP needs no inline styles; text escaped, never HTML), collapsible `::group::` ranges,
 * search across the whole log on the host, and follow mode that pauses when you scroll up.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { AnsiUp } from 'ansi_up';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DidAppendLog, GetLog, SearchLog, type LogGroup, type LogRef } from '../../src/shared/protocol';
import { ipc } from '../shared/host';
import { Checkbox, TextField } from '../shared/elements';
import { IconButton } from '../shared/IconButton';
import { announce } from '../shared/liveRegion';
import { Icon } from '../shared/status';
import { buildRowMap, groupTitle, isGroupEnd } from './logRows';

const ROW_HEIGHT = 18;
const CHUNK = 1000;
const MAX_MATCHES = 5000;

function sameRef(a: LogRef, b: LogRef): boolean {
  return a.runId === b.runId && a.stepId === b.stepId && a.itemKey === b.itemKey && (a.attempt ?? -1) === (b.attempt ?? -1);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[c]!);
}

/** ansi_up output with the query marked (outside tags only). */
function lineHtml(text: string, query: string): string {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  const html = ansi.ansi_to_html(text);
  if (!query) return html;
  const needle = escapeHtml(query).toLowerCase();
  return html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith('<')) return part;
      let out = '';
      let at = 0;
      const lower = part.toLowerCase();
      for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
        out += part.slice(at, i) + '<mark>' + part.slice(i, i + needle.length) + '</mark>';
        at = i + needle.length;
      }
      return out + part.slice(at);
    })
    .join('');
}

export function LogView(props: { logRef: LogRef; initialTopLine: number | null; onScrollLine: (line: number) => void }) {
  const { logRef, initialTopLine, onScrollLine } = props;
  const [total, setTotal] = useState(0);
  const [groups, setGroups] = useState<LogGroup[]>([]);
  const [live, setLive] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set());
  const [follow, setFollow] = useState(initialTopLine === null);
  const [query, setQuery] = useState('');
  const [activeQuery, setActiveQuery] = useState('');
  const [matches, setMatches] = useState<number[] | null>(null);
  const [matchTotal, setMatchTotal] = useState(0);
  const [current, setCurrent] = useState(0);
  const chunks = useRef(new Map<number, { lines: string[]; total: number }>());
  const inflight = useRef(new Set<number>());
  const scroller = useRef<HTMLDivElement>(null);
  const followRef = useRef(follow);
  followRef.current = follow;

  const rows = useMemo(() => buildRowMap(total, groups, collapsed), [total, groups, collapsed]);
  const virtualizer = useVirtualizer({
    count: rows.rowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });

  const loadChunk = useCallback(
    (chunk: number) => {
      if (chunks.current.has(chunk) || inflight.current.has(chunk)) return;
      inflight.current.add(chunk);
      ipc()
        .request(GetLog, { ...logRef, fromLine: chunk * CHUNK, count: CHUNK })
        .then((reply) => {
          inflight.current.delete(chunk);
          chunks.current.set(chunk, { lines: reply.lines.map((l) => l.text), total: reply.totalLines });
          setTotal((t) => Math.max(t, reply.totalLines));
          setGroups(reply.groups);
          setLive(reply.live);
          setLoaded(true);
          setVersion((v) => v + 1);
        })
        .catch((e: Error) => {
          inflight.current.delete(chunk);
          setError(e.message);
        });
    },
    [logRef],
  );

  // First load: the first chunk tells the size; then the chunk where we start (end when following).
  useEffect(() => {
    chunks.current.clear();
    inflight.current.clear();
    loadChunk(0);
  }, [loadChunk]);

  // Live lines for this log.
  useEffect(
    () =>
      ipc().on(DidAppendLog, (append) => {
        if (!sameRef(append, logRef)) return;
        for (const line of append.lines) {
          const c = Math.floor(line.index / CHUNK);
          const cached = chunks.current.get(c);
          if (cached) {
            cached.lines[line.index - c * CHUNK] = line.text;
            cached.total = Math.max(cached.total, append.totalLines);
          } else if (line.index % CHUNK === 0) chunks.current.set(c, { lines: [line.text], total: append.totalLines });
        }
        setTotal(append.totalLines);
        setGroups(append.groups);
        setLive(append.live);
        setVersion((v) => v + 1);
      }),
    [logRef],
  );

  // First the saved position, or the end (a live log follows from there; a finished one opens
  // where a failure's reason is); then, while the log is live and followed, keep the end in view.
  const positioned = useRef(false);
  useEffect(() => {
    if (!loaded || rows.rowCount === 0) return;
    if (!positioned.current) {
      positioned.current = true;
      if (initialTopLine !== null) virtualizer.scrollToIndex(rows.lineToRow(Math.min(initialTopLine, total - 1)), { align: 'start' });
      else virtualizer.scrollToIndex(rows.rowCount - 1, { align: 'end' });
      return;
    }
    if (live && followRef.current) virtualizer.scrollToIndex(rows.rowCount - 1, { align: 'end' });
  }, [loaded, live, rows, total, virtualizer, initialTopLine]);

  const items = virtualizer.getVirtualItems();
  // Fetch chunks the visible rows need.
  useEffect(() => {
    for (const item of items) {
      const line = rows.rowToLine(item.index);
      const c = Math.floor(line / CHUNK);
      const cached = chunks.current.get(c);
      // A chunk cached while the log was shorter lacks the lines written since: read it again.
      if (cached && cached.lines[line - c * CHUNK] === undefined && cached.total < total) chunks.current.delete(c);
      loadChunk(c);
    }
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
    if (followRef.current && !atBottom) setFollow(false);
    const first = Math.floor(el.scrollTop / ROW_HEIGHT);
    onScrollLine(rows.rowToLine(Math.min(first, Math.max(0, rows.rowCount - 1))));
  };

  const goToMatch = useCallback(
    (list: number[], index: number) => {
      const line = list[index];
      if (line === undefined) return;
      // Open the collapsed groups that hide the line.
      const hiding = groups.filter((g) => collapsed.has(g.start) && line > g.start && line <= g.end).map((g) => g.start);
      const nextCollapsed = hiding.length ? new Set([...collapsed].filter((s) => !hiding.includes(s))) : collapsed;
      if (hiding.length) setCollapsed(nextCollapsed);
      setFollow(false);
      setCurrent(index);
      const map = buildRowMap(total, groups, nextCollapsed);
      requestAnimationFrame(() => virtualizer.scrollToIndex(map.lineToRow(line), { align: 'center' }));
    },
    [groups, collapsed, total, virtualizer],
  );

  const runSearch = async (direction: 1 | -1) => {
    const q = query.trim();
    if (!q) {
      setMatches(null);
      setActiveQuery('');
      return;
    }
    if (q === activeQuery && matches) {
      if (matches.length === 0) return;
      goToMatch(matches, (current + direction + matches.length) % matches.length);
      return;
    }
    const result = await ipc().request(SearchLog, { ...logRef, query: q, maxMatches: MAX_MATCHES });
    setActiveQuery(q);
    setMatches(result.matches);
    setMatchTotal(result.total);
    announce(result.total === 0 ? `No match for ${q}` : `${result.total} matches for ${q}`);
    if (result.matches.length) goToMatch(result.matches, direction === 1 ? 0 : result.matches.length - 1);
  };

  const currentLine = matches?.[current];
  const matchSet = useMemo(() => new Set(matches ?? []), [matches]);
  void version;

  return (
    <div className="log-view" data-testid="log-view">
      <div className="log-toolbar row" role="toolbar" aria-label="Log tools">
        <TextField
          testId="log-search"
          id="log-search"
          type="search"
          className="log-search"
          label="Search the whole log"
          placeholder="Search the whole log"
          value={query}
          onValue={setQuery}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void runSearch(e.shiftKey ? -1 : 1);
            }
          }}
        />
        <IconButton testId="log-search-prev" icon="arrow-up" label="Previous match (Shift+Enter)" onClick={() => void runSearch(-1)} />
        <IconButton testId="log-search-next" icon="arrow-down" label="Next match (Enter)" onClick={() => void runSearch(1)} />
        <span className="muted" data-testid="log-search-count">
          {matches ? (matches.length ? `${current + 1} of ${matchTotal}${matchTotal > matches.length ? '+' : ''}` : 'No match') : ''}
        </span>
        <span className="spacer" />
        <span className="muted" data-testid="log-line-count">
          {total.toLocaleString('en-US')} lines{live ? ' · live' : ''}
        </span>
        {/* Only a log still being written has output to follow. */}
        {live && (
          <Checkbox
            testId="log-follow"
            checked={follow}
            onChecked={(on) => {
              setFollow(on);
              if (on && rows.rowCount) virtualizer.scrollToIndex(rows.rowCount - 1, { align: 'end' });
            }}
          >
            Follow output
          </Checkbox>
        )}
      </div>
      {error && (
        <p className="notice error" role="alert">
          Could not read the log: {error}
        </p>
      )}
      {loaded && total === 0 && <p className="muted section">No output yet.</p>}
      <div ref={scroller} className="log-scroll mono" data-testid="log-scroll" onScroll={onScroll} tabIndex={0} role="log" aria-label="Step log">
        <div className="log-inner" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const line = rows.rowToLine(item.index);
            const chunk = chunks.current.get(Math.floor(line / CHUNK));
            const text = chunk?.lines[line - Math.floor(line / CHUNK) * CHUNK];
            const title = text !== undefined ? groupTitle(text) : null;
            const isMatch = matchSet.has(line);
            return (
              <div
                key={item.key}
                className={`log-row${isMatch ? ' match' : ''}${line === currentLine ? ' current-match' : ''}`}
                data-line={line + 1}
                data-testid={line === currentLine ? 'log-current-match' : undefined}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <span className="log-gutter" aria-hidden="true">
                  {line + 1}
                </span>
                {text === undefined ? (
                  <span className="muted">…</span>
                ) : title !== null ? (
                  <button
                    type="button"
                    className="log-group-toggle"
                    aria-expanded={!collapsed.has(line)}
                    data-testid={`log-group-${line + 1}`}
                    onClick={() =>
                      setCollapsed((c) => {
                        const next = new Set(c);
                        if (next.has(line)) next.delete(line);
                        else next.add(line);
                        return next;
                      })
                    }
                  >
                    <Icon name={collapsed.has(line) ? 'chevron-right' : 'chevron-down'} /> {title}
                  </button>
                ) : isGroupEnd(text) ? (
                  <span className="log-text" />
                ) : (
                  <span className="log-text" dangerouslySetInnerHTML={{ __html: lineHtml(text, isMatch ? activeQuery : '') }} />
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
