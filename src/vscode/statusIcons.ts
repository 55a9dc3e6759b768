/** Codicon and theme color per run/step status. No vscode import (also used for QuickPick labels). */
export const STATUS_ICONS: Record<string, { icon: string; color?: string }> = {
  pending: { icon: 'circle-large-outline' },
  ready: { icon: 'circle-large-outline', color: 'charts.blue' },
  running: { icon: 'sync~spin', color: 'charts.blue' },
  waiting: { icon: 'bell', color: 'charts.yellow' },
  paused: { icon: 'debug-pause', color: 'charts.yellow' },
  succeeded: { icon: 'pass-filled', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  cancelled: { icon: 'circle-slash', color: 'disabledForeground' },
  skipped: { icon: 'debug-step-over', color: 'disabledForeground' },
};

export function statusIconId(status: string): string {
  return STATUS_ICONS[status]?.icon ?? 'question';
}
