/** Status shown by icon AND text (never colour alone). */
import type { RunStatus, StepStatus } from '../../src/shared/protocol';

type AnyStatus = RunStatus | StepStatus | 'stale' | 'waiting-on-you' | 'not-reached' | 'abandoned' | 'timed_out';

const STATUS_LOOK: Record<AnyStatus, { icon: string; label: string; tone: string }> = {
  pending: { icon: 'circle-large-outline', label: 'Pending', tone: 'muted' },
  ready: { icon: 'circle-large-outline', label: 'Ready', tone: 'muted' },
  running: { icon: 'sync', label: 'Running', tone: 'info' },
  waiting: { icon: 'bell', label: 'Waiting', tone: 'warn' },
  'waiting-on-you': { icon: 'bell-dot', label: 'Waiting on you', tone: 'warn' },
  paused: { icon: 'debug-pause', label: 'Paused', tone: 'muted' },
  succeeded: { icon: 'pass-filled', label: 'Succeeded', tone: 'ok' },
  failed: { icon: 'error', label: 'Failed', tone: 'error' },
  cancelled: { icon: 'circle-slash', label: 'Cancelled', tone: 'muted' },
  skipped: { icon: 'debug-step-over', label: 'Skipped', tone: 'muted' },
  stale: { icon: 'warning', label: 'Stale', tone: 'warn' },
  'not-reached': { icon: 'circle-large-outline', label: 'Not reached', tone: 'muted' },
  abandoned: { icon: 'debug-disconnect', label: 'Abandoned', tone: 'muted' },
  timed_out: { icon: 'watch', label: 'Timed out', tone: 'error' },
};

export function statusLook(status: AnyStatus): { icon: string; label: string; tone: string } {
  return STATUS_LOOK[status] ?? { icon: 'question', label: status, tone: 'muted' };
}

export function Icon({ name, spin = false, label }: { name: string; spin?: boolean; label?: string }) {
  return (
    <span
      className={`codicon codicon-${name}${spin ? ' codicon-modifier-spin' : ''}`}
      aria-hidden={label ? undefined : true}
      role={label ? 'img' : undefined}
      aria-label={label}
    />
  );
}

export function StatusBadge({ status, testId }: { status: AnyStatus; testId?: string }) {
  const look = statusLook(status);
  return (
    <span className={`status status-${look.tone}`} data-status={status} data-testid={testId}>
      <Icon name={look.icon} spin={status === 'running'} />
      <span className="status-text">{look.label}</span>
    </span>
  );
}
