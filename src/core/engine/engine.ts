/**
 * The run engine: turns a template + inputs into a run and moves its steps through the one
 * transition table, each move in a short IMMEDIATE transaction together with its event.
 *
 * Readiness is incremental: when a step finishes, only its dependents are touched (their
 * `needsRemaining` drops; at zero their `if:` is decided). Gates, foreach fan-out and child
 * workflows are engine-owned; every other kind is executed by a registered StepExecutor under a
 * lease (see Worker). Everything here goes through the Store port, so any process that opens
 * the same database (CLI, VS Code, a second worker) can decide a gate, cancel or resume.
 */
import {
  BatonError,
  GateAlreadyDecidedError,
  GateNotAllowedError,
  GateNotFoundError,
  InputInvalidError,
  InvalidTransitionError,
  LeaseLostError,
  RunNotFoundError,
  StepNotFoundError,
  StepTimeoutError,
  TemplateInvalidError,
  describeError,
  type InputProblem,
} from '../errors';
import { recordStepApprovalDecision } from './approvals';
import {
  conditionReads,
  evaluateCondition,
  resolveValue,
  interpolate,
  type ExpressionContext,
  type StepExpressionState,
} from '../expressions';
import {
  AttemptStatus,
  EventType,
  GateDecision,
  RunStatus,
  StepStatus,
  canTransitionRun,
  canTransitionStep,
  isRunFinished,
  isStepActive,
  isStepFinished,
  type ArtifactRecord,
  type AttemptRecord,
  type CommentRecord,
  type EventPayloads,
  type EventRecord,
  type GateRecord,
  type JsonValue,
  type Outputs,
  type RunRecord,
  type StepRecord,
  type TriggerInfo,
} from '../model';
import type {
  Clock,
  EventQuery,
  Logger,
  RunFiles,
  RunQuery,
  ReviewerFeedback,
  RunState,
  SecretSource,
  StepExecutionResult,
  StepExecutor,
  StepPatch,
  StepProgress,
  Store,
  TemplateResolver,
} from '../ports';
import { instantiate } from '../template/inputs';
import type { GateStep, StepDefinition, TemplateDefinition, WorkflowStep } from '../template/types';
import { buildStepGraph, descendantsOf, graphProblems, type StepGraph } from './graph';
import {
  aggregateItemOutputs,
  applyInputDefaults,
  defaultRunId,
  joinPath,
  redact,
  statusFunctionsFor,
  stepLabel,
  upstreamSucceeded,
  systemClock,
  upstreamBitsOf,
} from './rules';

export { aggregateItemOutputs, applyInputDefaults, statusFunctionsFor, systemClock, upstreamBitsOf } from './rules';
import { computeRetryDelay, retryPolicyFor, shouldRetry } from './retry';

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Default lease length: a worker renews every third of it. */
export const DEFAULT_LEASE_MS = 30_000;

export interface EngineDeps {
  store: Store;
  files: RunFiles;
  /** Folder steps run in unless they set `cwd` (relative `cwd` is resolved against it). */
  workspaceDir: string;
  clock?: Clock;
  /** Executors by kind (`run`, `agent`, `llm`, `mcp`, `function`). */
  executors?: readonly StepExecutor[];
  /** Needed for `workflow:` steps. */
  templates?: TemplateResolver;
  secrets?: SecretSource;
  logger?: Logger;
  /** Run ids (default: time-ordered random ids). */
  newRunId?: () => string;
  /** For retry jitter (default Math.random). */
  random?: () => number;
  leaseMs?: number;
}

export interface StartRunOptions {
  inputs?: Record<string, JsonValue>;
  trigger?: TriggerInfo;
  /** Use this id instead of a generated one. */
  runId?: string;
}

export interface GateDecisionInput {
  decision: 'approve' | 'reject';
  /** Who decides; checked against the gate's `approvers` when it has any. */
  by: string;
  comment?: string;
  /** Values for the gate's form (`inputs:` of the gate step). */
  inputs?: Record<string, JsonValue>;
  /** For a gate inside a foreach: the item key. */
  itemKey?: string;
}

/** A step a worker holds the lease of; returned by `claimNext`, passed back to `executeClaim`. */
export interface StepClaim {
  row: StepRecord;
  attempt: number;
  attemptId: number;
  owner: string;
  templateId: string;
  /**
   * What the step's expressions read of other steps, read in the claim's transaction (a read
   * outside a transaction costs several times more: it opens a read transaction of its own).
   */
  reads?: Record<string, StepExpressionState>;
  /** The step folder being created for an executor that needs it (started inside the claim's commit). */
  stepDirReady?: Promise<void>;
}

export interface RunDetail {
  run: RunRecord;
  /** Every step row (top-level and foreach items) by row id. */
  steps: StepRecord[];
}

/** Lets `executeClaim` claim the worker's next step in the same commit that records this one. */
export interface ChainOptions {
  /** Lease owner for the next claim (default: the finished claim's owner). */
  owner?: string;
  /** Templates at their limit, given the template of the step that just finished (which frees a slot). */
  excludeTemplateIds?: (finishedTemplateId: string) => readonly string[];
  /** Only claim steps of these runs (a worker following one run tree); default: any run. */
  runIds?: () => readonly string[];
}

export interface ExecutionReport {
  outcome: RecordOutcome;
  /** The worker's next step, claimed in the same transaction (only with ChainOptions). */
  next?: StepClaim;
}

/** What `recordResult` did with a finished attempt. */
/** `waiting`: a `workflow:` step started its child run and waits for it. */
export type RecordOutcome = 'succeeded' | 'failed' | 'retrying' | 'waiting' | 'lease_lost';

interface RunPlan {
  runId: string;
  templateId: string;
  definition: TemplateDefinition;
  graph: StepGraph;
  inputs: Record<string, JsonValue>;
  trigger: TriggerInfo;
  /** Top-level step id -> row id (rows are never deleted, so this never goes stale). */
  rowIds: Map<string, number>;
}

/** A step whose needs all finished, to be decided; `row` when the caller just read it in this transaction. */
type Decision = { rowId: number; runId: string; upstream: number; row?: StepRecord };

/** Keys of a step definition that are structure, not values handed to the executor. */
const STRUCTURAL_KEYS = new Set([
  'id',
  'name',
  'phase',
  'needs',
  'if',
  'env',
  'cwd',
  'timeoutMs',
  'retry',
  'continueOnError',
  'outputs',
  'foreach',
  'maxParallel',
  'kind',
  'fn',
]);

const PLAN_CACHE_LIMIT = 500;

/** The durable run engine. One per process per database; cheap to construct. */
export class Engine {
  readonly store: Store;
  readonly files: RunFiles;
  readonly clock: Clock;
  readonly leaseMs: number;
  private readonly executors = new Map<string, StepExecutor>();
  private readonly logger: Logger;
  private readonly plans = new Map<string, RunPlan>();
  private readonly listeners = new Set<() => void>();
  private dirty = false;
  /** Counts steps made claimable; lets a completion skip the run-activity check when it readied work. */
  private madeClaimable = 0;
  /** Run id -> active-step counter change not yet written (inside a transaction; see moveStep). */
  private readonly activeDeltas = new Map<string, number>();
  /** Nesting of tx(): only the outermost one commits or rolls back. */
  private txDepth = 0;
  /** input.json writers of running attempts (by attempt id), until the step has a file to show. */
  private readonly pendingInputs = new Map<number, () => void>();

  constructor(private readonly deps: EngineDeps) {
    this.store = deps.store;
    this.files = deps.files;
    this.clock = deps.clock ?? systemClock;
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.logger = deps.logger ?? silentLogger;
    for (const executor of deps.executors ?? []) this.executors.set(executor.kind, executor);
  }

  /** Adds (or replaces) the executor for its kind. */
  registerExecutor(executor: StepExecutor): void {
    this.executors.set(executor.kind, executor);
  }

  /** Called (in this process) after any transaction that appended events; returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- run commands

  /** Creates a run of `template` and makes its first steps ready. Inputs get defaults; required ones are checked. */
  startRun(template: TemplateDefinition, options: StartRunOptions = {}): RunRecord {
    assertRunnable(template);
    const inputs = applyInputDefaults(template, options.inputs ?? {});
    const runId = options.runId ?? (this.deps.newRunId ?? (() => defaultRunId(this.clock.now())))();
    this.files.writeRunSnapshot(runId, template, inputs);
    return this.tx(() => {
      this.createRun(runId, template, inputs, options.trigger ?? { kind: 'manual' }, null);
      return this.requireRun(runId);
    });
  }

  /** Cancels a run and its child runs; running steps are aborted by their workers on the next lease renewal. */
  cancelRun(runId: string, options: { by?: string; reason?: string } = {}): RunRecord {
    return this.tx(() => {
      this.cancelInTx(this.requireRun(runId), options.by ?? null, options.reason ?? 'cancelled');
      return this.requireRun(runId);
    });
  }

  /** Pauses a run: running steps finish, nothing new starts until resumeRun. */
  pauseRun(runId: string, options: { by?: string } = {}): RunRecord {
    return this.tx(() => {
      const run = this.requireRun(runId);
      this.moveRun(run, RunStatus.Paused, {}, EventType.RunPaused, { by: options.by ?? null });
      return run;
    });
  }

  /**
   * Resumes a paused run, or reopens a failed/cancelled one: its failed and cancelled steps
   * (and what they blocked) go back to pending; finished work is kept.
   */
  resumeRun(runId: string, options: { by?: string } = {}): RunRecord {
    return this.tx(() => {
      const run = this.requireRun(runId);
      if (run.status === RunStatus.Paused) {
        if (run.startedAt === null) {
          // Paused while queued: it starts now (resuming is an explicit request to run it).
          this.beginRun(run.id);
          return this.requireRun(runId);
        }
        if (run.unfinishedSteps === 0) {
          this.finalizeRun(run.id);
          return this.requireRun(runId);
        }
        const to = this.activityStatus(run.id);
        this.moveRun(run, to, {}, EventType.RunResumed, { by: options.by ?? null, from: RunStatus.Paused });
        return run;
      }
      if (run.status === RunStatus.Failed || run.status === RunStatus.Cancelled) {
        this.reopen(run, undefined, options.by ?? null);
        return this.requireRun(runId);
      }
      throw new InvalidTransitionError('run', runId, run.status, RunStatus.Running);
    });
  }

  /**
   * Reruns from `fromStep`: that step and everything downstream go back to pending; upstream
   * outputs are kept. Without `fromStep`, like resumeRun on a failed run. The run must not be running.
   */
  retryRun(runId: string, options: { fromStep?: string; by?: string } = {}): RunRecord {
    return this.tx(() => {
      const run = this.requireRun(runId);
      if (!isRunFinished(run.status) && run.status !== RunStatus.Paused) {
        throw new InvalidTransitionError('run', runId, run.status, RunStatus.Running);
      }
      this.reopen(run, options.fromStep, options.by ?? null);
      return this.requireRun(runId);
    });
  }

  /** Starts a new run of the same template snapshot with the same inputs (trigger kind `rerun`). */
  rerun(runId: string): RunRecord {
    const run = this.requireRun(runId);
    const definition = this.plan(runId).definition;
    return this.startRun(definition, { inputs: run.inputs, trigger: { kind: 'rerun', payload: { runId } } });
  }

  /**
   * Approves or rejects a waiting gate. Exactly one decision is ever stored: a second one
   * throws GateAlreadyDecidedError. Works from any process (it is one transaction). Also decides
   * an approval a running non-gate step asked for (agent request_approval) without finishing it.
   */
  decideGate(runId: string, gateStepId: string, input: GateDecisionInput): GateRecord {
    return this.tx(() => {
      const run = this.requireRun(runId);
      const itemKey = input.itemKey ?? null;
      const gate = this.store.findGate(run.id, gateStepId, itemKey);
      if (!gate) throw new GateNotFoundError(runId, gateStepId);
      if (gate.decision !== null) throw new GateAlreadyDecidedError(runId, gateStepId, gate.decision, gate.decidedBy);
      const stepDefinition = this.plan(runId).graph.steps.get(gateStepId);
      if (stepDefinition && stepDefinition.kind !== 'gate') {
        // An approval the running step asked for (agent request_approval): record the decision
        // only; the step's process reads it and goes on, so the step is not finished here.
        const decided = recordStepApprovalDecision(this.store, this.clock, {
          runId: run.id,
          stepId: gateStepId,
          itemKey,
          decision: input.decision,
          by: input.by,
          ...(input.comment === undefined ? {} : { comment: input.comment }),
        });
        this.dirty = true;
        return decided;
      }
      const row = this.store.getStep(gate.stepRowId);
      if (!row || row.status !== StepStatus.Waiting) {
        throw new GateAlreadyDecidedError(runId, gateStepId, row?.status ?? 'gone', null);
      }
      const definition = stepDefinition as GateStep;
      if (gate.approvers.length > 0 && !gate.approvers.includes(input.by)) {
        throw new GateNotAllowedError(gateStepId, input.by, gate.approvers);
      }
      const formInputs = this.checkGateForm(runId, definition, input.inputs ?? {});
      const now = this.clock.now();
      const decision = input.decision === 'approve' ? GateDecision.Approved : GateDecision.Rejected;
      const changed = this.store.updateOpenGate(gate.id, {
        decision,
        decidedBy: input.by,
        decidedAt: now,
        comment: input.comment ?? null,
        formInputs,
      });
      if (!changed) throw new GateAlreadyDecidedError(runId, gateStepId, 'decided', null);
      this.emit(run.id, row.stepId, row.itemKey, EventType.GateDecided, {
        decision,
        by: input.by,
        comment: input.comment ?? null,
        inputs: formInputs,
      });
      if (input.comment) this.insertComment(run.id, row.stepId, input.by, input.comment);
      const settle: Decision[] = [];
      if (decision === GateDecision.Approved) {
        this.finishStep(row, StepStatus.Succeeded, {
          outputs: { ...formInputs, decision, approved: true, by: input.by, comment: input.comment ?? null },
        }, settle);
      } else {
        const reason = `rejected by ${input.by}${input.comment ? `: ${input.comment}` : ''}`;
        this.finishStep(row, StepStatus.Failed, { error: reason, outputs: { decision, approved: false, by: input.by } }, settle);
      }
      this.settle(settle);
      this.refreshActivity(run.id);
      return this.store.findGate(run.id, gateStepId, itemKey) as GateRecord;
    });
  }

  /**
   * Archives finished runs (one transaction, a `run.archived` event each); RunNotFinishedError
   * and no change when one of them is not finished. Returns the ids that were not archived yet.
   */
  archiveRuns(runIds: readonly string[], options: { by?: string | null } = {}): string[] {
    return this.tx(() => {
      const changed = this.store.archiveRuns(runIds, { at: this.clock.now(), by: options.by ?? null });
      if (changed.length > 0) this.dirty = true;
      return changed;
    });
  }

  /** Unarchives runs (a `run.unarchived` event each); returns the ids that were archived. */
  unarchiveRuns(runIds: readonly string[], options: { by?: string | null } = {}): string[] {
    return this.tx(() => {
      const changed = this.store.unarchiveRuns(runIds, { at: this.clock.now(), by: options.by ?? null });
      if (changed.length > 0) this.dirty = true;
      return changed;
    });
  }

  /** Adds a comment to a run (optionally on one step). */
  addComment(runId: string, comment: { author: string; body: string; stepId?: string }): CommentRecord {
    return this.tx(() => {
      this.requireRun(runId);
      const id = this.insertComment(runId, comment.stepId ?? null, comment.author, comment.body);
      return this.store.listComments(runId).find((c) => c.id === id) as CommentRecord;
    });
  }

  /** Records an artifact whose bytes are already at `path`. */
  addArtifact(
    runId: string,
    artifact: { name: string; path: string; stepId?: string; mediaType?: string; sizeBytes?: number },
  ): ArtifactRecord {
    return this.tx(() => {
      this.requireRun(runId);
      const record: Omit<ArtifactRecord, 'id'> = {
        runId,
        stepId: artifact.stepId ?? null,
        name: artifact.name,
        path: artifact.path,
        mediaType: artifact.mediaType ?? null,
        sizeBytes: artifact.sizeBytes ?? null,
        createdAt: this.clock.now(),
      };
      const id = this.store.insertArtifact(record);
      this.emit(runId, record.stepId, null, EventType.ArtifactAdded, {
        artifactId: id,
        name: record.name,
        path: record.path,
        mediaType: record.mediaType,
      });
      return { id, ...record };
    });
  }

  // ---------------------------------------------------------------- reads

  /** A run and all its step rows; RunNotFoundError when unknown. */
  getRun(runId: string): RunDetail {
    const run = this.requireRun(runId);
    return { run, steps: this.store.listSteps(runId) };
  }

  listRuns(query: RunQuery = {}): RunRecord[] {
    return this.store.listRuns(query);
  }

  /** Events after `afterId` (0 for all), oldest first. */
  listEvents(afterId: number, query: EventQuery = {}): EventRecord[] {
    return this.store.listEvents(afterId, query);
  }

  /** Highest event id; poll it to see whether anything changed. */
  maxEventId(): number {
    return this.store.maxEventId();
  }

  /** Path of a step's stdout.log (it may not exist yet). */
  stepLogPath(runId: string, stepId: string, itemKey: string | null = null): string {
    return this.files.stepLogPath(runId, stepId, itemKey);
  }

  /** The template snapshot a run executes. */
  getRunDefinition(runId: string): TemplateDefinition {
    return this.plan(runId).definition;
  }

  listAttempts(runId: string, stepId: string, itemKey: string | null = null): AttemptRecord[] {
    const row = this.store.findStep(runId, stepId, itemKey);
    if (!row) throw new StepNotFoundError(runId, itemKey === null ? stepId : `${stepId}[${itemKey}]`);
    return this.store.listAttempts(row.id);
  }

  listComments(runId: string): CommentRecord[] {
    this.requireRun(runId);
    return this.store.listComments(runId);
  }

  listArtifacts(runId: string): ArtifactRecord[] {
    this.requireRun(runId);
    return this.store.listArtifacts(runId);
  }

  listGates(runId: string): GateRecord[] {
    this.requireRun(runId);
    return this.store.listGates(runId);
  }

  /** Undecided gates of all runs (for "waiting for you" lists). */
  listOpenGates(limit = 100): GateRecord[] {
    return this.store.listOpenGates(limit);
  }

  /**
   * A run's id and the ids of every child run its `workflow:` steps started, recursively (what a
   * worker following one run may claim). One runs_by_parent lookup per run in the tree.
   */
  runTreeIds(runId: string): string[] {
    const ids = [runId];
    const seen = new Set(ids);
    for (let i = 0; i < ids.length; i++) {
      for (const child of this.store.listRuns({ parentRunId: ids[i]!, limit: 10_000 })) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        ids.push(child.id);
      }
    }
    return ids;
  }

  // ---------------------------------------------------------------- worker primitives

  /**
   * Claims the oldest ready step under a lease for `owner`; undefined when there is none.
   * With `runIds`, only a step of those runs (e.g. the run tree `baton run` follows).
   */
  claimNext(owner: string, excludeTemplateIds: readonly string[] = [], runIds?: readonly string[]): StepClaim | undefined {
    // A read outside the write lock first: an idle worker must not take the lock to find nothing.
    if (runIds === undefined ? !this.store.hasClaimableStep() : !this.store.findClaimableStep(excludeTemplateIds, runIds)) {
      return undefined;
    }
    return this.tx(() => this.claimInTx(owner, excludeTemplateIds, runIds));
  }

  private claimInTx(owner: string, excludeTemplateIds: readonly string[], runIds?: readonly string[]): StepClaim | undefined {
    const row = this.store.findClaimableStep(excludeTemplateIds, runIds);
    if (!row) return undefined;
    const plan = this.plan(row.runId);
    const now = this.clock.now();
    const attempt = row.attempts + 1;
    this.moveStep(
      row,
      StepStatus.Running,
      {
        attempts: attempt,
        leaseOwner: owner,
        leaseExpiresAt: now + this.leaseMs,
        startedAt: row.startedAt ?? now,
        dueAt: null,
      },
      EventType.StepStarted,
      { attempt, owner },
    );
    const attemptId = this.store.insertAttempt({
      stepRowId: row.id,
      runId: row.runId,
      stepId: row.stepId,
      itemKey: row.itemKey,
      number: attempt,
      status: AttemptStatus.Running,
      owner,
      startedAt: now,
    });
    const phase = plan.graph.steps.get(row.stepId)?.phase;
    if (phase) {
      const run = this.runState(row.runId);
      if (run.phase !== phase) {
        this.store.updateRun(run.id, { phase, updatedAt: now });
        this.emit(run.id, row.stepId, row.itemKey, EventType.RunPhaseChanged, { from: run.phase, to: phase });
      }
    }
    const step = plan.graph.steps.get(row.stepId);
    const reads = step ? this.readStepStates(plan, step) : undefined;
    // Started before COMMIT on purpose: the folder is made on the thread pool while this commits.
    const stepDirReady = this.executors.get(row.kind)?.needsStepDir ? this.files.prepareStepDir?.(row.runId, row.stepId, row.itemKey) : undefined;
    // Awaited by runExecutor; a claim that never runs (lease lost) must not leave it unhandled.
    stepDirReady?.catch(() => undefined);
    return {
      row,
      attempt,
      attemptId,
      owner,
      templateId: plan.templateId,
      ...(reads ? { reads } : {}),
      ...(stepDirReady ? { stepDirReady } : {}),
    };
  }

  /**
   * The claimed row while the claim still holds its lease (inside a transaction), else undefined.
   * Nothing but lease renewals touches a running step's row under a held lease, so the row as
   * claimed is the row as stored: one indexed probe instead of reading the whole row back.
   */
  private heldRow(claim: StepClaim): StepRecord | undefined {
    if (!this.store.holdsLease(claim.row.id, claim.owner, claim.attempt)) return undefined;
    return { ...claim.row, status: StepStatus.Running, leaseOwner: claim.owner, attempts: claim.attempt };
  }

  /** Extends the lease; false when the worker lost it (step cancelled, taken over or finished). */
  renewLease(claim: StepClaim): boolean {
    return this.store.renewLease(claim.row.id, claim.owner, this.clock.now() + this.leaseMs);
  }

  /** Runs one claimed attempt to its end and records the result. Never throws for step failures. */
  async executeClaim(claim: StepClaim, signal: AbortSignal, chain?: ChainOptions): Promise<ExecutionReport> {
    const { row } = claim;
    const plan = this.plan(row.runId);
    const step = plan.graph.steps.get(row.stepId);
    if (!step) {
      return { outcome: this.recordResult(claim, { kind: 'failed', error: `step ${row.stepId} is not in the template`, retryable: false }) };
    }
    let result: StepExecutionResult;
    const timeoutMs = step.timeoutMs ?? plan.definition.defaults.timeoutMs;
    let timedOut = false;
    // Only a step with a timeout gets its own signal and timer: an AbortController, a listener
    // and aborting the timer (a DOMException) per step cost more than a no-op step's commit.
    let stepSignal = signal;
    let stopTimer: (() => void) | undefined;
    if (timeoutMs !== undefined && step.kind !== 'workflow') {
      const controller = new AbortController();
      const abortFromOutside = () => controller.abort(signal.reason);
      signal.addEventListener('abort', abortFromOutside, { once: true });
      const timerStop = new AbortController();
      void this.clock.sleep(timeoutMs, timerStop.signal).then(() => {
        if (!timerStop.signal.aborted) {
          timedOut = true;
          controller.abort(new StepTimeoutError(timeoutMs));
        }
      });
      stepSignal = controller.signal;
      stopTimer = () => {
        timerStop.abort();
        signal.removeEventListener('abort', abortFromOutside);
      };
    }
    try {
      if (step.kind === 'workflow') {
        result = await this.startChildWorkflow(claim, plan, step);
        if (result.kind === 'succeeded') return { outcome: 'waiting' };
      } else {
        result = await this.runExecutor(claim, plan, step, stepSignal, timeoutMs);
      }
    } catch (error) {
      const retryable = error instanceof BatonError ? error.retryable : true;
      result = { kind: 'failed', error: describeError(error), retryable };
    } finally {
      stopTimer?.();
    }
    if (!timedOut && signal.aborted) {
      // Not the step's fault: the worker stopped (hand the step back) or lost its lease.
      this.pendingInputs.delete(claim.attemptId);
      if (signal.reason instanceof LeaseLostError) return { outcome: 'lease_lost' };
      return { outcome: this.releaseClaim(claim, describeError(signal.reason)) };
    }
    if (timedOut && result.kind === 'failed') {
      result = { ...result, error: new StepTimeoutError(timeoutMs ?? 0).message, retryable: true };
    }
    const failedStatus = timedOut ? AttemptStatus.TimedOut : undefined;
    if (!chain) return { outcome: this.recordResult(claim, result, failedStatus) };
    // Recording this result and claiming the next step share one commit: half the commits per step.
    this.writeResultFiles(claim, result);
    return this.tx(() => {
      const outcome = this.recordInTx(claim, result, failedStatus);
      const exclude = chain.excludeTemplateIds ? chain.excludeTemplateIds(claim.templateId) : [];
      const next = this.claimInTx(chain.owner ?? claim.owner, exclude, chain.runIds?.());
      return next ? { outcome, next } : { outcome };
    });
  }

  /**
   * The step folder is created only for a step with something to show: outputs of its own (not
   * just the executor's builtinOutputs), a summary, logs, a failure, or an earlier attempt whose
   * files must be replaced. A no-op step (a script `true`) leaves no input.json or output.json
   * (creating a folder and two files cost more than the step's commit). The database has every
   * step's outputs; output.json is a copy for people to read.
   */
  private writeResultFiles(claim: StepClaim, result: StepExecutionResult): void {
    const { runId, stepId, itemKey } = claim.row;
    const retried = claim.attempt > 1;
    const builtin = this.executors.get(claim.row.kind)?.builtinOutputs ?? [];
    const hasOutputs = result.outputs !== undefined && Object.keys(result.outputs).some((name) => !builtin.includes(name));
    if (result.kind !== 'succeeded' || hasOutputs || result.summary || retried) this.writePendingInput(claim.attemptId);
    else this.pendingInputs.delete(claim.attemptId);
    if (result.kind !== 'succeeded') return;
    if (hasOutputs || retried) this.files.writeStepOutput(runId, stepId, itemKey, result.outputs);
    if (result.summary) this.files.writeStepSummary(runId, stepId, itemKey, result.summary);
  }

  /** Writes the attempt's input.json if it has not been written yet. */
  private writePendingInput(attemptId: number): void {
    const write = this.pendingInputs.get(attemptId);
    if (!write) return;
    this.pendingInputs.delete(attemptId);
    write();
  }

  /**
   * Records the end of an attempt: success finishes the step and readies its dependents;
   * a retryable failure with attempts left schedules a durable retry timer. A worker that lost
   * its lease gets 'lease_lost' and nothing changes.
   */
  recordResult(claim: StepClaim, result: StepExecutionResult, failedStatus?: AttemptStatus): RecordOutcome {
    this.writeResultFiles(claim, result);
    return this.tx(() => this.recordInTx(claim, result, failedStatus));
  }

  private recordInTx(claim: StepClaim, result: StepExecutionResult, failedStatus?: AttemptStatus): RecordOutcome {
    const row = this.heldRow(claim);
    if (!row) {
      this.logger.warn('result from a worker without the lease ignored', { step: stepLabel(claim.row), owner: claim.owner });
      return 'lease_lost';
    }
    const now = this.clock.now();
    const plan = this.plan(row.runId);
    const step = plan.graph.steps.get(row.stepId) as StepDefinition;
    const session = result.session;
    const sessionPatch: StepPatch = session
      ? { sessionId: session.sessionId ?? null, transcriptPath: session.transcriptPath ?? null }
      : {};
    const settle: Decision[] = [];
    if (result.kind === 'succeeded') {
      this.store.updateAttempt(claim.attemptId, { status: AttemptStatus.Succeeded, finishedAt: now, costUsd: session?.costUsd ?? null });
      const readied = this.madeClaimable;
      this.finishStep(row, StepStatus.Succeeded, { outputs: result.outputs, patch: sessionPatch, attempt: claim.attempt }, settle);
      this.settle(settle);
      // The run was running (this step was); if the step readied more work it still is.
      if (this.madeClaimable === readied) this.refreshActivity(row.runId);
      return 'succeeded';
    }
    const failures = row.failures + 1;
    this.store.updateAttempt(claim.attemptId, {
      status: failedStatus ?? AttemptStatus.Failed,
      finishedAt: now,
      error: result.error,
      exitCode: result.exitCode ?? null,
      costUsd: session?.costUsd ?? null,
    });
    const policy = retryPolicyFor(step, plan.definition);
    if (shouldRetry(policy, failures, result.retryable)) {
      const delayMs = computeRetryDelay(policy, failures, this.deps.random);
      const base = { failures, leaseOwner: null, leaseExpiresAt: null, error: result.error, ...sessionPatch };
      const payload = { attempt: claim.attempt, error: result.error, delayMs, dueAt: now + delayMs };
      if (delayMs <= 0) {
        this.moveStep(row, StepStatus.Ready, base, EventType.StepRetrying, payload);
      } else {
        this.moveStep(row, StepStatus.Waiting, { ...base, dueAt: now + delayMs }, EventType.StepRetrying, payload);
      }
      this.refreshActivity(row.runId);
      return 'retrying';
    }
    this.finishStep(
      row,
      StepStatus.Failed,
      { error: result.error, outputs: result.outputs, patch: { failures, ...sessionPatch }, attempt: claim.attempt },
      settle,
    );
    this.settle(settle);
    this.refreshActivity(row.runId);
    return 'failed';
  }

  /** Hands a claimed step back (ready again, attempt abandoned), e.g. when its worker stops. */
  releaseClaim(claim: StepClaim, reason: string): RecordOutcome {
    return this.tx(() => {
      const row = this.heldRow(claim);
      if (!row) return 'lease_lost';
      this.store.updateAttempt(claim.attemptId, { status: AttemptStatus.Abandoned, finishedAt: this.clock.now(), error: reason });
      this.emit(row.runId, row.stepId, row.itemKey, EventType.StepAbandoned, { attempt: claim.attempt, owner: claim.owner, reason });
      this.moveStep(row, StepStatus.Ready, { leaseOwner: null, leaseExpiresAt: null }, EventType.StepReady, { reason: 'released' });
      this.refreshActivity(row.runId);
      return 'lease_lost';
    });
  }

  /** Appends a progress chunk of a running attempt (event + step log). Ignored once the lease is lost. */
  recordProgress(claim: StepClaim, progress: StepProgress): void {
    const { row } = claim;
    if (progress.kind === 'output') this.files.appendStepLog(row.runId, row.stepId, row.itemKey, progress.text);
    this.files.appendStepEvent(row.runId, row.stepId, row.itemKey, { at: this.clock.now(), attempt: claim.attempt, ...progress } as JsonValue);
    this.recordProgressBatch(claim, [progress]);
  }

  /** Several progress chunks in one transaction (executors stream many small chunks). */
  private recordProgressBatch(claim: StepClaim, batch: readonly StepProgress[]): void {
    const { row } = claim;
    this.tx(() => {
      if (!this.store.holdsLease(row.id, claim.owner, claim.attempt)) return;
      for (const progress of batch) {
        this.emit(row.runId, row.stepId, row.itemKey, EventType.StepProgress, {
          attempt: claim.attempt,
          ...(progress as unknown as Record<string, JsonValue>),
        });
      }
    });
  }

  /**
   * Takes back running steps whose lease expired (their worker died): the attempt is marked
   * abandoned and the step is ready again, to be claimed as a new attempt. Returns how many.
   */
  recoverExpiredLeases(limit = 100): number {
    const now = this.clock.now();
    const expired = this.store.listExpiredLeases(now, limit);
    let recovered = 0;
    for (const candidate of expired) {
      recovered += this.tx(() => {
        const row = this.store.getStep(candidate.id);
        if (!row || row.status !== StepStatus.Running || row.leaseExpiresAt === null || row.leaseExpiresAt >= now) return 0;
        const attempt = this.store.latestAttempt(row.id);
        if (attempt && attempt.status === AttemptStatus.Running) {
          this.store.updateAttempt(attempt.id, { status: AttemptStatus.Abandoned, finishedAt: now, error: 'lease expired' });
        }
        this.emit(row.runId, row.stepId, row.itemKey, EventType.StepAbandoned, {
          attempt: row.attempts,
          owner: row.leaseOwner,
        });
        this.moveStep(row, StepStatus.Ready, { leaseOwner: null, leaseExpiresAt: null }, EventType.StepReady, {
          reason: 'lease_expired',
        });
        this.refreshActivity(row.runId);
        return 1;
      });
    }
    return recovered;
  }

  /** Fires due timers: retry delays become ready, gate timeouts apply `on_timeout`. Returns how many fired. */
  fireDueTimers(limit = 100): number {
    const now = this.clock.now();
    let fired = 0;
    for (const candidate of this.store.listDueTimers(now, limit)) {
      fired += this.tx(() => {
        const row = this.store.getStep(candidate.id);
        if (!row || row.status !== StepStatus.Waiting || row.dueAt === null || row.dueAt > now) return 0;
        const step = this.plan(row.runId).graph.steps.get(row.stepId);
        if (step?.kind === 'gate') {
          this.gateTimedOut(row, step);
        } else {
          this.moveStep(row, StepStatus.Ready, { dueAt: null }, EventType.StepReady, { reason: 'retry_due' });
        }
        this.refreshActivity(row.runId);
        return 1;
      });
    }
    return fired;
  }

  /** Earliest pending timer (retry delay or gate timeout), if any. */
  nextTimerAt(): number | undefined {
    return this.store.nextDueAt();
  }

  // ---------------------------------------------------------------- internals: execution

  private async runExecutor(
    claim: StepClaim,
    plan: RunPlan,
    step: StepDefinition,
    signal: AbortSignal,
    timeoutMs: number | undefined,
  ): Promise<StepExecutionResult> {
    const executor = this.executors.get(step.kind);
    if (!executor) return { kind: 'failed', error: `no executor for step kind '${step.kind}'`, retryable: false };
    const { row } = claim;
    const secretValues = await this.loadSecrets(step, plan.definition.env);
    const context = this.expressionContext(plan, step, row, secretValues.byName, claim.reads);
    const resolved = this.resolveFields(step, context);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...plan.definition.env, ...step.env })) {
      env[name] = interpolate(String(value), context);
    }
    const cwd = step.cwd ? joinPath(this.deps.workspaceDir, interpolate(step.cwd, context)) : this.deps.workspaceDir;
    const upstream: Record<string, Outputs> = {};
    for (const need of step.needs) upstream[need] = context.steps?.[need]?.outputs ?? {};
    const secrets = [...secretValues.byName.values()].filter((v) => v.length > 0);
    const input = { attempt: claim.attempt, itemKey: row.itemKey, item: row.item, resolved, upstream, inputs: plan.inputs };
    const writeInput = (details?: Record<string, JsonValue>) =>
      this.files.writeStepInput(row.runId, row.stepId, row.itemKey, redact(details ? { ...input, ...details } : input, secrets));
    // Written with the step's first file (a log line, its outputs, a failure): see writeResultFiles.
    this.pendingInputs.set(claim.attemptId, () => writeInput());
    if (claim.stepDirReady) await claim.stepDirReady;
    const progressBuffer = new ProgressBuffer(claim, this.files, this.clock, this.logger, (batch) => this.recordProgressBatch(claim, batch), () =>
      this.writePendingInput(claim.attemptId),
    );
    const feedback = step.kind === 'agent' ? this.reviewerFeedback(plan, step.id) : [];
    return executor.execute({
      runId: row.runId,
      step,
      ...(row.itemKey === null ? {} : { itemKey: row.itemKey, item: row.item }),
      attempt: claim.attempt,
      template: plan.definition,
      resolved,
      env,
      cwd,
      stepDir: this.files.stepDir(row.runId, row.stepId, row.itemKey),
      artifactsDir: this.files.artifactsDir(row.runId),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      signal,
      secrets,
      progress: (progress) => progressBuffer.add(redact(progress as unknown as JsonValue, secrets) as unknown as StepProgress),
      upstream,
      inputs: plan.inputs,
      // The fuller input.json replaces the engine's own, whether or not that was written yet.
      recordInput: (details) => {
        this.pendingInputs.delete(claim.attemptId);
        writeInput(details);
      },
      ...(feedback.length > 0 ? { feedback } : {}),
    })
      // Secret values never reach the database, events or files, whatever the executor returns.
      .then((result) => redact(result as unknown as JsonValue, secrets) as unknown as StepExecutionResult)
      .finally(() => progressBuffer.flush());
  }

  /**
   * Rejections with a comment of the gates after `stepId` (they review its work). The gate rows
   * are reset when the step runs again, so the events are where the feedback survives.
   */
  private reviewerFeedback(plan: RunPlan, stepId: string): ReviewerFeedback[] {
    const downstream = descendantsOf(plan.graph, stepId);
    const gates = new Set([...downstream].filter((id) => id !== stepId && plan.graph.steps.get(id)?.kind === 'gate'));
    if (gates.size === 0) return [];
    const feedback: ReviewerFeedback[] = [];
    for (let after = 0; ; ) {
      const events = this.store.listEvents(after, { runId: plan.runId, limit: 1000 });
      for (const event of events) {
        if (event.type !== EventType.GateDecided || event.stepId === null || !gates.has(event.stepId)) continue;
        const payload = event.payload as Partial<EventPayloads['gate.decided']>;
        if (payload.decision !== GateDecision.Rejected || typeof payload.comment !== 'string' || !payload.comment.trim()) continue;
        feedback.push({ gateStepId: event.stepId, by: payload.by ?? null, comment: payload.comment, at: event.at });
      }
      if (events.length < 1000) return feedback;
      after = events[events.length - 1]!.id;
    }
  }

  /** Resolves the template of a `workflow:` step and starts (or resumes) the child run; the step then waits for it. */
  private async startChildWorkflow(claim: StepClaim, plan: RunPlan, step: WorkflowStep): Promise<StepExecutionResult> {
    const previous = claim.row.childRunId ? this.store.getRunState(claim.row.childRunId) : undefined;
    // A retried workflow step resumes its failed child: the child's finished steps are not redone.
    const resumeChild = previous !== undefined && (previous.status === RunStatus.Failed || previous.status === RunStatus.Cancelled);
    let child: { id: string; template: TemplateDefinition; inputs: Record<string, JsonValue> } | undefined;
    if (!resumeChild) {
      if (!this.deps.templates) return { kind: 'failed', error: 'workflow steps need a template resolver', retryable: false };
      const context = this.expressionContext(plan, step, claim.row, new Map());
      const reference = interpolate(step.workflow, context);
      const childInputs = resolveValue(step.with as JsonValue, context) as Record<string, JsonValue>;
      const template = await this.deps.templates.resolve(reference, plan.definition);
      assertRunnable(template);
      const id = (this.deps.newRunId ?? (() => defaultRunId(this.clock.now())))();
      // Checked like a top-level run's inputs (types, enums, unknown names, defaults, required):
      // a bad `with:` fails this step, not retryable, naming every bad field.
      const inputs = instantiate(template, childInputs ?? {});
      this.files.writeRunSnapshot(id, template, inputs);
      child = { id, template, inputs };
    }
    const started = this.tx(() => {
      const row = this.heldRow(claim);
      if (!row) return false;
      const childRunId = child?.id ?? (previous?.id as string);
      this.moveStep(row, StepStatus.Waiting, { leaseOwner: null, leaseExpiresAt: null, childRunId }, EventType.StepWaiting, {
        reason: 'child_run',
        childRunId,
      });
      if (child) {
        const trigger: TriggerInfo = { kind: 'workflow', payload: { parentRunId: row.runId, parentStepId: row.stepId } };
        this.createRun(child.id, child.template, child.inputs, trigger, row);
      } else {
        this.reopen(this.requireRun(childRunId), undefined, null);
      }
      return true;
    });
    if (!started) throw new LeaseLostError(claim.row.id, claim.owner);
    return { kind: 'succeeded', outputs: {} };
  }

  /** Secrets the step names, in its own fields or in the template-level `env` it inherits. */
  private async loadSecrets(step: StepDefinition, templateEnv: Record<string, string>): Promise<{ byName: Map<string, string> }> {
    const byName = new Map<string, string>();
    if (!this.deps.secrets) return { byName };
    const text = JSON.stringify([step, templateEnv]);
    for (const match of text.matchAll(/\bsecrets\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const name = match[1] as string;
      if (byName.has(name)) continue;
      const value = await this.deps.secrets.get(name);
      if (value !== undefined) byName.set(name, value);
    }
    return { byName };
  }

  private resolveFields(step: StepDefinition, context: ExpressionContext): Record<string, JsonValue> {
    const resolved: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(step)) {
      if (STRUCTURAL_KEYS.has(key) || value === undefined || typeof value === 'function') continue;
      resolved[key] = resolveValue(value as JsonValue, context);
    }
    return resolved;
  }

  private expressionContext(
    plan: RunPlan,
    step: StepDefinition,
    row: StepRecord,
    secrets: Map<string, string>,
    reads?: Record<string, StepExpressionState>,
  ): ExpressionContext {
    const steps = reads ?? this.readStepStates(plan, step);
    const env: Record<string, string> = { ...plan.definition.env, ...step.env };
    return {
      inputs: plan.inputs,
      steps,
      needs: steps,
      env,
      secrets: Object.fromEntries(secrets),
      run: { id: plan.runId, templateId: plan.templateId, attempt: row.attempts },
      item: row.item,
      trigger: (plan.trigger.payload ?? null) as JsonValue,
    };
  }

  /** Outputs and outcome of the steps `step`'s expressions reference. */
  private readStepStates(plan: RunPlan, step: StepDefinition): Record<string, StepExpressionState> {
    const steps: Record<string, StepExpressionState> = {};
    for (const id of plan.graph.reads.get(step.id) ?? []) {
      const rowId = plan.rowIds.get(id);
      const other = rowId === undefined ? undefined : this.store.getStepResult(rowId);
      if (!other) continue;
      const finished = isStepFinished(other.status);
      const continueOnError = plan.graph.steps.get(id)?.continueOnError ?? false;
      steps[id] = {
        outputs: other.outputs ?? {},
        outcome: finished ? other.status : null,
        conclusion: finished ? (other.status === StepStatus.Failed && continueOnError ? StepStatus.Succeeded : other.status) : null,
      };
    }
    return steps;
  }

  // ---------------------------------------------------------------- internals: transitions

  private tx<T>(fn: () => T): T {
    let result: T;
    const outermost = this.txDepth === 0;
    this.txDepth++;
    try {
      result = this.store.transaction(() => {
        const value = fn();
        this.flushActiveDeltas();
        return value;
      });
    } catch (error) {
      if (outermost) {
        this.dirty = false;
        // Rolled back: the deferred counter changes went with it.
        this.activeDeltas.clear();
      }
      throw error;
    } finally {
      this.txDepth--;
    }
    // Listeners hear about a change once it is committed: after the outermost transaction.
    if (outermost && this.dirty) {
      this.dirty = false;
      for (const listener of this.listeners) {
        try {
          listener();
        } catch (error) {
          this.logger.warn('change listener failed', { error: describeError(error) });
        }
      }
    }
    return result;
  }

  private emit(
    runId: string,
    stepId: string | null,
    itemKey: string | null,
    type: EventType,
    payload: Record<string, JsonValue>,
  ): void {
    this.store.appendEvent({ runId, stepId, itemKey, type, payload, at: this.clock.now() });
    this.dirty = true;
  }

  /**
   * Applies the deferred active-step counter changes (see moveStep). Runs before anything reads a
   * run row and before every commit.
   */
  private flushActiveDeltas(): void {
    if (this.activeDeltas.size === 0) return;
    for (const [runId, delta] of this.activeDeltas) if (delta !== 0) this.store.addRunCounters(runId, 0, 0, delta);
    this.activeDeltas.clear();
  }

  private runState(runId: string): RunState {
    this.flushActiveDeltas();
    const run = this.store.getRunState(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  private requireRun(runId: string): RunRecord {
    this.flushActiveDeltas();
    const run = this.store.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  private plan(runId: string): RunPlan {
    const cached = this.plans.get(runId);
    if (cached) return cached;
    const run = this.requireRun(runId);
    const definition = this.store.getRunDefinition(runId) as TemplateDefinition;
    const rowIds = new Map<string, number>();
    for (const row of this.store.listSteps(runId)) if (row.parentRowId === null) rowIds.set(row.stepId, row.id);
    // The process that started the run may never have written its snapshots (they wait for the
    // run's first file, which may be written here): offer them again; existing files are kept.
    this.files.writeRunSnapshot(runId, definition, run.inputs);
    return this.remember({
      runId,
      templateId: run.templateId,
      definition,
      graph: buildStepGraph(definition),
      inputs: run.inputs,
      trigger: run.trigger,
      rowIds,
    });
  }

  private remember(plan: RunPlan): RunPlan {
    if (this.plans.size >= PLAN_CACHE_LIMIT) {
      const oldest = this.plans.keys().next().value;
      if (oldest !== undefined) this.plans.delete(oldest);
    }
    this.plans.set(plan.runId, plan);
    return plan;
  }

  /** Moves a step through the transition table with its event. */
  private moveStep(
    row: StepRecord,
    to: StepStatus,
    patch: StepPatch,
    type?: EventType,
    payload: Record<string, JsonValue> = {},
  ): void {
    if (!canTransitionStep(row.status, to)) throw new InvalidTransitionError('step', stepLabel(row), row.status, to);
    const full: StepPatch = { ...patch, status: to, updatedAt: this.clock.now() };
    this.store.updateStep(row.id, full);
    // The run's active-step counter changes with every move in or out of ready/running/non-gate
    // waiting. The change is applied before the commit (or a read of the run row), not here: a
    // finished step and the dependent it readied cancel out, and the update is not made at all.
    const activeDelta = Number(isStepActive(to, row.kind)) - Number(isStepActive(row.status, row.kind));
    if (activeDelta !== 0) this.activeDeltas.set(row.runId, (this.activeDeltas.get(row.runId) ?? 0) + activeDelta);
    Object.assign(row, full);
    if (type) this.emit(row.runId, row.stepId, row.itemKey, type, payload);
  }

  private moveRun(
    run: RunState,
    to: RunStatus,
    patch: Partial<RunRecord>,
    type: EventType,
    payload: Record<string, JsonValue> = {},
  ): void {
    if (!canTransitionRun(run.status, to)) throw new InvalidTransitionError('run', run.id, run.status, to);
    const now = this.clock.now();
    const full = {
      ...patch,
      status: to,
      updatedAt: now,
      ...(isRunFinished(to) ? { finishedAt: now } : { finishedAt: null }),
      // Only finished runs are archived: a reopened run (resume, retry) is back on the board. Its
      // run.resumed / run.queued event tells every reader the row changed.
      ...(isRunFinished(run.status) && !isRunFinished(to) ? { archivedAt: null } : {}),
    };
    this.store.updateRun(run.id, full);
    Object.assign(run, full);
    this.emit(run.id, null, null, type, { status: to, ...payload });
  }

  /** Inserts a run, its step rows and makes the root steps ready (inside a transaction). */
  private createRun(
    runId: string,
    template: TemplateDefinition,
    inputs: Record<string, JsonValue>,
    trigger: TriggerInfo,
    parentStep: StepRecord | null,
  ): void {
    assertRunnable(template);
    const now = this.clock.now();
    const concurrencyKey = this.concurrencyKeyOf(template, inputs, runId);
    this.store.insertRun({
      id: runId,
      templateId: template.id,
      templateName: template.name,
      definition: template,
      inputs,
      trigger,
      parentRunId: parentStep?.runId ?? null,
      parentStepRowId: parentStep?.id ?? null,
      concurrencyKey,
      status: RunStatus.Pending,
      unfinishedSteps: template.steps.length,
      createdAt: now,
    });
    this.emit(runId, null, null, EventType.RunCreated, {
      templateId: template.id,
      trigger: trigger as unknown as JsonValue,
      parentRunId: parentStep?.runId ?? null,
    });
    const rowIds = new Map<string, number>();
    for (const step of template.steps) {
      rowIds.set(
        step.id,
        this.store.insertStep({
          runId,
          stepId: step.id,
          itemKey: null,
          itemIndex: null,
          parentRowId: null,
          kind: step.kind,
          status: StepStatus.Pending,
          phase: step.phase ?? null,
          needsRemaining: step.needs.length,
          item: null,
          createdAt: now,
        }),
      );
    }
    this.remember({ runId, templateId: template.id, definition: template, graph: buildStepGraph(template), inputs, trigger, rowIds });
    const limit = template.concurrency?.limit;
    if (concurrencyKey !== null && limit !== undefined && this.store.countActiveRuns(concurrencyKey) >= limit) {
      this.emit(runId, null, null, EventType.RunQueued, { concurrencyKey, limit });
      return;
    }
    this.beginRun(runId);
  }

  /** pending -> running: readies the steps without needs. */
  private beginRun(runId: string): void {
    const plan = this.plan(runId);
    const run = this.runState(runId);
    this.moveRun(run, RunStatus.Running, { startedAt: this.clock.now() }, EventType.RunStarted);
    if (plan.definition.steps.length === 0) {
      this.finalizeRun(runId);
      return;
    }
    // The steps whose needs all finished: the roots of a new run; for a reopened run that waited
    // for its concurrency group, its reset steps whose upstream stayed finished.
    const settle: Decision[] = this.store.listStartableSteps(runId).map((row) => ({ runId, rowId: row.id, upstream: row.upstream, row }));
    this.settle(settle);
    this.refreshActivity(runId);
  }

  /** `concurrency.group` resolved against the inputs (null when the template has none). */
  private concurrencyKeyOf(template: TemplateDefinition, inputs: Record<string, JsonValue>, runId: string): string | null {
    const group = template.concurrency?.group;
    if (!group) return null;
    return interpolate(group, { inputs, run: { id: runId, templateId: template.id } });
  }

  /** A run of a concurrency group finished: start queued runs while the group has room. */
  private startQueuedRuns(concurrencyKey: string | null): void {
    if (concurrencyKey === null) return;
    for (;;) {
      const next = this.store.nextQueuedRun(concurrencyKey);
      if (!next) return;
      const limit = this.plan(next).definition.concurrency?.limit ?? Number.POSITIVE_INFINITY;
      if (this.store.countActiveRuns(concurrencyKey) >= limit) return;
      this.beginRun(next);
    }
  }

  /** Decides every queued step whose needs all finished; skips and engine-owned kinds cascade through the queue. */
  private settle(queue: Decision[]): void {
    while (queue.length > 0) {
      const next = queue.shift() as Decision;
      const row = next.row ?? this.store.getStep(next.rowId);
      // A pending step implies a live run: cancelling a run cancels all its unfinished steps.
      if (!row || row.status !== StepStatus.Pending) continue;
      const plan = this.plan(row.runId);
      const step = plan.graph.steps.get(row.stepId) as StepDefinition;
      let runIt: boolean;
      try {
        if (step.if === undefined) {
          runIt = upstreamSucceeded(row.upstream);
        } else if (conditionPerItem(step, row)) {
          // Decided for each item when the foreach fans out; here only the implicit success().
          runIt = conditionReads(step.if).usesStatus || upstreamSucceeded(row.upstream);
        } else {
          runIt = evaluateCondition(step.if, this.expressionContext(plan, step, row, new Map()), statusFunctionsFor(row.upstream));
        }
      } catch (error) {
        this.finishStep(row, StepStatus.Failed, { error: describeError(error) }, queue);
        continue;
      }
      if (!runIt) {
        this.finishStep(row, StepStatus.Skipped, { reason: step.if === undefined ? 'upstream' : 'condition' }, queue);
        continue;
      }
      this.makeReady(row, step, plan, queue);
    }
  }

  /** pending -> ready; gates open, foreach steps fan out, everything else waits for a worker. */
  private makeReady(row: StepRecord, step: StepDefinition, plan: RunPlan, queue: Decision[]): void {
    this.moveStep(row, StepStatus.Ready, {}, EventType.StepReady, {});
    if (step.foreach !== undefined && row.itemKey === null) {
      this.expandForeach(row, step, plan, queue);
    } else if (step.kind === 'gate') {
      this.openGate(row, step);
    } else {
      this.madeClaimable++;
    }
  }

  private openGate(row: StepRecord, step: GateStep): void {
    const now = this.clock.now();
    const dueAt = step.gateTimeoutMs === undefined ? null : now + step.gateTimeoutMs;
    let message = step.message;
    try {
      message = interpolate(step.message, this.expressionContext(this.plan(row.runId), step, row, new Map()));
    } catch (error) {
      this.logger.warn('gate message could not be interpolated', { error: describeError(error) });
    }
    this.store.insertGate({
      runId: row.runId,
      stepRowId: row.id,
      stepId: row.stepId,
      itemKey: row.itemKey,
      message,
      approvers: step.approvers,
      form: (step.inputs ?? null) as JsonValue,
      requestedAt: now,
      dueAt,
    });
    this.moveStep(row, StepStatus.Waiting, { dueAt }, EventType.GateRequested, {
      message,
      approvers: step.approvers,
      dueAt,
      onTimeout: step.onTimeout,
    });
  }

  private gateTimedOut(row: StepRecord, step: GateStep): void {
    const gate = this.store.findGate(row.runId, row.stepId, row.itemKey);
    if (!gate || gate.decision !== null) return;
    const now = this.clock.now();
    if (step.onTimeout === 'escalate') {
      this.store.updateOpenGate(gate.id, { escalated: true, dueAt: null });
      this.store.updateStep(row.id, { dueAt: null, updatedAt: now });
      this.emit(row.runId, row.stepId, row.itemKey, EventType.GateEscalated, { approvers: gate.approvers });
      return;
    }
    // A timeout is recorded as `timed_out`, never as an approval.
    this.store.updateOpenGate(gate.id, { decision: GateDecision.TimedOut, decidedAt: now });
    this.emit(row.runId, row.stepId, row.itemKey, EventType.GateDecided, {
      decision: GateDecision.TimedOut,
      by: null,
      onTimeout: step.onTimeout,
    });
    if (step.onTimeout === 'cancel') {
      this.cancelInTx(this.requireRun(row.runId), null, `gate ${row.stepId} timed out`);
      return;
    }
    const queue: Decision[] = [];
    this.finishStep(row, StepStatus.Succeeded, { outputs: { decision: GateDecision.TimedOut, approved: false } }, queue);
    this.settle(queue);
  }

  private expandForeach(row: StepRecord, step: StepDefinition, plan: RunPlan, queue: Decision[]): void {
    let items: StepRecord[] = this.store.listItems(row.id);
    if (items.length === 0) {
      let list: JsonValue;
      try {
        list = resolveValue(step.foreach as string, this.expressionContext(plan, step, row, new Map()));
      } catch (error) {
        this.finishStep(row, StepStatus.Failed, { error: describeError(error) }, queue);
        return;
      }
      if (!Array.isArray(list)) {
        this.finishStep(row, StepStatus.Failed, { error: `foreach of ${step.id} is not a list (got ${typeof list})` }, queue);
        return;
      }
      const now = this.clock.now();
      list.forEach((value, index) => {
        this.store.insertStep({
          runId: row.runId,
          stepId: row.stepId,
          itemKey: String(index),
          itemIndex: index,
          parentRowId: row.id,
          kind: step.kind,
          status: StepStatus.Pending,
          phase: step.phase ?? null,
          needsRemaining: 0,
          item: value,
          createdAt: now,
        });
      });
      this.store.addRunCounters(row.runId, list.length, 0);
      items = this.store.listItems(row.id);
    }
    if (conditionPerItem(step, row)) {
      this.decideItemConditions(row, step, plan, items);
      if (items.length > 0 && items.every((item) => item.status === StepStatus.Skipped)) {
        // The `if:` rejected every item: the step did nothing, like a step whose `if:` is false.
        this.finishStep(row, StepStatus.Skipped, { reason: 'condition' }, queue);
        return;
      }
    }
    const unfinished = items.filter((item) => !isStepFinished(item.status));
    this.moveStep(row, StepStatus.Running, { needsRemaining: unfinished.length, startedAt: row.startedAt ?? this.clock.now() }, EventType.StepStarted, {
      items: items.length,
      maxParallel: step.maxParallel ?? null,
    });
    if (unfinished.length === 0) {
      this.finishForeach(row, step, queue);
      return;
    }
    const active = unfinished.filter((item) => item.status !== StepStatus.Pending).length;
    const slots = Math.max(0, (step.maxParallel ?? items.length) - active);
    for (const item of unfinished.filter((i) => i.status === StepStatus.Pending).slice(0, slots)) {
      this.makeReady(item, step, plan, queue);
    }
  }

  /**
   * A foreach `if:` that reads `item` is decided per item (with the foreach's upstream status):
   * items it rejects are skipped, items whose condition fails to evaluate fail; both count as
   * finished before any item starts.
   */
  private decideItemConditions(parent: StepRecord, step: StepDefinition, plan: RunPlan, items: StepRecord[]): void {
    const status = statusFunctionsFor(parent.upstream);
    const reads = this.readStepStates(plan, step);
    const now = this.clock.now();
    let decided = 0;
    for (const item of items) {
      if (item.status !== StepStatus.Pending) continue;
      let runIt: boolean;
      try {
        runIt = evaluateCondition(step.if as string, this.expressionContext(plan, step, item, new Map(), reads), status);
      } catch (error) {
        const message = describeError(error);
        this.moveStep(item, StepStatus.Failed, { error: message, finishedAt: now }, EventType.StepFailed, { error: message });
        decided++;
        continue;
      }
      if (runIt) continue;
      this.moveStep(item, StepStatus.Skipped, { finishedAt: now }, EventType.StepSkipped, { reason: 'condition' });
      decided++;
    }
    if (decided > 0) this.store.addRunCounters(parent.runId, -decided, 0);
  }

  private itemFinished(item: StepRecord, queue: Decision[]): void {
    const parentId = item.parentRowId as number;
    // The parent's whole row is read only once, when its last item finished.
    const needsRemaining = this.store.noteItemFinished(parentId);
    if (needsRemaining === undefined) return;
    const plan = this.plan(item.runId);
    const step = plan.graph.steps.get(item.stepId) as StepDefinition;
    const next = this.store.nextPendingItem(parentId);
    if (next) this.makeReady(next, step, plan, queue);
    if (needsRemaining <= 0) {
      const parent = this.store.getStep(parentId);
      if (parent) this.finishForeach(parent, step, queue);
    }
  }

  private finishForeach(parent: StepRecord, step: StepDefinition, queue: Decision[]): void {
    const items = this.store.listItems(parent.id);
    const outputs = aggregateItemOutputs(items.map((item) => item.outputs));
    const failed = items.filter((item) => item.status === StepStatus.Failed || item.status === StepStatus.Cancelled);
    if (failed.length === 0) {
      this.files.writeStepOutput(parent.runId, parent.stepId, null, outputs);
      this.finishStep(parent, StepStatus.Succeeded, { outputs }, queue);
    } else {
      const keys = failed.map((item) => item.itemKey).join(', ');
      this.finishStep(parent, StepStatus.Failed, { outputs, error: `${failed.length} of ${items.length} items failed (${keys})` }, queue);
    }
    void step;
  }

  /**
   * Finishes a step (succeeded, failed, skipped or cancelled): event, run counters, then its
   * foreach parent or its dependents, and the run itself when nothing is left.
   */
  private finishStep(
    row: StepRecord,
    status: StepStatus,
    detail: { outputs?: Outputs; error?: string; reason?: string; patch?: StepPatch; attempt?: number },
    queue: Decision[],
  ): void {
    const now = this.clock.now();
    const plan = this.plan(row.runId);
    const step = plan.graph.steps.get(row.stepId) as StepDefinition;
    const eventType = {
      succeeded: EventType.StepSucceeded,
      failed: EventType.StepFailed,
      skipped: EventType.StepSkipped,
      cancelled: EventType.StepCancelled,
    }[status as 'succeeded' | 'failed' | 'skipped' | 'cancelled'];
    const payload: Record<string, JsonValue> = {};
    if (detail.attempt !== undefined) payload.attempt = detail.attempt;
    if (detail.outputs !== undefined && status === StepStatus.Succeeded) payload.outputs = detail.outputs;
    if (detail.error !== undefined) payload.error = detail.error;
    if (detail.reason !== undefined) payload.reason = detail.reason;
    if (status === StepStatus.Failed && step.continueOnError) payload.continueOnError = true;
    this.moveStep(
      row,
      status,
      {
        ...detail.patch,
        outputs: detail.outputs ?? null,
        error: detail.error ?? null,
        finishedAt: now,
        leaseOwner: null,
        leaseExpiresAt: null,
        dueAt: null,
      },
      eventType,
      payload,
    );
    const failsRun = status === StepStatus.Failed && !step.continueOnError && row.parentRowId === null;
    const counters = this.store.addRunCounters(row.runId, -1, failsRun ? 1 : 0);
    if (row.parentRowId !== null) {
      this.itemFinished(row, queue);
    } else {
      const bits = upstreamBitsOf(status, step.continueOnError, row.upstream);
      for (const dependentId of plan.graph.dependents.get(row.stepId) ?? []) {
        const rowId = plan.rowIds.get(dependentId);
        if (rowId === undefined) continue;
        const { needsRemaining, upstream, row: dependent } = this.store.noteNeedFinished(rowId, bits);
        if (needsRemaining === 0) queue.push({ runId: row.runId, rowId, upstream, ...(dependent ? { row: dependent } : {}) });
      }
    }
    if (counters.unfinishedSteps <= 0) this.finalizeRun(row.runId);
  }

  /** All steps finished: the run succeeds unless a step failed it; a child run reports to its parent step. */
  private finalizeRun(runId: string): void {
    const run = this.requireRun(runId);
    if (isRunFinished(run.status)) return;
    if (run.failedSteps > 0) {
      this.moveRun(run, RunStatus.Failed, { error: `${run.failedSteps} step(s) failed` }, EventType.RunFailed, {
        failedSteps: run.failedSteps,
      });
    } else {
      const outputs: Record<string, Outputs> = {};
      for (const row of this.store.listSteps(runId)) {
        if (row.parentRowId === null && row.status === StepStatus.Succeeded) outputs[row.stepId] = row.outputs ?? {};
      }
      this.moveRun(run, RunStatus.Succeeded, { outputs, error: null }, EventType.RunSucceeded, {});
    }
    this.reportToParent(run);
    this.startQueuedRuns(run.concurrencyKey);
  }

  private reportToParent(child: RunRecord): void {
    if (child.parentStepRowId === null) return;
    const parentStep = this.store.getStep(child.parentStepRowId);
    if (!parentStep || parentStep.status !== StepStatus.Waiting || parentStep.childRunId !== child.id) return;
    const attempt = this.store.latestAttempt(parentStep.id);
    const now = this.clock.now();
    const queue: Decision[] = [];
    if (child.status === RunStatus.Succeeded) {
      const outputs = (child.outputs ?? {}) as unknown as Outputs;
      if (attempt?.status === AttemptStatus.Running) this.store.updateAttempt(attempt.id, { status: AttemptStatus.Succeeded, finishedAt: now });
      this.files.writeStepOutput(parentStep.runId, parentStep.stepId, parentStep.itemKey, outputs);
      this.finishStep(parentStep, StepStatus.Succeeded, { outputs, attempt: parentStep.attempts }, queue);
    } else {
      const error = `child run ${child.id} ${child.status}`;
      if (attempt?.status === AttemptStatus.Running) {
        this.store.updateAttempt(attempt.id, { status: AttemptStatus.Failed, finishedAt: now, error });
      }
      this.finishStep(parentStep, StepStatus.Failed, { error, attempt: parentStep.attempts, patch: { failures: parentStep.failures + 1 } }, queue);
    }
    this.settle(queue);
    this.refreshActivity(parentStep.runId);
  }

  private cancelInTx(run: RunRecord, by: string | null, reason: string): void {
    if (isRunFinished(run.status)) throw new InvalidTransitionError('run', run.id, run.status, RunStatus.Cancelled);
    const now = this.clock.now();
    let cancelled = 0;
    const children: string[] = [];
    for (const row of this.store.listSteps(run.id)) {
      if (isStepFinished(row.status)) continue;
      if (row.status === StepStatus.Running || row.status === StepStatus.Waiting) {
        const attempt = this.store.latestAttempt(row.id);
        if (attempt?.status === AttemptStatus.Running) {
          this.store.updateAttempt(attempt.id, { status: AttemptStatus.Cancelled, finishedAt: now, error: reason });
        }
      }
      if (row.childRunId) children.push(row.childRunId);
      const gate = row.kind === 'gate' ? this.store.findGate(row.runId, row.stepId, row.itemKey) : undefined;
      if (gate && gate.decision === null) this.store.updateOpenGate(gate.id, { decision: GateDecision.Cancelled, decidedAt: now });
      this.moveStep(
        row,
        StepStatus.Cancelled,
        { finishedAt: now, leaseOwner: null, leaseExpiresAt: null, dueAt: null },
        EventType.StepCancelled,
        { reason },
      );
      cancelled++;
    }
    this.store.addRunCounters(run.id, -cancelled, 0);
    this.moveRun(run, RunStatus.Cancelled, { error: reason }, EventType.RunCancelled, { by, reason });
    for (const childId of children) {
      this.flushActiveDeltas();
      const child = this.store.getRun(childId);
      if (child && !isRunFinished(child.status)) this.cancelInTx(child, by, `parent run ${run.id} cancelled`);
    }
    this.reportToParent(run);
    this.startQueuedRuns(run.concurrencyKey);
  }

  /** Puts steps back to pending (the `fromStep` subtree, or every failed/cancelled step and what it blocked). */
  private reopen(run: RunRecord, fromStep: string | undefined, by: string | null): void {
    const plan = this.plan(run.id);
    const rows = new Map<string, StepRecord>();
    for (const row of this.store.listSteps(run.id)) if (row.parentRowId === null) rows.set(row.stepId, row);
    const reset = new Set<string>();
    if (fromStep !== undefined) {
      if (!plan.graph.steps.has(fromStep)) throw new StepNotFoundError(run.id, fromStep);
      for (const id of descendantsOf(plan.graph, fromStep)) reset.add(id);
    } else {
      for (const row of rows.values()) {
        if (row.status === StepStatus.Failed || row.status === StepStatus.Cancelled) {
          for (const id of descendantsOf(plan.graph, row.stepId)) reset.add(id);
        }
      }
    }
    const now = this.clock.now();
    let reopened = 0;
    let unfailed = 0;
    for (const id of reset) {
      const row = rows.get(id);
      const step = plan.graph.steps.get(id);
      if (!row || !step) continue;
      if (step.foreach !== undefined) {
        for (const item of this.store.listItems(row.id)) {
          const redo = id === fromStep || item.status === StepStatus.Failed || item.status === StepStatus.Cancelled;
          if (!redo || !isStepFinished(item.status)) continue;
          this.resetRow(item, now, by);
          reopened++;
        }
      }
      if (!isStepFinished(row.status)) continue;
      if (row.status === StepStatus.Failed && !step.continueOnError) unfailed++;
      this.resetRow(row, now, by);
      reopened++;
    }
    // Needs counters are recomputed from what stays finished outside the reset set.
    const queue: Decision[] = [];
    for (const id of reset) {
      const row = rows.get(id);
      const step = plan.graph.steps.get(id);
      if (!row || !step || row.status !== StepStatus.Pending) continue;
      let remaining = 0;
      let upstream = 0;
      for (const need of step.needs) {
        const needRow = rows.get(need);
        if (!needRow || reset.has(need) || !isStepFinished(needRow.status)) {
          remaining++;
          continue;
        }
        const needStep = plan.graph.steps.get(need);
        upstream |= upstreamBitsOf(needRow.status, needStep?.continueOnError ?? false, needRow.upstream);
      }
      this.store.updateStep(row.id, { needsRemaining: remaining, upstream });
      row.needsRemaining = remaining;
      row.upstream = upstream;
      if (remaining === 0) queue.push({ runId: run.id, rowId: row.id, upstream });
    }
    this.store.addRunCounters(run.id, reopened, -unfailed);
    // A finished run gave up its concurrency slot: reopened while its group is full, it queues
    // like a new run and begins (beginRun) when startQueuedRuns finds room.
    const limit = plan.definition.concurrency?.limit;
    if (
      isRunFinished(run.status) &&
      run.concurrencyKey !== null &&
      limit !== undefined &&
      this.runState(run.id).unfinishedSteps > 0 &&
      this.store.countActiveRuns(run.concurrencyKey) >= limit
    ) {
      this.moveRun(run, RunStatus.Pending, { error: null, outputs: null, startedAt: null }, EventType.RunQueued, {
        concurrencyKey: run.concurrencyKey,
        limit,
        by,
        from: run.status,
        fromStep: fromStep ?? null,
      });
      return;
    }
    if (run.status !== RunStatus.Running) {
      this.moveRun(run, RunStatus.Running, { error: null, outputs: null }, EventType.RunResumed, {
        by,
        from: run.status,
        fromStep: fromStep ?? null,
      });
    }
    this.settle(queue);
    const after = this.runState(run.id);
    if (after.unfinishedSteps <= 0) this.finalizeRun(run.id);
    else this.refreshActivity(run.id);
  }

  private resetRow(row: StepRecord, now: number, by: string | null): void {
    this.moveStep(
      row,
      StepStatus.Pending,
      {
        outputs: null,
        error: null,
        failures: 0,
        dueAt: null,
        finishedAt: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: now,
      },
      EventType.StepReset,
      { by },
    );
  }

  /** The status a live run should show: waiting when only gates are left to move it. */
  private activityStatus(runId: string): RunStatus {
    this.flushActiveDeltas();
    if (this.store.hasActiveSteps(runId)) return RunStatus.Running;
    return this.store.hasOpenGate(runId) ? RunStatus.Waiting : RunStatus.Running;
  }

  private refreshActivity(runId: string): void {
    const run = this.runState(runId);
    if (run.status !== RunStatus.Running && run.status !== RunStatus.Waiting) return;
    const to = this.activityStatus(runId);
    if (to === run.status) return;
    if (to === RunStatus.Waiting) this.moveRun(run, RunStatus.Waiting, {}, EventType.RunWaiting, {});
    else this.moveRun(run, RunStatus.Running, {}, EventType.RunResumed, { from: RunStatus.Waiting });
  }

  private checkGateForm(runId: string, step: GateStep | undefined, values: Record<string, JsonValue>): Record<string, JsonValue> {
    const form = step?.inputs;
    if (!form) return values;
    const resolved: Record<string, JsonValue> = { ...values };
    const problems: InputProblem[] = [];
    for (const [name, schema] of Object.entries(form.properties)) {
      if (resolved[name] === undefined && schema.default !== undefined) resolved[name] = schema.default;
      const value = resolved[name];
      if (value === undefined) continue;
      const type = schema.type;
      const ok =
        type === undefined ||
        (type === 'integer' ? Number.isInteger(value) : type === 'array' ? Array.isArray(value) : typeof value === type) ||
        (type === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value));
      if (!ok) problems.push({ field: name, message: `must be ${type}` });
      if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
        problems.push({ field: name, message: `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}` });
      }
    }
    for (const name of form.required) {
      if (resolved[name] === undefined) problems.push({ field: name, message: 'is required' });
    }
    if (problems.length > 0) throw new InputInvalidError(`${runId}/${step?.id ?? 'gate'}`, problems);
    return resolved;
  }

  private insertComment(runId: string, stepId: string | null, author: string, body: string): number {
    const id = this.store.insertComment({ runId, stepId, author, body, createdAt: this.clock.now() });
    this.emit(runId, stepId, null, EventType.CommentAdded, { commentId: id, author, body });
    return id;
  }
}

/**
 * A running attempt's progress: step logs are appended at once; `step.progress` events are
 * batched (50 ms or 200 chunks per commit) so a chatty script does not cost a commit per line.
 * Flushed before the result is recorded. (A class, not closures: one is made per attempt.)
 */
class ProgressBuffer {
  private pending: StepProgress[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly claim: StepClaim,
    private readonly files: RunFiles,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly record: (batch: readonly StepProgress[]) => void,
    private readonly beforeFirstFile: () => void,
  ) {}

  add(progress: StepProgress): void {
    const { row, attempt } = this.claim;
    this.beforeFirstFile();
    if (progress.kind === 'output') this.files.appendStepLog(row.runId, row.stepId, row.itemKey, progress.text);
    this.files.appendStepEvent(row.runId, row.stepId, row.itemKey, { at: this.clock.now(), attempt, ...progress } as JsonValue);
    this.pending.push(progress);
    // A checkpoint is a durable result the step relies on after a crash: commit it at once.
    if (this.pending.length >= 200 || progress.kind === 'checkpoint') this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 50);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.record(batch);
    } catch (error) {
      this.logger.warn('could not record progress', { error: describeError(error) });
    }
  }
}

/** True for a foreach step (the parent row) whose `if:` reads `item`: decided per item. */
function conditionPerItem(step: StepDefinition, row: StepRecord): boolean {
  return step.foreach !== undefined && row.itemKey === null && step.if !== undefined && conditionReads(step.if).contexts.has('item');
}

/** Throws TemplateInvalidError when the step graph could never finish (see graphProblems). */
function assertRunnable(template: TemplateDefinition): void {
  const problems = graphProblems(template);
  if (problems.length === 0) return;
  throw new TemplateInvalidError(
    template.id,
    problems.map((message) => ({ file: template.id, line: 0, column: 0, path: 'steps', message, code: 'graph', severity: 'error' as const })),
  );
}
