/**
 * Ports: how the pure core talks to the world. Adapters live in src/store, src/executors,
 * src/triggers, src/vscode and src/cli.
 */
import type {
  ArtifactRecord,
  AttemptRecord,
  CommentRecord,
  EventRecord,
  EventType,
  GateRecord,
  JsonValue,
  Outputs,
  RunRecord,
  RunStatus,
  StepRecord,
  StepStatus,
  TriggerInfo,
} from './model';
import type { StepDefinition, TemplateDefinition } from './template/types';

/** Time, injectable so tests control it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (or at once when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Secret values by name (VS Code SecretStorage, env vars, --secret). */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}

/** One chunk of progress a step reports while it runs. */
export type StepProgress =
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'assistant_text'; text: string }
  | { kind: 'tool_call'; tool: string; id?: string; input?: JsonValue }
  | { kind: 'tool_result'; id?: string; output?: string; isError?: boolean }
  | { kind: 'usage'; inputTokens?: number; outputTokens?: number; costUsd?: number }
  | { kind: 'message'; text: string }
  /** A durable result inside a step (a function step's `ctx.step(key, fn)`), read back on retry/resume. */
  | { kind: 'checkpoint'; key: string; value: JsonValue };

/** Everything an executor needs to run one attempt of one step instance. */
export interface StepExecutionContext {
  runId: string;
  /** Step id (plus `[itemKey]` for foreach instances is in `itemKey`). */
  step: StepDefinition;
  itemKey?: string;
  /** For foreach instances: the item's value (`item` in expressions). */
  item?: JsonValue;
  attempt: number;
  template: TemplateDefinition;
  /** The step's fields with `${{ }}` already resolved (prompt, run, args, ...). */
  resolved: Record<string, JsonValue>;
  env: Record<string, string>;
  /** Absolute working directory. */
  cwd: string;
  /** Folder for this step instance: `.baton/runs/<run>/steps/<step>[/<item>]`. */
  stepDir: string;
  /** Folder for the run's artifacts (not created: an executor that hands it to a process creates it). */
  artifactsDir: string;
  timeoutMs?: number;
  /** Aborted on cancel, pause-kill or timeout; executors must kill their process tree. */
  signal: AbortSignal;
  /** Values to redact from anything persisted. */
  secrets: readonly string[];
  /** Report progress (persisted as events + step log). */
  progress(event: StepProgress): void;
  /** Outputs of the steps this one needs, by step id. */
  upstream: Record<string, Outputs>;
  /** Run inputs. */
  inputs: Record<string, JsonValue>;
  /**
   * Adds what the executor built for this attempt (an agent's exact prompt and what it was
   * assembled from) to the step's `input.json`, beside what the engine recorded; secrets redacted.
   */
  recordInput?(details: Record<string, JsonValue>): void;
  /**
   * Why reviewers rejected earlier work of this step: the comments of rejected gates that come
   * after it (oldest first). Set for agent steps, so a new attempt knows what to do differently.
   */
  feedback?: ReviewerFeedback[];
}

/** One rejection with a comment, from a gate downstream of the step. */
export interface ReviewerFeedback {
  gateStepId: string;
  by: string | null;
  comment: string;
  at: number;
}

/** The result of one attempt. A thrown BatonError is a failure too (retryable per its flag). */
export type StepExecutionResult =
  | {
      kind: 'succeeded';
      outputs: Outputs;
      summary?: string;
      /** Agent steps: session id, transcript path, cost and tokens. */
      session?: AgentSessionInfo;
    }
  | {
      kind: 'failed';
      error: string;
      retryable: boolean;
      exitCode?: number;
      outputs?: Outputs;
      session?: AgentSessionInfo;
    };

export interface AgentSessionInfo {
  sessionId?: string;
  transcriptPath?: string;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
}

/** Runs one kind of step (run, agent, llm, mcp, function). Gates and workflows are the engine's. */
export interface StepExecutor {
  readonly kind: string;
  /**
   * Output names this executor sets on every attempt whatever the step does (`exit_code`):
   * outputs made of these alone do not make Baton create the step's folder for output.json.
   */
  readonly builtinOutputs?: readonly string[];
  /**
   * The executor writes into `ctx.stepDir` (or hands it to a process): the engine has it created
   * before `execute`, starting while it commits the claim.
   */
  readonly needsStepDir?: boolean;
  execute(context: StepExecutionContext): Promise<StepExecutionResult>;
}

/** Finds another template by id (or path) for `workflow:` steps. */
export interface TemplateResolver {
  /** Throws TemplateNotFoundError when there is no such template. */
  resolve(reference: string, from?: TemplateDefinition): Promise<TemplateDefinition>;
}

/** A run row to insert (the store fills counters and timestamps). */
export interface NewRun {
  id: string;
  templateId: string;
  templateName: string;
  /** Immutable snapshot the run executes. */
  definition: TemplateDefinition;
  inputs: Record<string, JsonValue>;
  trigger: TriggerInfo;
  parentRunId: string | null;
  parentStepRowId: number | null;
  concurrencyKey: string | null;
  status: RunStatus;
  unfinishedSteps: number;
  createdAt: number;
}

/** A step row to insert. */
export interface NewStep {
  runId: string;
  stepId: string;
  itemKey: string | null;
  itemIndex: number | null;
  parentRowId: number | null;
  kind: string;
  status: StepStatus;
  phase: string | null;
  needsRemaining: number;
  item: JsonValue | null;
  createdAt: number;
}

/** The hot columns of a run (no JSON), for transitions. */
export type RunState = Pick<
  RunRecord,
  'id' | 'status' | 'phase' | 'parentRunId' | 'parentStepRowId' | 'unfinishedSteps' | 'failedSteps' | 'activeSteps'
>;

export type RunPatch = Partial<
  Pick<RunRecord, 'status' | 'phase' | 'outputs' | 'error' | 'startedAt' | 'finishedAt' | 'updatedAt' | 'archivedAt'>
>;
export type StepPatch = Partial<
  Pick<
    StepRecord,
    | 'status'
    | 'outputs'
    | 'error'
    | 'dueAt'
    | 'leaseOwner'
    | 'leaseExpiresAt'
    | 'childRunId'
    | 'startedAt'
    | 'finishedAt'
    | 'updatedAt'
    | 'needsRemaining'
    | 'upstream'
    | 'failures'
    | 'attempts'
    | 'sessionId'
    | 'transcriptPath'
  >
>;
export type AttemptPatch = Partial<Pick<AttemptRecord, 'status' | 'error' | 'exitCode' | 'costUsd' | 'finishedAt'>>;
export type GatePatch = Partial<
  Pick<GateRecord, 'decision' | 'decidedBy' | 'decidedAt' | 'comment' | 'formInputs' | 'escalated' | 'dueAt'>
>;

export interface NewEvent {
  runId: string;
  stepId: string | null;
  itemKey: string | null;
  type: EventType;
  payload: Record<string, JsonValue>;
  at: number;
}

export interface RunQuery {
  status?: RunStatus | readonly RunStatus[];
  templateId?: string;
  parentRunId?: string;
  /** true: archived runs only; false: runs not archived only; absent: both. */
  archived?: boolean;
  /** Newest first; default 100. */
  limit?: number;
}

/** Who archives or unarchives runs, and when (ms since the epoch). */
export interface RunArchiveChange {
  at: number;
  by: string | null;
}

export interface EventQuery {
  runId?: string;
  /** Default 1000. */
  limit?: number;
}

/**
 * Durable state. Every method is synchronous; `transaction` runs its callback inside one
 * `BEGIN IMMEDIATE` transaction (never await inside it). The engine composes these
 * primitives; the SQLite adapter is src/store/sqlite-store.ts.
 */
export interface Store {
  /** Runs `fn` in one IMMEDIATE transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;

  insertRun(run: NewRun): void;
  getRun(id: string): RunRecord | undefined;
  /** Status, phase and counters only (cheap: no JSON parsed). */
  getRunState(id: string): RunState | undefined;
  /** The immutable template snapshot of a run. */
  getRunDefinition(id: string): TemplateDefinition | undefined;
  updateRun(id: string, patch: RunPatch): void;
  /** Adds to the run's counters and returns them after the change. */
  addRunCounters(
    id: string,
    unfinishedDelta: number,
    failedDelta: number,
    activeDelta?: number,
  ): { unfinishedSteps: number; failedSteps: number; activeSteps: number };
  listRuns(query?: RunQuery): RunRecord[];
  /**
   * Archives finished runs, in one transaction that appends a `run.archived` event for each run it
   * changes (runs already archived are left alone). Throws RunNotFoundError or RunNotFinishedError
   * and changes nothing when any run is unknown or not finished. Returns the ids it archived.
   */
  archiveRuns(runIds: readonly string[], change: RunArchiveChange): string[];
  /** The reverse of archiveRuns (`run.unarchived` events); runs not archived are left alone. Returns the ids it changed. */
  unarchiveRuns(runIds: readonly string[], change: RunArchiveChange): string[];
  /** Runs of a concurrency group that hold a slot (running, waiting, paused). */
  countActiveRuns(concurrencyKey: string): number;
  /** The oldest queued (pending) run of a concurrency group. */
  nextQueuedRun(concurrencyKey: string): string | undefined;

  /** Returns the new row id. */
  insertStep(step: NewStep): number;
  getStep(rowId: number): StepRecord | undefined;
  /** Top-level steps have `itemKey` null. */
  findStep(runId: string, stepId: string, itemKey: string | null): StepRecord | undefined;
  /** Every step row of a run (top-level and items), by row id. */
  listSteps(runId: string): StepRecord[];
  /** Foreach items of one foreach step, in item order. */
  listItems(parentRowId: number): StepRecord[];
  /** First `pending` foreach item, in item order. */
  nextPendingItem(parentRowId: number): StepRecord | undefined;
  updateStep(rowId: number, patch: StepPatch): void;
  /**
   * One of the step's needs finished: decrement `needsRemaining`, OR `upstreamBits` in. Returns
   * the row after the change when nothing is left to wait for (the caller decides it next).
   */
  noteNeedFinished(rowId: number, upstreamBits: number): { needsRemaining: number; upstream: number; row?: StepRecord };
  /**
   * A foreach item finished: decrements its running parent's `needsRemaining` and returns it;
   * undefined (and no change) when the parent is not running.
   */
  noteItemFinished(parentRowId: number): number | undefined;
  /** A run's pending top-level steps with nothing left to wait for (what beginning the run decides). */
  listStartableSteps(runId: string): StepRecord[];
  /** Status and outputs only: what an expression reads of another step. */
  getStepResult(rowId: number): Pick<StepRecord, 'status' | 'outputs'> | undefined;
  /** True while the step is running attempt `attempt` under `owner`'s lease. */
  holdsLease(rowId: number, owner: string, attempt: number): boolean;
  /**
   * The oldest `ready` step of a `running` run, skipping runs of the given templates; with
   * `runIds`, only steps of those runs (an empty list finds nothing).
   */
  findClaimableStep(excludeTemplateIds: readonly string[], runIds?: readonly string[]): StepRecord | undefined;
  /** Cheap probe: is any step of a running run ready? */
  hasClaimableStep(): boolean;
  /** Extends a lease; false when the step is no longer running under this owner. */
  renewLease(rowId: number, owner: string, expiresAt: number): boolean;
  /** Running steps with a lease that expired before `now`. */
  listExpiredLeases(now: number, limit: number): StepRecord[];
  /** Waiting steps whose `dueAt` is at or before `now`. */
  listDueTimers(now: number, limit: number): StepRecord[];
  /** Earliest `dueAt` of any waiting step, if any. */
  nextDueAt(): number | undefined;
  /** True when the run has a step that is ready, running, or waiting for something other than a gate (its counter). */
  hasActiveSteps(runId: string): boolean;
  /** Template id of the run a step row belongs to. */
  templateIdOfRun(runId: string): string | undefined;

  /** Returns the new attempt id. */
  insertAttempt(attempt: Omit<AttemptRecord, 'id' | 'finishedAt' | 'error' | 'exitCode' | 'costUsd'>): number;
  updateAttempt(id: number, patch: AttemptPatch): void;
  /** The latest attempt of a step row. */
  latestAttempt(stepRowId: number): AttemptRecord | undefined;
  listAttempts(stepRowId: number): AttemptRecord[];

  /** Appends to the event log; returns the event id. */
  appendEvent(event: NewEvent): number;
  /** Events with id > afterId, oldest first. */
  listEvents(afterId: number, query?: EventQuery): EventRecord[];
  /** The last `limit` events of one run, oldest first (a run's recent activity). */
  listRecentRunEvents(runId: string, limit: number): EventRecord[];
  /** What each run's attempts cost (USD, agent steps that report it), by run id; runs without a known cost are absent. */
  runCostsUsd(runId?: string): Map<string, number>;
  /**
   * The newest event of one run that is not step progress, or is progress of one of
   * `progressKinds` (a tool call, say): what a run did last, without its output chunks.
   */
  latestRunEvent(runId: string, progressKinds?: readonly StepProgress['kind'][]): EventRecord | undefined;
  /** Highest event id (0 when empty); cheap, for polling. */
  maxEventId(): number;

  insertGate(gate: Omit<GateRecord, 'id' | 'decision' | 'decidedBy' | 'decidedAt' | 'comment' | 'formInputs' | 'escalated'>): number;
  findGate(runId: string, stepId: string, itemKey: string | null): GateRecord | undefined;
  /** A gate by its row id (gate dialogs are opened by id). */
  getGate(id: number): GateRecord | undefined;
  /** Applies the patch only while the gate is undecided; false when it was already decided. */
  updateOpenGate(id: number, patch: GatePatch): boolean;
  listGates(runId: string): GateRecord[];
  /** Undecided gates across all runs, oldest first. */
  listOpenGates(limit: number): GateRecord[];
  hasOpenGate(runId: string): boolean;

  insertComment(comment: Omit<CommentRecord, 'id'>): number;
  listComments(runId: string): CommentRecord[];
  insertArtifact(artifact: Omit<ArtifactRecord, 'id'>): number;
  listArtifacts(runId: string): ArtifactRecord[];
}

/** Files of a run on disk (`.baton/runs/<run-id>/`). Writes may happen behind; `flush` waits for them. */
export interface RunFiles {
  runDir(runId: string): string;
  /** `.baton/runs/<run>/steps/<step>[/<item>]` (not created). */
  stepDir(runId: string, stepId: string, itemKey: string | null): string;
  /** `.baton/runs/<run>/artifacts` (not created: whoever writes an artifact creates it). */
  artifactsDir(runId: string): string;
  /** Writes definition.json and inputs.json once (an adapter may wait for the run's first file). */
  writeRunSnapshot(runId: string, definition: TemplateDefinition, inputs: Record<string, JsonValue>): void;
  writeStepInput(runId: string, stepId: string, itemKey: string | null, input: JsonValue): void;
  writeStepOutput(runId: string, stepId: string, itemKey: string | null, output: JsonValue): void;
  writeStepSummary(runId: string, stepId: string, itemKey: string | null, markdown: string): void;
  appendStepLog(runId: string, stepId: string, itemKey: string | null, text: string): void;
  appendStepEvent(runId: string, stepId: string, itemKey: string | null, event: JsonValue): void;
  stepLogPath(runId: string, stepId: string, itemKey: string | null): string;
  /** Creates the step's folder (and gives the run folder its snapshots); resolves when it exists. */
  prepareStepDir?(runId: string, stepId: string, itemKey: string | null): Promise<void>;
  /** Resolves when queued writes are on disk (adapters that write behind). */
  flush?(): Promise<void>;
}

/** One persisted cron schedule (the cron trigger keeps last/next fire times here). */
export interface ScheduleRecord {
  /** Stable id, e.g. `<template-id>#<index>`. */
  id: string;
  templateId: string;
  cron: string;
  timezone: string | null;
  catchup: string;
  enabled: boolean;
  lastFiredAt: number | null;
  nextFireAt: number | null;
  updatedAt: number;
}

export interface WebhookDeliveryRecord {
  id: string;
  templateId: string;
  receivedAt: number;
  bodySha256: string | null;
  runId: string | null;
}

/** Durable state of triggers (cron schedules, webhook replay protection); SqliteStore implements it. */
export interface TriggerStore {
  upsertSchedule(schedule: ScheduleRecord): void;
  listSchedules(): ScheduleRecord[];
  deleteSchedule(id: string): void;
  /**
   * Records a fire only if `lastFiredAt` still equals `expectedLastFiredAt` (compare-and-set), so
   * two processes never both fire one tick. Returns whether this caller won.
   */
  markScheduleFired(id: string, firedAt: number, nextFireAt: number | null, expectedLastFiredAt: number | null): boolean;
  /** Remembers a delivery id; false when it was seen before (a replay). */
  recordWebhookDelivery(delivery: WebhookDeliveryRecord): boolean;
  /** Forgets deliveries received before `before`; returns how many. */
  pruneWebhookDeliveries(before: number): number;
}
