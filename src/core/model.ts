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

/** True when a step instance keeps its run busy: ready, running, or waiting for anything but a gate decision. */
export function isStepActive(status: StepStatus, kind: string): boolean {
  return status === 'ready' || status === 'running' || (status === 'waiting' && kind !== 'gate');
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
  // A paused run's last running steps may finish it.
  paused: ['running', 'waiting', 'succeeded', 'cancelled', 'failed'],
  // Retry/resume of a finished run reopens it (queued, pending, while its concurrency group is full).
  succeeded: ['running', 'pending'],
  failed: ['running', 'pending'],
  cancelled: ['running', 'pending'],
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

const RUN_TRANSITION_KEYS = new Set(Object.entries(RUN_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`)));
const STEP_TRANSITION_KEYS = new Set(Object.entries(STEP_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`)));

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITION_KEYS.has(`${from}>${to}`);
}

export function canTransitionStep(from: StepStatus, to: StepStatus): boolean {
  return STEP_TRANSITION_KEYS.has(`${from}>${to}`);
}

/** Every event type written to the append-only event log. */
export const EventType = {
  RunCreated: 'run.created',
  /** Created but held back: its concurrency group is full. */
  RunQueued: 'run.queued',
  RunStarted: 'run.started',
  RunPaused: 'run.paused',
  RunResumed: 'run.resumed',
  RunWaiting: 'run.waiting',
  RunSucceeded: 'run.succeeded',
  RunFailed: 'run.failed',
  RunCancelled: 'run.cancelled',
  RunPhaseChanged: 'run.phase_changed',
  /** A finished run was archived (hidden from the board and `baton runs` until asked for). */
  RunArchived: 'run.archived',
  RunUnarchived: 'run.unarchived',
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
  /** Retry-from / resume reopened a finished step (it goes back to pending). */
  StepReset: 'step.reset',
  GateRequested: 'gate.requested',
  GateDecided: 'gate.decided',
  /** A gate's timeout passed with `on_timeout: escalate`: it keeps waiting, flagged. */
  GateEscalated: 'gate.escalated',
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

/** What a gate ended with. `timed_out` is never an approval, whatever `on_timeout` says. */
export const GateDecision = {
  Approved: 'approved',
  Rejected: 'rejected',
  TimedOut: 'timed_out',
  /** The run was cancelled while the gate waited. */
  Cancelled: 'cancelled',
} as const;
export type GateDecision = (typeof GateDecision)[keyof typeof GateDecision];

/**
 * Bits of `StepRecord.upstream`: what happened to the steps this one needs (transitively for
 * failed/cancelled, directly for skipped). Drives `success()`, `failure()` and `cancelled()`.
 */
export const Upstream = {
  Failed: 1,
  Skipped: 2,
  Cancelled: 4,
} as const;

/** One run as stored. Timestamps are ms since the epoch. */
export interface RunRecord {
  id: string;
  templateId: string;
  templateName: string;
  status: RunStatus;
  /** Phase of the step that started most recently (null before any step with a phase). */
  phase: string | null;
  trigger: TriggerInfo;
  /** Set for a child run started by a `workflow:` step. */
  parentRunId: string | null;
  /** Row id (StepRecord.id) of the parent's `workflow:` step. */
  parentStepRowId: number | null;
  /** The template's `concurrency.group`, resolved; runs sharing it are limited together. */
  concurrencyKey: string | null;
  inputs: Record<string, JsonValue>;
  /** When succeeded: outputs of every succeeded top-level step, by step id. */
  outputs: Record<string, Outputs> | null;
  error: string | null;
  /** Step rows (top-level and foreach items) not finished yet. */
  unfinishedSteps: number;
  /** Finished steps that fail the run (failed without continue_on_error). */
  failedSteps: number;
  /** Steps ready, running, or waiting for something other than a gate (retry delay, child run). */
  activeSteps: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  /**
   * When the run was archived (null: not archived). Only finished runs are archived; reopening one
   * (resume, retry) unarchives it.
   */
  archivedAt: number | null;
}

/** One step instance: a top-level step, a foreach parent, or one foreach item. */
export interface StepRecord {
  /** Row id, unique in the database. */
  id: number;
  runId: string;
  /** The template's step id. */
  stepId: string;
  /** Foreach items only: the item's key (its index as text). */
  itemKey: string | null;
  itemIndex: number | null;
  /** Foreach items only: row id of the foreach step. */
  parentRowId: number | null;
  kind: string;
  status: StepStatus;
  phase: string | null;
  /** Attempts started (abandoned ones included). */
  attempts: number;
  /** Attempts that failed (what `retry.max` counts). */
  failures: number;
  /** Needs not finished yet; for a running foreach step, items not finished yet. */
  needsRemaining: number;
  /** `Upstream` bits. */
  upstream: number;
  /** Foreach items only: the item value. */
  item: JsonValue | null;
  outputs: Outputs | null;
  error: string | null;
  /** Waiting steps: when the retry delay or gate timeout is due. */
  dueAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** `workflow:` steps: the child run. */
  childRunId: string | null;
  sessionId: string | null;
  transcriptPath: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

/** One try of one step instance. */
export interface AttemptRecord {
  id: number;
  stepRowId: number;
  runId: string;
  stepId: string;
  itemKey: string | null;
  /** 1-based. */
  number: number;
  status: AttemptStatus;
  /** Worker that ran it. */
  owner: string | null;
  error: string | null;
  exitCode: number | null;
  costUsd: number | null;
  startedAt: number;
  finishedAt: number | null;
}

/** One entry of the append-only event log; `id` is monotonic across the database. */
export interface EventRecord {
  id: number;
  runId: string;
  stepId: string | null;
  itemKey: string | null;
  type: EventType;
  payload: Record<string, JsonValue>;
  at: number;
}

export interface CommentRecord {
  id: number;
  runId: string;
  stepId: string | null;
  author: string;
  body: string;
  createdAt: number;
}

export interface ArtifactRecord {
  id: number;
  runId: string;
  stepId: string | null;
  name: string;
  /** Absolute path of the bytes on disk. */
  path: string;
  mediaType: string | null;
  sizeBytes: number | null;
  createdAt: number;
}

export interface GateRecord {
  id: number;
  runId: string;
  stepRowId: number;
  stepId: string;
  itemKey: string | null;
  message: string;
  approvers: string[];
  /** JSON Schema of the form the approver fills, if any. */
  form: JsonValue | null;
  requestedAt: number;
  /** When the timeout applies (null: waits forever). */
  dueAt: number | null;
  escalated: boolean;
  decision: GateDecision | null;
  decidedBy: string | null;
  decidedAt: number | null;
  comment: string | null;
  formInputs: Record<string, JsonValue> | null;
}

/**
 * Payload of each event type as the engine writes it (EventRecord.payload). Run events carry
 * the run's new `status`; step events have EventRecord.stepId/itemKey set.
 */
export interface EventPayloads {
  'run.created': { templateId: string; trigger: TriggerInfo; parentRunId: string | null };
  'run.queued': { concurrencyKey: string; limit: number };
  'run.started': { status: 'running' };
  'run.paused': { status: 'paused'; by: string | null };
  /** From paused, from waiting (a gate was decided) or a reopened failed/cancelled run (`fromStep` for retry-from). */
  'run.resumed': { status: RunStatus; from: RunStatus; by?: string | null; fromStep?: string | null };
  'run.waiting': { status: 'waiting' };
  'run.succeeded': { status: 'succeeded' };
  'run.failed': { status: 'failed'; failedSteps: number };
  'run.cancelled': { status: 'cancelled'; by: string | null; reason: string };
  'run.phase_changed': { from: string | null; to: string };
  'run.archived': { archivedAt: number; by: string | null };
  'run.unarchived': { by: string | null };
  /** `reason`: absent when needs finished; 'retry' | 'retry_due' | 'lease_expired' | 'released' otherwise. */
  'step.ready': { reason?: string };
  /** Executor steps: `attempt`, `owner`. Foreach steps: `items`, `maxParallel`. */
  'step.started': { attempt?: number; owner?: string; items?: number; maxParallel?: number | null };
  /** A StepProgress chunk plus the attempt. */
  'step.progress': { attempt: number; kind: string; [field: string]: JsonValue };
  'step.succeeded': { attempt?: number; outputs?: Outputs };
  'step.failed': { attempt?: number; error?: string; continueOnError?: true };
  'step.skipped': { reason: 'condition' | 'upstream' };
  'step.cancelled': { reason: string };
  'step.retrying': { attempt: number; error: string; delayMs: number; dueAt: number };
  'step.waiting': { reason: 'child_run'; childRunId: string };
  'step.abandoned': { attempt: number; owner: string | null; reason?: string };
  'step.reset': { by: string | null };
  'gate.requested': { message: string; approvers: string[]; dueAt: number | null; onTimeout: 'proceed' | 'cancel' | 'escalate' };
  'gate.decided': {
    decision: GateDecision;
    by: string | null;
    comment?: string | null;
    inputs?: Record<string, JsonValue>;
    onTimeout?: string;
  };
  'gate.escalated': { approvers: string[] };
  'comment.added': { commentId: number; author: string; body: string };
  'artifact.added': { artifactId: number; name: string; path: string; mediaType: string | null };
}

/** Compile-time check: every EventType has a payload entry above. */
const _everyEventTypeHasAPayload: [Exclude<EventType, keyof EventPayloads>] extends [never] ? true : never = true;
void _everyEventTypeHasAPayload;
