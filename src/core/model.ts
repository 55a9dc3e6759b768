/**
 * Baton's domain model: runs, steps, attempts, events and the one transition table.
 * Pure data and predicates; no I/O.
 */

/** Lifecycle of a run. */
export const RunStatus = {
  /** Created, no step has started yet. */
  Pending: 'pending',
  /** At least one step is ready or running. */
  Running: 'running',
  /** Nothing can progress until a gate is decided. */
  Waiting: 'waiting',
  /** Paused by a user: running steps finish, nothing new starts. */
  Paused: 'paused',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Lifecycle of one step instance (a foreach item is its own instance). */
export const StepStatus = {
  Pending: 'pending',
  Ready: 'ready',
  Running: 'running',
  /** A gate waiting for a decision, or a step waiting for its retry delay. */
  Waiting: 'waiting',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
  Cancelled: 'cancelled',
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

/** Outcome of one try of a step. */
export const AttemptStatus = {
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** Its process died or lost its lease; a new attempt took over. */
  Abandoned: 'abandoned',
  Cancelled: 'cancelled',
  TimedOut: 'timed_out',
} as const;
export type AttemptStatus = (typeof AttemptStatus)[keyof typeof AttemptStatus];

export const RUN_TERMINAL: ReadonlySet<RunStatus> = new Set([RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled]);
export const STEP_TERMINAL: ReadonlySet<StepStatus> = new Set([
  StepStatus.Succeeded,
  StepStatus.Failed,
  StepStatus.Skipped,
  StepStatus.Cancelled,
]);

/** True when a run can no longer change status by itself. */
export function isRunFinished(status: RunStatus): boolean {
  return RUN_TERMINAL.has(status);
}

/** True when a step instance is done (whatever the outcome). */
export function isStepFinished(status: StepStatus): boolean {
  return STEP_TERMINAL.has(status);
}

/** Allowed run transitions. Anything not listed is a bug and throws. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  pending: ['running', 'paused', 'cancelled', 'failed'],
  running: ['waiting', 'paused', 'succeeded', 'failed', 'cancelled'],
  waiting: ['running', 'paused', 'succeeded', 'failed', 'cancelled'],
  paused: ['running', 'waiting', 'cancelled', 'failed'],
  // Retry/resume of a finished run reopens it.
  succeeded: ['running'],
  failed: ['running'],
  cancelled: ['running'],
};

/** Allowed step transitions. */
export const STEP_TRANSITIONS: Readonly<Record<StepStatus, readonly StepStatus[]>> = {
  pending: ['ready', 'skipped', 'cancelled', 'failed'],
  ready: ['running', 'waiting', 'skipped', 'cancelled', 'pending', 'failed'],
  running: ['succeeded', 'failed', 'waiting', 'ready', 'cancelled'],
  waiting: ['ready', 'running', 'succeeded', 'failed', 'cancelled'],
  // Retry-from reopens finished steps.
  succeeded: ['pending'],
  failed: ['pending', 'ready'],
  skipped: ['pending'],
  cancelled: ['pending', 'ready'],
};

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function canTransitionStep(from: StepStatus, to: StepStatus): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

/** Every event type written to the append-only event log. */
export const EventType = {
  RunCreated: 'run.created',
  RunStarted: 'run.started',
  RunPaused: 'run.paused',
  RunResumed: 'run.resumed',
  RunWaiting: 'run.waiting',
  RunSucceeded: 'run.succeeded',
  RunFailed: 'run.failed',
  RunCancelled: 'run.cancelled',
  RunPhaseChanged: 'run.phase_changed',
  StepReady: 'step.ready',
  StepStarted: 'step.started',
  StepProgress: 'step.progress',
  StepSucceeded: 'step.succeeded',
  StepFailed: 'step.failed',
  StepSkipped: 'step.skipped',
  StepCancelled: 'step.cancelled',
  StepRetrying: 'step.retrying',
  StepWaiting: 'step.waiting',
  StepAbandoned: 'step.abandoned',
  GateRequested: 'gate.requested',
  GateDecided: 'gate.decided',
  CommentAdded: 'comment.added',
  ArtifactAdded: 'artifact.added',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** How a run was started. */
export interface TriggerInfo {
  kind: 'manual' | 'cli' | 'schedule' | 'file' | 'webhook' | 'event' | 'workflow' | 'rerun';
  /** Free-form payload (changed paths, webhook body, parent run id, ...). */
  payload?: unknown;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Outputs = Record<string, JsonValue>;
