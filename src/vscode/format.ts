/** Small text helpers for views. No vscode import. */
import type { JsonValue } from '../core/model';

/** `850 ms`, `12 s`, `3 m 05 s`, `2 h 04 m`. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} m ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} m`;
}

/** Duration of something that started at `startedAt` and finished at `finishedAt` (or is still going at `now`). */
export function elapsedText(startedAt: number | null, finishedAt: number | null, now: number): string | undefined {
  if (startedAt === null) return undefined;
  return formatElapsed((finishedAt ?? now) - startedAt);
}

/** `just now`, `5 min ago`, `3 h ago`, else the local date. */
export function formatAgo(at: number, now: number): string {
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(at).toLocaleDateString();
}

/** A foreach item's value as a one-line label (`a.ts`, `{"pkg":"core"}`), at most `max` characters. */
export function itemValueLabel(item: JsonValue | null, max = 60): string {
  const text = typeof item === 'string' ? item : JSON.stringify(item);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
