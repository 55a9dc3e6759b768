/**
 * Plain-text rendering of runs, steps, gates and events for the CLI. Pure functions of the
 * stored records, so `show`, `runs`, `events` and the live view of `run` agree.
 */
import type { EventRecord, GateRecord, JsonValue, RunRecord, StepRecord } from '../core/model';

const STEP_ICONS: Record<string, string> = {
  pending: '·',
  ready: '○',
  running: '▶',
  waiting: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '⊘',
};

/** One-character symbol for a step or run status. */
export function statusIcon(status: string): string {
  return STEP_ICONS[status] ?? '?';
}

/** `1.2s`, `3m04s`, `2h05m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Local-independent timestamp: `2026-11-22 04:50:01`. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '-';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** Elapsed time of something that started at `start` and ended at `end` (or is still going at `now`). */
export function elapsed(start: number | null, end: number | null, now: number): string {
  if (start === null) return '';
  return formatDuration((end ?? now) - start);
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Display name of a step instance: `build` or `test[2]`. */
export function stepLabel(step: Pick<StepRecord, 'stepId' | 'itemKey'>): string {
  return step.itemKey === null ? step.stepId : `${step.stepId}[${step.itemKey}]`;
}

/** One line per step: icon, label, status, duration, attempts and error. */
export function renderStepLines(steps: readonly StepRecord[], now: number): string[] {
  const labels = steps.map((s) => (s.parentRowId === null ? stepLabel(s) : `  ${stepLabel(s)}`));
  const width = Math.max(4, ...labels.map((l) => l.length));
  return steps.map((step, i) => {
    const parts = [`${statusIcon(step.status)} ${labels[i]!.padEnd(width)}`, step.status.padEnd(9)];
    const time = elapsed(step.startedAt, step.finishedAt, now);
    if (time) parts.push(time.padStart(7));
    if (step.attempts > 1) parts.push(`(attempt ${step.attempts})`);
    if (step.childRunId) parts.push(`→ run ${step.childRunId}`);
    if (step.error && step.status !== 'succeeded') parts.push(`— ${firstLine(step.error)}`);
    return `  ${parts.join('  ')}`.trimEnd();
  });
}

/** The multi-line view of one run used by `show` and at the end of `run`. */
export function renderRun(run: RunRecord, steps: readonly StepRecord[], gates: readonly GateRecord[], now: number): string {
  const lines = [
    `run ${run.id}  ${run.templateId}${run.templateName && run.templateName !== run.templateId ? ` (${run.templateName})` : ''}`,
    `status    ${run.status}${run.phase ? `  phase ${run.phase}` : ''}${run.archivedAt !== null ? `  archived ${formatTime(run.archivedAt)}` : ''}`,
    `trigger   ${run.trigger.kind}${run.parentRunId ? `  parent ${run.parentRunId}` : ''}`,
    `created   ${formatTime(run.createdAt)}${run.startedAt !== null ? `  took ${elapsed(run.startedAt, run.finishedAt, now)}` : ''}`,
  ];
  if (Object.keys(run.inputs).length > 0) lines.push(`inputs    ${compactJson(run.inputs)}`);
  if (run.error) lines.push(`error     ${run.error}`);
  lines.push('steps');
  lines.push(...renderStepLines(steps, now));
  const open = gates.filter((g) => g.decision === null);
  const decided = gates.filter((g) => g.decision !== null);
  if (gates.length > 0) lines.push('gates');
  for (const gate of open) {
    lines.push(`  ⏸ ${gate.stepId}${gate.itemKey ? `[${gate.itemKey}]` : ''}  waiting — ${firstLine(gate.message)}`);
    lines.push(`      baton approve ${run.id} ${gate.stepId}   |   baton reject ${run.id} ${gate.stepId}`);
  }
  for (const gate of decided) {
    const by = gate.decidedBy ? ` by ${gate.decidedBy}` : '';
    const comment = gate.comment ? ` — "${firstLine(gate.comment)}"` : '';
    lines.push(`  ${gate.decision === 'approved' ? '✓' : '✗'} ${gate.stepId}  ${gate.decision}${by}${comment}`);
  }
  return lines.join('\n') + '\n';
}

/** One line for an event in `events` and the non-TTY view of `run`. */
export function renderEvent(event: EventRecord, options: { withRun: boolean }): string {
  const where = event.stepId ? ` ${event.itemKey === null ? event.stepId : `${event.stepId}[${event.itemKey}]`}` : '';
  const run = options.withRun ? ` ${event.runId}` : '';
  const detail = eventDetail(event);
  return `${formatTime(event.at)} #${event.id}${run} ${event.type}${where}${detail ? `  ${detail}` : ''}`;
}

function eventDetail(event: EventRecord): string {
  const p = event.payload;
  const pick = (key: string) => (typeof p[key] === 'string' || typeof p[key] === 'number' ? String(p[key]) : undefined);
  if (event.type === 'step.progress') {
    const text = pick('text');
    return text ? firstLine(text) : '';
  }
  const parts: string[] = [];
  for (const key of ['status', 'attempt', 'decision', 'by', 'phase', 'error', 'delayMs', 'reason']) {
    const value = pick(key);
    if (value !== undefined && value !== '') parts.push(key === 'error' ? firstLine(value) : `${key}=${value}`);
  }
  return parts.join(' ');
}

/** First line of a possibly multi-line message, trimmed to a screen width. */
export function firstLine(text: string, max = 160): string {
  const line = text.split('\n', 1)[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function compactJson(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** The last `count` lines of a log text (without a trailing empty line). */
export function lastLines(text: string, count: number): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-count);
}
