/** Text formatting shared by the panels (times, durations, money). */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Elapsed time of something that started at `start` and maybe finished. */
export function elapsed(start: number | null, end: number | null, now: number): string {
  if (start === null) return 'not started';
  return formatDuration((end ?? now) - start);
}

export function formatTime(at: number): string {
  const d = new Date(at);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatCost(usd: number | null): string | null {
  if (usd === null) return null;
  return usd < 0.1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatBytes(n: number | null): string {
  if (n === null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Stable id-safe form of any text (for data-testid and element ids). */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}
