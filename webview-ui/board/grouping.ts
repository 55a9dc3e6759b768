/** How the board sorts runs into columns, and its filters. */
import type { RunSummary } from '../../src/shared/protocol';

export type Grouping = 'status' | 'phase' | 'template';

export interface Column {
  key: string;
  title: string;
  icon: string;
  runs: RunSummary[];
}

export interface BoardFilters {
  text: string;
  templateId: string;
  waitingOnMe: boolean;
  failedOnly: boolean;
}

export const STATUS_COLUMNS: Array<{ key: string; title: string; icon: string }> = [
  { key: 'waiting-on-you', title: 'Waiting on you', icon: 'bell-dot' },
  { key: 'waiting', title: 'Waiting', icon: 'bell' },
  { key: 'running', title: 'Running', icon: 'sync' },
  { key: 'pending', title: 'Pending', icon: 'circle-large-outline' },
  { key: 'paused', title: 'Paused', icon: 'debug-pause' },
  { key: 'failed', title: 'Failed', icon: 'error' },
  { key: 'succeeded', title: 'Succeeded', icon: 'pass-filled' },
  { key: 'cancelled', title: 'Cancelled', icon: 'circle-slash' },
];

export function isWaitingOnMe(run: RunSummary): boolean {
  return run.status === 'waiting' && run.waitingGates.some((g) => g.canDecide);
}

export function statusColumnKey(run: RunSummary): string {
  return isWaitingOnMe(run) ? 'waiting-on-you' : run.status;
}

/** Runs that pass the filters; `@archived` in the text shows archived runs (and only those). */
export function filterRuns(runs: Iterable<RunSummary>, f: BoardFilters): RunSummary[] {
  const archivedOnly = /(^|\s)@archived(\s|$)/i.test(f.text);
  const words = f.text
    .replace(/(^|\s)@archived(?=\s|$)/gi, ' ')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);
  const out: RunSummary[] = [];
  for (const r of runs) {
    if (r.archived !== archivedOnly) continue;
    if (f.templateId && r.templateId !== f.templateId) continue;
    if (f.waitingOnMe && !isWaitingOnMe(r)) continue;
    if (f.failedOnly && r.status !== 'failed') continue;
    if (words.length) {
      const hay = [r.id, r.templateName, r.templateId, r.phase ?? '', r.currentStep ?? '', r.lastEvent?.text ?? '', r.failureReason ?? '', r.status].join(' ').toLowerCase();
      if (!words.every((w) => hay.includes(w))) continue;
    }
    out.push(r);
  }
  // Newest first inside every column.
  return out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}

export function groupRuns(runs: RunSummary[], grouping: Grouping): Column[] {
  if (grouping === 'status') {
    const cols = STATUS_COLUMNS.map((c) => ({ ...c, runs: [] as RunSummary[] }));
    const byKey = new Map(cols.map((c) => [c.key, c]));
    for (const r of runs) byKey.get(statusColumnKey(r))?.runs.push(r);
    return cols;
  }
  if (grouping === 'phase') {
    const order: string[] = [];
    for (const r of runs) for (const p of r.phases) if (!order.includes(p)) order.push(p);
    const cols = new Map<string, Column>(order.map((p): [string, Column] => [p, { key: `phase-${p}`, title: p, icon: 'milestone', runs: [] }]));
    const none: Column = { key: 'phase-none', title: 'No phase yet', icon: 'circle-large-outline', runs: [] };
    for (const r of runs) {
      const column = r.phase !== null ? cols.get(r.phase) : undefined;
      (column ?? none).runs.push(r);
    }
    return [none, ...cols.values()];
  }
  const cols = new Map<string, Column>();
  for (const r of runs) {
    let c = cols.get(r.templateId);
    if (!c) cols.set(r.templateId, (c = { key: `template-${r.templateId}`, title: r.templateName, icon: 'symbol-class', runs: [] }));
    c.runs.push(r);
  }
  return [...cols.values()].sort((a, b) => a.title.localeCompare(b.title));
}
