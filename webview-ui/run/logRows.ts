/** Maps rows on screen to log lines when some `::group::` ranges are collapsed. */
import type { LogGroup } from '../../src/shared/protocol';

export interface RowMap {
  rowCount: number;
  rowToLine(row: number): number;
  lineToRow(line: number): number;
}

/** Hidden line intervals: the body of every collapsed group (its header line stays visible). */
export function buildRowMap(totalLines: number, groups: LogGroup[], collapsed: ReadonlySet<number>): RowMap {
  const hidden: Array<[number, number]> = [];
  for (const g of [...groups].sort((a, b) => a.start - b.start)) {
    if (!collapsed.has(g.start) || g.end <= g.start) continue;
    const last = hidden[hidden.length - 1];
    if (last && g.start <= last[1]) continue; // nested in a collapsed group
    hidden.push([g.start + 1, Math.min(g.end, totalLines - 1)]);
  }
  const hiddenCount = hidden.reduce((n, [a, b]) => n + (b - a + 1), 0);
  return {
    rowCount: Math.max(0, totalLines - hiddenCount),
    rowToLine(row) {
      let line = row;
      for (const [a, b] of hidden) {
        if (line >= a) line += b - a + 1;
        else break;
      }
      return line;
    },
    lineToRow(line) {
      let row = line;
      for (const [a, b] of hidden) {
        if (line > b) row -= b - a + 1;
        else if (line >= a) return a - 1 - hidden.filter(([x, y]) => y < a && x <= y).reduce((n, [x, y]) => n + (y - x + 1), 0);
        else break;
      }
      return row;
    },
  };
}

const GROUP_RE = /^(?:\x1b\[[0-9;]*m)*::group::(.*)$/;
const END_RE = /^(?:\x1b\[[0-9;]*m)*::endgroup::\s*$/;

export function groupTitle(text: string): string | null {
  const m = GROUP_RE.exec(text);
  return m ? m[1]!.trim() : null;
}

export function isGroupEnd(text: string): boolean {
  return END_RE.test(text);
}

/** Finds `::group::` ranges in lines (what a host computes for a whole log). */
export function findLogGroups(lines: readonly string[]): LogGroup[] {
  const groups: LogGroup[] = [];
  const open: Array<{ start: number; title: string }> = [];
  lines.forEach((text, i) => {
    const title = groupTitle(text);
    if (title !== null) open.push({ start: i, title });
    else if (isGroupEnd(text)) {
      const g = open.pop();
      if (g) groups.push({ start: g.start, end: i, title: g.title });
    }
  });
  for (const g of open) groups.push({ start: g.start, end: lines.length - 1, title: g.title });
  return groups.sort((a, b) => a.start - b.start);
}
