/**
 * The Store port on node:sqlite. Statements are prepared once; rows come back camelCased;
 * JSON columns are parsed here. Every write the engine makes happens inside `transaction`.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { RunNotFinishedError, RunNotFoundError } from '../core/errors';
import { EventType, isRunFinished, type RunStatus } from '../core/model';
import type {
  ArtifactRecord,
  AttemptRecord,
  CommentRecord,
  EventRecord,
  GateRecord,
  JsonValue,
  RunRecord,
  StepRecord,
} from '../core/model';
import type {
  AttemptPatch,
  EventQuery,
  GatePatch,
  NewEvent,
  NewRun,
  NewStep,
  RunArchiveChange,
  RunPatch,
  RunQuery,
  RunState,
  ScheduleRecord,
  StepPatch,
  StepProgress,
  Store,
  TriggerStore,
  WebhookDeliveryRecord,
} from '../core/ports';
import type { TemplateDefinition } from '../core/template/types';

type Row = Record<string, SQLInputValue>;

const RUN_STATE_COLUMNS = `id, status, phase, parent_run_id AS parentRunId, parent_step_row_id AS parentStepRowId,
  unfinished_steps AS unfinishedSteps, failed_steps AS failedSteps, active_steps AS activeSteps`;

const RUN_COLUMNS = `runs.id AS id, template_id AS templateId, template_name AS templateName, status, phase,
  trigger_kind AS triggerKind, trigger_payload AS triggerPayload, parent_run_id AS parentRunId,
  parent_step_row_id AS parentStepRowId, concurrency_key AS concurrencyKey, (SELECT inputs FROM run_snapshots WHERE run_id = runs.id) AS inputs,
  outputs, error, unfinished_steps AS unfinishedSteps,
  failed_steps AS failedSteps, active_steps AS activeSteps, created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt,
  updated_at AS updatedAt, archived_at AS archivedAt`;

const STEP_COLUMNS = `id, run_id AS runId, step_id AS stepId, item_key AS itemKey, item_index AS itemIndex,
  parent_row_id AS parentRowId, kind, status, phase, attempts, failures, needs_remaining AS needsRemaining,
  upstream, item, outputs, error, due_at AS dueAt, lease_owner AS leaseOwner, lease_expires_at AS leaseExpiresAt,
  child_run_id AS childRunId, session_id AS sessionId, transcript_path AS transcriptPath, created_at AS createdAt,
  started_at AS startedAt, finished_at AS finishedAt, updated_at AS updatedAt`;

const ATTEMPT_COLUMNS = `id, step_row_id AS stepRowId, run_id AS runId, step_id AS stepId, item_key AS itemKey, number,
  status, owner, error, exit_code AS exitCode, cost_usd AS costUsd, started_at AS startedAt, finished_at AS finishedAt`;

const GATE_COLUMNS = `id, run_id AS runId, step_row_id AS stepRowId, step_id AS stepId, item_key AS itemKey, message,
  approvers, form, requested_at AS requestedAt, due_at AS dueAt, escalated, decision, decided_by AS decidedBy,
  decided_at AS decidedAt, comment, form_inputs AS formInputs`;

/** camelCase patch key -> column, for the updates whose statements are built (and cached) per key set. */
const RUN_PATCH_COLUMNS: Record<keyof RunPatch, string> = {
  status: 'status',
  phase: 'phase',
  outputs: 'outputs',
  error: 'error',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  updatedAt: 'updated_at',
  archivedAt: 'archived_at',
};
const STEP_PATCH_COLUMNS: Record<keyof StepPatch, string> = {
  status: 'status',
  outputs: 'outputs',
  error: 'error',
  dueAt: 'due_at',
  leaseOwner: 'lease_owner',
  leaseExpiresAt: 'lease_expires_at',
  childRunId: 'child_run_id',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  updatedAt: 'updated_at',
  needsRemaining: 'needs_remaining',
  upstream: 'upstream',
  failures: 'failures',
  attempts: 'attempts',
  sessionId: 'session_id',
  transcriptPath: 'transcript_path',
};
const ATTEMPT_PATCH_COLUMNS: Record<keyof AttemptPatch, string> = {
  status: 'status',
  error: 'error',
  exitCode: 'exit_code',
  costUsd: 'cost_usd',
  finishedAt: 'finished_at',
};
const GATE_PATCH_COLUMNS: Record<keyof GatePatch, string> = {
  decision: 'decision',
  decidedBy: 'decided_by',
  decidedAt: 'decided_at',
  comment: 'comment',
  formInputs: 'form_inputs',
  escalated: 'escalated',
  dueAt: 'due_at',
};
const JSON_PATCH_KEYS = new Set(['outputs', 'formInputs']);

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
function parse<T>(text: unknown): T | null {
  return typeof text === 'string' ? (JSON.parse(text) as T) : null;
}
function toParam(key: string, value: unknown): SQLInputValue {
  if (JSON_PATCH_KEYS.has(key)) return json(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}

function toRun(row: Row): RunRecord {
  return {
    id: row.id as string,
    templateId: row.templateId as string,
    templateName: row.templateName as string,
    status: row.status as RunRecord['status'],
    phase: (row.phase as string | null) ?? null,
    trigger: {
      kind: row.triggerKind as RunRecord['trigger']['kind'],
      ...(row.triggerPayload === null ? {} : { payload: parse(row.triggerPayload) }),
    },
    parentRunId: (row.parentRunId as string | null) ?? null,
    parentStepRowId: (row.parentStepRowId as number | null) ?? null,
    concurrencyKey: (row.concurrencyKey as string | null) ?? null,
    inputs: parse<Record<string, JsonValue>>(row.inputs) ?? {},
    outputs: parse(row.outputs),
    error: (row.error as string | null) ?? null,
    unfinishedSteps: row.unfinishedSteps as number,
    failedSteps: row.failedSteps as number,
    activeSteps: row.activeSteps as number,
    createdAt: row.createdAt as number,
    startedAt: (row.startedAt as number | null) ?? null,
    finishedAt: (row.finishedAt as number | null) ?? null,
    updatedAt: row.updatedAt as number,
    archivedAt: (row.archivedAt as number | null) ?? null,
  };
}

function toStep(row: Row): StepRecord {
  return {
    id: row.id as number,
    runId: row.runId as string,
    stepId: row.stepId as string,
    itemKey: row.itemKey === '' ? null : (row.itemKey as string),
    itemIndex: (row.itemIndex as number | null) ?? null,
    parentRowId: (row.parentRowId as number | null) ?? null,
    kind: row.kind as string,
    status: row.status as StepRecord['status'],
    phase: (row.phase as string | null) ?? null,
    attempts: row.attempts as number,
    failures: row.failures as number,
    needsRemaining: row.needsRemaining as number,
    upstream: row.upstream as number,
    item: parse<JsonValue>(row.item),
    outputs: parse(row.outputs),
    error: (row.error as string | null) ?? null,
    dueAt: (row.dueAt as number | null) ?? null,
    leaseOwner: (row.leaseOwner as string | null) ?? null,
    leaseExpiresAt: (row.leaseExpiresAt as number | null) ?? null,
    childRunId: (row.childRunId as string | null) ?? null,
    sessionId: (row.sessionId as string | null) ?? null,
    transcriptPath: (row.transcriptPath as string | null) ?? null,
    createdAt: row.createdAt as number,
    startedAt: (row.startedAt as number | null) ?? null,
    finishedAt: (row.finishedAt as number | null) ?? null,
    updatedAt: row.updatedAt as number,
  };
}

function toAttempt(row: Row): AttemptRecord {
  return {
    id: row.id as number,
    stepRowId: row.stepRowId as number,
    runId: row.runId as string,
    stepId: row.stepId as string,
    itemKey: (row.itemKey as string | null) ?? null,
    number: row.number as number,
    status: row.status as AttemptRecord['status'],
    owner: (row.owner as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    exitCode: (row.exitCode as number | null) ?? null,
    costUsd: (row.costUsd as number | null) ?? null,
    startedAt: row.startedAt as number,
    finishedAt: (row.finishedAt as number | null) ?? null,
  };
}

function toEvent(row: Row): EventRecord {
  return {
    id: row.id as number,
    runId: row.runId as string,
    stepId: (row.stepId as string | null) ?? null,
    itemKey: (row.itemKey as string | null) ?? null,
    type: row.type as EventRecord['type'],
    payload: parse<Record<string, JsonValue>>(row.payload) ?? {},
    at: row.at as number,
  };
}

function toGate(row: Row): GateRecord {
  return {
    id: row.id as number,
    runId: row.runId as string,
    stepRowId: row.stepRowId as number,
    stepId: row.stepId as string,
    itemKey: row.itemKey === '' ? null : (row.itemKey as string),
    message: row.message as string,
    approvers: parse<string[]>(row.approvers) ?? [],
    form: parse<JsonValue>(row.form),
    requestedAt: row.requestedAt as number,
    dueAt: (row.dueAt as number | null) ?? null,
    escalated: row.escalated === 1,
    decision: (row.decision as GateRecord['decision']) ?? null,
    decidedBy: (row.decidedBy as string | null) ?? null,
    decidedAt: (row.decidedAt as number | null) ?? null,
    comment: (row.comment as string | null) ?? null,
    formInputs: parse(row.formInputs),
  };
}

/** SQLite implementation of the Store port. Construct with an already opened database (openDatabase). */
export class SqliteStore implements Store, TriggerStore {
  private depth = 0;
  private readonly updateCache = new Map<string, StatementSync>();
  private readonly s: Record<string, StatementSync>;

  private readonly begin: StatementSync;
  private readonly commit: StatementSync;

  constructor(readonly db: DatabaseSync) {
    const p = (sql: string) => db.prepare(sql);
    this.begin = p('BEGIN IMMEDIATE');
    this.commit = p('COMMIT');
    this.s = {
      insertRun: p(`INSERT INTO runs (id, template_id, template_name, status, trigger_kind,
        trigger_payload, parent_run_id, parent_step_row_id, concurrency_key, unfinished_steps, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      runArchiveState: p('SELECT status, archived_at AS archivedAt FROM runs WHERE id = ?'),
      setRunArchivedAt: p('UPDATE runs SET archived_at = ? WHERE id = ?'),
      countActiveRuns: p(`SELECT count(*) AS n FROM runs WHERE concurrency_key = ? AND status IN ('running', 'waiting', 'paused')`),
      nextQueuedRun: p(`SELECT id FROM runs WHERE concurrency_key = ? AND status = 'pending' ORDER BY created_at, rowid LIMIT 1`),
      insertSnapshot: p('INSERT INTO run_snapshots (run_id, definition, inputs) VALUES (?, ?, ?)'),
      getRunState: p(`SELECT ${RUN_STATE_COLUMNS} FROM runs WHERE id = ?`),
      getRun: p(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
      getRunDefinition: p('SELECT definition FROM run_snapshots WHERE run_id = ?'),
      templateIdOfRun: p('SELECT template_id AS templateId FROM runs WHERE id = ?'),
      addRunCounters: p(`UPDATE runs SET unfinished_steps = unfinished_steps + ?, failed_steps = failed_steps + ?,
        active_steps = active_steps + ? WHERE id = ?
        RETURNING unfinished_steps AS unfinishedSteps, failed_steps AS failedSteps, active_steps AS activeSteps`),
      insertStep: p(`INSERT INTO steps (run_id, step_id, item_key, item_index, parent_row_id, kind, status, phase,
        needs_remaining, item, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getStep: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE id = ?`),
      findStep: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ? AND step_id = ? AND item_key = ?`),
      listSteps: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ? ORDER BY id`),
      listItems: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE parent_row_id = ? ORDER BY item_index`),
      nextPendingItem: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE parent_row_id = ? AND status = 'pending'
        ORDER BY item_index LIMIT 1`),
      noteNeedFinished: p(`UPDATE steps SET needs_remaining = needs_remaining - 1, upstream = upstream | ?
        WHERE id = ? RETURNING ${STEP_COLUMNS}`),
      getStepResult: p('SELECT status, outputs FROM steps WHERE id = ?'),
      listStartableSteps: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ? AND parent_row_id IS NULL
        AND status = 'pending' AND needs_remaining = 0 ORDER BY id`),
      noteItemFinished: p(`UPDATE steps SET needs_remaining = needs_remaining - 1 WHERE id = ? AND status = 'running'
        RETURNING needs_remaining AS needsRemaining`),
      holdsLease: p(`SELECT 1 AS x FROM steps WHERE id = ? AND status = 'running' AND lease_owner = ? AND attempts = ?`),
      // `s.status IN ('ready', 'running')` repeats steps_live's WHERE word for word: SQLite only uses
      // a partial index when the query states its condition, and does not derive it from `= 'ready'`.
      findClaimable: p(`SELECT ${STEP_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1s.$2')} FROM steps s INDEXED BY steps_live CROSS JOIN runs r ON r.id = s.run_id
        WHERE s.status = 'ready' AND s.status IN ('ready', 'running') AND r.status = 'running'
          AND r.template_id NOT IN (SELECT value FROM json_each(?))
        ORDER BY s.id LIMIT 1`),
      findClaimableAny: p(`SELECT ${STEP_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1s.$2')} FROM steps s INDEXED BY steps_live CROSS JOIN runs r ON r.id = s.run_id
        WHERE s.status = 'ready' AND s.status IN ('ready', 'running') AND r.status = 'running' ORDER BY s.id LIMIT 1`),
      // Scoped to a run tree: the same walk of the (short) ready list, keeping only those runs' steps.
      findClaimableInRuns: p(`SELECT ${STEP_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1s.$2')} FROM steps s INDEXED BY steps_live CROSS JOIN runs r ON r.id = s.run_id
        WHERE s.status = 'ready' AND s.status IN ('ready', 'running') AND s.run_id IN (SELECT value FROM json_each(?)) AND r.status = 'running'
          AND r.template_id NOT IN (SELECT value FROM json_each(?))
        ORDER BY s.id LIMIT 1`),
      hasClaimable: p(`SELECT 1 AS x FROM steps s INDEXED BY steps_live CROSS JOIN runs r ON r.id = s.run_id
        WHERE s.status = 'ready' AND s.status IN ('ready', 'running') AND r.status = 'running' LIMIT 1`),
      renewLease: p(`UPDATE steps SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`),
      expiredLeases: p(`SELECT ${STEP_COLUMNS} FROM steps INDEXED BY steps_live
        WHERE status = 'running' AND status IN ('ready', 'running') AND lease_owner IS NOT NULL
        AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?`),
      dueTimers: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE status = 'waiting' AND due_at IS NOT NULL AND due_at <= ?
        ORDER BY due_at LIMIT ?`),
      nextDueAt: p(`SELECT min(due_at) AS dueAt FROM steps WHERE status = 'waiting' AND due_at IS NOT NULL`),
      hasActiveSteps: p('SELECT active_steps AS n FROM runs WHERE id = ?'),
      insertAttempt: p(`INSERT INTO attempts (step_row_id, run_id, step_id, item_key, number, status, owner, started_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      latestAttempt: p(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE step_row_id = ? ORDER BY number DESC, id DESC LIMIT 1`),
      listAttempts: p(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE step_row_id = ? ORDER BY number, id`),
      appendEvent: p(`INSERT INTO events (run_id, step_id, item_key, type, payload, at) VALUES (?, ?, ?, ?, ?, ?)`),
      listEvents: p(`SELECT id, run_id AS runId, step_id AS stepId, item_key AS itemKey, type, payload, at
        FROM events WHERE id > ? ORDER BY id LIMIT ?`),
      listRunEvents: p(`SELECT id, run_id AS runId, step_id AS stepId, item_key AS itemKey, type, payload, at
        FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`),
      recentRunEvents: p(`SELECT id, run_id AS runId, step_id AS stepId, item_key AS itemKey, type, payload, at
        FROM events WHERE run_id = ? ORDER BY id DESC LIMIT ?`),
      runCosts: p(`SELECT s.run_id AS runId, sum(a.cost_usd) AS costUsd FROM attempts a JOIN steps s ON s.id = a.step_row_id
        WHERE a.cost_usd IS NOT NULL GROUP BY s.run_id`),
      runCost: p(`SELECT sum(a.cost_usd) AS costUsd FROM steps s JOIN attempts a ON a.step_row_id = s.id
        WHERE s.run_id = ? AND a.cost_usd IS NOT NULL`),
      latestRunEvent: p(`SELECT id, run_id AS runId, step_id AS stepId, item_key AS itemKey, type, payload, at
        FROM events WHERE run_id = ? AND (type != 'step.progress' OR json_extract(payload, '$.kind') IN (SELECT value FROM json_each(?)))
        ORDER BY id DESC LIMIT 1`),
      maxEventId: p('SELECT coalesce(max(id), 0) AS id FROM events'),
      insertGate: p(`INSERT INTO gates (run_id, step_row_id, step_id, item_key, message, approvers, form, requested_at, due_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (step_row_id) DO UPDATE SET message = excluded.message, approvers = excluded.approvers,
          form = excluded.form, requested_at = excluded.requested_at, due_at = excluded.due_at, escalated = 0,
          decision = NULL, decided_by = NULL, decided_at = NULL, comment = NULL, form_inputs = NULL
        RETURNING id`),
      findGate: p(`SELECT ${GATE_COLUMNS} FROM gates WHERE run_id = ? AND step_id = ? AND item_key = ?`),
      getGate: p(`SELECT ${GATE_COLUMNS} FROM gates WHERE id = ?`),
      listGates: p(`SELECT ${GATE_COLUMNS} FROM gates WHERE run_id = ? ORDER BY id`),
      listOpenGates: p(`SELECT ${GATE_COLUMNS} FROM gates WHERE decision IS NULL ORDER BY requested_at LIMIT ?`),
      hasOpenGate: p(`SELECT 1 AS x FROM gates WHERE run_id = ? AND decision IS NULL LIMIT 1`),
      insertComment: p(`INSERT INTO comments (run_id, step_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)`),
      listComments: p(`SELECT id, run_id AS runId, step_id AS stepId, author, body, created_at AS createdAt
        FROM comments WHERE run_id = ? ORDER BY id`),
      insertArtifact: p(`INSERT INTO artifacts (run_id, step_id, name, path, media_type, size_bytes, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      listArtifacts: p(`SELECT id, run_id AS runId, step_id AS stepId, name, path, media_type AS mediaType,
        size_bytes AS sizeBytes, created_at AS createdAt FROM artifacts WHERE run_id = ? ORDER BY id`),
      upsertSchedule: p(`INSERT INTO schedules (id, template_id, cron, timezone, catchup, enabled, last_fired_at, next_fire_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET template_id = excluded.template_id, cron = excluded.cron, timezone = excluded.timezone,
          catchup = excluded.catchup, enabled = excluded.enabled, last_fired_at = excluded.last_fired_at,
          next_fire_at = excluded.next_fire_at, updated_at = excluded.updated_at`),
      listSchedules: p(`SELECT id, template_id AS templateId, cron, timezone, catchup, enabled, last_fired_at AS lastFiredAt,
        next_fire_at AS nextFireAt, updated_at AS updatedAt FROM schedules ORDER BY id`),
      deleteSchedule: p('DELETE FROM schedules WHERE id = ?'),
      markScheduleFired: p(`UPDATE schedules SET last_fired_at = ?, next_fire_at = ?, updated_at = ?
        WHERE id = ? AND last_fired_at IS ?`),
      recordWebhookDelivery: p(`INSERT INTO webhook_deliveries (id, template_id, received_at, body_sha256, run_id)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
      pruneWebhookDeliveries: p('DELETE FROM webhook_deliveries WHERE received_at < ?'),
    };
  }

  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    // Prepared once: exec() would parse BEGIN and COMMIT again on every transition.
    this.begin.run();
    this.depth++;
    try {
      const result = fn();
      this.commit.run();
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.depth--;
    }
  }

  /** Closes the database. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private stmt(name: string): StatementSync {
    const statement = this.s[name];
    if (!statement) throw new Error(`no statement ${name}`);
    return statement;
  }

  private update(table: string, columns: Record<string, string>, key: string | number, patch: object): number {
    const keys: string[] = [];
    const values: SQLInputValue[] = [];
    let cacheKey = table;
    for (const [k, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      keys.push(k);
      values.push(toParam(k, value));
      cacheKey += `,${k}`;
    }
    if (keys.length === 0) return 0;
    let statement = this.updateCache.get(cacheKey);
    if (!statement) {
      const sets = keys.map((k) => {
        const column = columns[k];
        if (!column) throw new Error(`cannot update ${table}.${k}`);
        return `${column} = ?`;
      });
      const guard = table === 'gates' ? ' AND decision IS NULL' : '';
      statement = this.db.prepare(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = ?${guard}`);
      this.updateCache.set(cacheKey, statement);
    }
    return Number(statement.run(...values, key).changes);
  }

  insertRun(run: NewRun): void {
    this.stmt('insertRun').run(
      run.id,
      run.templateId,
      run.templateName,
      run.status,
      run.trigger.kind,
      json(run.trigger.payload),
      run.parentRunId,
      run.parentStepRowId,
      run.concurrencyKey,
      run.unfinishedSteps,
      run.createdAt,
      run.createdAt,
    );
    this.stmt('insertSnapshot').run(run.id, JSON.stringify(run.definition), JSON.stringify(run.inputs));
  }

  getRunState(id: string): RunState | undefined {
    return this.stmt('getRunState').get(id) as unknown as RunState | undefined;
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.stmt('getRun').get(id) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  getRunDefinition(id: string): TemplateDefinition | undefined {
    const row = this.stmt('getRunDefinition').get(id) as { definition: string } | undefined;
    return row ? (JSON.parse(row.definition) as TemplateDefinition) : undefined;
  }

  templateIdOfRun(runId: string): string | undefined {
    return (this.stmt('templateIdOfRun').get(runId) as { templateId: string } | undefined)?.templateId;
  }

  updateRun(id: string, patch: RunPatch): void {
    this.update('runs', RUN_PATCH_COLUMNS, id, patch);
  }

  addRunCounters(
    id: string,
    unfinishedDelta: number,
    failedDelta: number,
    activeDelta = 0,
  ): { unfinishedSteps: number; failedSteps: number; activeSteps: number } {
    const row = this.stmt('addRunCounters').get(unfinishedDelta, failedDelta, activeDelta, id) as
      | { unfinishedSteps: number; failedSteps: number; activeSteps: number }
      | undefined;
    if (!row) throw new Error(`run ${id} vanished`);
    return { unfinishedSteps: row.unfinishedSteps, failedSteps: row.failedSteps, activeSteps: row.activeSteps };
  }

  listRuns(query: RunQuery = {}): RunRecord[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.status !== undefined) {
      const statuses = typeof query.status === 'string' ? [query.status] : [...query.status];
      where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (query.templateId !== undefined) {
      where.push('template_id = ?');
      params.push(query.templateId);
    }
    if (query.parentRunId !== undefined) {
      where.push('parent_run_id = ?');
      params.push(query.parentRunId);
    }
    if (query.archived !== undefined) where.push(query.archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL');
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    params.push(query.limit ?? 100);
    return (this.db.prepare(sql).all(...params) as Row[]).map(toRun);
  }

  archiveRuns(runIds: readonly string[], change: RunArchiveChange): string[] {
    return this.transaction(() => {
      // Every run is checked before any is changed: a refused run leaves the others as they were.
      const toArchive = this.archiveStates(runIds).filter(({ id, status, archivedAt }) => {
        if (!isRunFinished(status)) throw new RunNotFinishedError(id, status, 'archived');
        return archivedAt === null;
      });
      for (const { id } of toArchive) {
        this.stmt('setRunArchivedAt').run(change.at, id);
        this.appendEvent({ runId: id, stepId: null, itemKey: null, type: EventType.RunArchived, payload: { archivedAt: change.at, by: change.by }, at: change.at });
      }
      return toArchive.map((r) => r.id);
    });
  }

  unarchiveRuns(runIds: readonly string[], change: RunArchiveChange): string[] {
    return this.transaction(() => {
      const toUnarchive = this.archiveStates(runIds).filter((r) => r.archivedAt !== null);
      for (const { id } of toUnarchive) {
        this.stmt('setRunArchivedAt').run(null, id);
        this.appendEvent({ runId: id, stepId: null, itemKey: null, type: EventType.RunUnarchived, payload: { by: change.by }, at: change.at });
      }
      return toUnarchive.map((r) => r.id);
    });
  }

  /** Status and archive time of each distinct run id, in order; RunNotFoundError for an unknown one. */
  private archiveStates(runIds: readonly string[]): Array<{ id: string; status: RunStatus; archivedAt: number | null }> {
    return [...new Set(runIds)].map((id) => {
      const row = this.stmt('runArchiveState').get(id) as { status: RunStatus; archivedAt: number | null } | undefined;
      if (!row) throw new RunNotFoundError(id);
      return { id, status: row.status, archivedAt: row.archivedAt };
    });
  }

  countActiveRuns(concurrencyKey: string): number {
    return (this.stmt('countActiveRuns').get(concurrencyKey) as { n: number }).n;
  }

  nextQueuedRun(concurrencyKey: string): string | undefined {
    return (this.stmt('nextQueuedRun').get(concurrencyKey) as { id: string } | undefined)?.id;
  }

  insertStep(step: NewStep): number {
    return Number(
      this.stmt('insertStep').run(
        step.runId,
        step.stepId,
        step.itemKey ?? '',
        step.itemIndex,
        step.parentRowId,
        step.kind,
        step.status,
        step.phase,
        step.needsRemaining,
        json(step.item),
        step.createdAt,
        step.createdAt,
      ).lastInsertRowid,
    );
  }

  getStep(rowId: number): StepRecord | undefined {
    const row = this.stmt('getStep').get(rowId) as Row | undefined;
    return row ? toStep(row) : undefined;
  }

  findStep(runId: string, stepId: string, itemKey: string | null): StepRecord | undefined {
    const row = this.stmt('findStep').get(runId, stepId, itemKey ?? '') as Row | undefined;
    return row ? toStep(row) : undefined;
  }

  listSteps(runId: string): StepRecord[] {
    return (this.stmt('listSteps').all(runId) as Row[]).map(toStep);
  }

  listItems(parentRowId: number): StepRecord[] {
    return (this.stmt('listItems').all(parentRowId) as Row[]).map(toStep);
  }

  nextPendingItem(parentRowId: number): StepRecord | undefined {
    const row = this.stmt('nextPendingItem').get(parentRowId) as Row | undefined;
    return row ? toStep(row) : undefined;
  }

  updateStep(rowId: number, patch: StepPatch): void {
    this.update('steps', STEP_PATCH_COLUMNS, rowId, patch);
  }

  noteNeedFinished(rowId: number, upstreamBits: number): { needsRemaining: number; upstream: number; row?: StepRecord } {
    const row = this.stmt('noteNeedFinished').get(upstreamBits, rowId) as Row | undefined;
    if (!row) throw new Error(`step row ${rowId} vanished`);
    const needsRemaining = row.needsRemaining as number;
    const upstream = row.upstream as number;
    return needsRemaining > 0 ? { needsRemaining, upstream } : { needsRemaining, upstream, row: toStep(row) };
  }

  noteItemFinished(parentRowId: number): number | undefined {
    return (this.stmt('noteItemFinished').get(parentRowId) as { needsRemaining: number } | undefined)?.needsRemaining;
  }

  listStartableSteps(runId: string): StepRecord[] {
    return (this.stmt('listStartableSteps').all(runId) as Row[]).map(toStep);
  }

  getStepResult(rowId: number): Pick<StepRecord, 'status' | 'outputs'> | undefined {
    const row = this.stmt('getStepResult').get(rowId) as Row | undefined;
    return row ? { status: row.status as StepRecord['status'], outputs: parse(row.outputs) } : undefined;
  }

  holdsLease(rowId: number, owner: string, attempt: number): boolean {
    return this.stmt('holdsLease').get(rowId, owner, attempt) !== undefined;
  }

  findClaimableStep(excludeTemplateIds: readonly string[], runIds?: readonly string[]): StepRecord | undefined {
    if (runIds !== undefined) {
      if (runIds.length === 0) return undefined;
      const scoped = this.stmt('findClaimableInRuns').get(JSON.stringify(runIds), JSON.stringify(excludeTemplateIds)) as Row | undefined;
      return scoped ? toStep(scoped) : undefined;
    }
    const row = (
      excludeTemplateIds.length === 0
        ? this.stmt('findClaimableAny').get()
        : this.stmt('findClaimable').get(JSON.stringify(excludeTemplateIds))
    ) as Row | undefined;
    return row ? toStep(row) : undefined;
  }

  hasClaimableStep(): boolean {
    return this.stmt('hasClaimable').get() !== undefined;
  }

  renewLease(rowId: number, owner: string, expiresAt: number): boolean {
    return Number(this.stmt('renewLease').run(expiresAt, rowId, owner).changes) === 1;
  }

  listExpiredLeases(now: number, limit: number): StepRecord[] {
    return (this.stmt('expiredLeases').all(now, limit) as Row[]).map(toStep);
  }

  listDueTimers(now: number, limit: number): StepRecord[] {
    return (this.stmt('dueTimers').all(now, limit) as Row[]).map(toStep);
  }

  nextDueAt(): number | undefined {
    const row = this.stmt('nextDueAt').get() as { dueAt: number | null } | undefined;
    return row?.dueAt ?? undefined;
  }

  hasActiveSteps(runId: string): boolean {
    return ((this.stmt('hasActiveSteps').get(runId) as { n: number } | undefined)?.n ?? 0) > 0;
  }

  insertAttempt(attempt: Omit<AttemptRecord, 'id' | 'finishedAt' | 'error' | 'exitCode' | 'costUsd'>): number {
    return Number(
      this.stmt('insertAttempt').run(
        attempt.stepRowId,
        attempt.runId,
        attempt.stepId,
        attempt.itemKey,
        attempt.number,
        attempt.status,
        attempt.owner,
        attempt.startedAt,
      ).lastInsertRowid,
    );
  }

  updateAttempt(id: number, patch: AttemptPatch): void {
    this.update('attempts', ATTEMPT_PATCH_COLUMNS, id, patch);
  }

  latestAttempt(stepRowId: number): AttemptRecord | undefined {
    const row = this.stmt('latestAttempt').get(stepRowId) as Row | undefined;
    return row ? toAttempt(row) : undefined;
  }

  listAttempts(stepRowId: number): AttemptRecord[] {
    return (this.stmt('listAttempts').all(stepRowId) as Row[]).map(toAttempt);
  }

  appendEvent(event: NewEvent): number {
    return Number(
      this.stmt('appendEvent').run(
        event.runId,
        event.stepId,
        event.itemKey,
        event.type,
        JSON.stringify(event.payload),
        event.at,
      ).lastInsertRowid,
    );
  }

  listEvents(afterId: number, query: EventQuery = {}): EventRecord[] {
    const limit = query.limit ?? 1000;
    const rows =
      query.runId === undefined
        ? this.stmt('listEvents').all(afterId, limit)
        : this.stmt('listRunEvents').all(query.runId, afterId, limit);
    return (rows as Row[]).map(toEvent);
  }

  listRecentRunEvents(runId: string, limit: number): EventRecord[] {
    return (this.stmt('recentRunEvents').all(runId, limit) as Row[]).map(toEvent).reverse();
  }

  runCostsUsd(runId?: string): Map<string, number> {
    if (runId !== undefined) {
      const { costUsd } = this.stmt('runCost').get(runId) as { costUsd: number | null };
      return new Map(costUsd === null ? [] : [[runId, costUsd]]);
    }
    return new Map((this.stmt('runCosts').all() as Array<{ runId: string; costUsd: number }>).map((r) => [r.runId, r.costUsd]));
  }

  latestRunEvent(runId: string, progressKinds: readonly StepProgress['kind'][] = []): EventRecord | undefined {
    const row = this.stmt('latestRunEvent').get(runId, JSON.stringify(progressKinds)) as Row | undefined;
    return row ? toEvent(row) : undefined;
  }

  maxEventId(): number {
    return (this.stmt('maxEventId').get() as { id: number }).id;
  }

  insertGate(
    gate: Omit<GateRecord, 'id' | 'decision' | 'decidedBy' | 'decidedAt' | 'comment' | 'formInputs' | 'escalated'>,
  ): number {
    const row = this.stmt('insertGate').get(
        gate.runId,
        gate.stepRowId,
        gate.stepId,
        gate.itemKey ?? '',
        gate.message,
        JSON.stringify(gate.approvers),
        json(gate.form),
        gate.requestedAt,
        gate.dueAt,
    ) as { id: number };
    return row.id;
  }

  findGate(runId: string, stepId: string, itemKey: string | null): GateRecord | undefined {
    const row = this.stmt('findGate').get(runId, stepId, itemKey ?? '') as Row | undefined;
    return row ? toGate(row) : undefined;
  }

  getGate(id: number): GateRecord | undefined {
    const row = this.stmt('getGate').get(id) as Row | undefined;
    return row ? toGate(row) : undefined;
  }

  updateOpenGate(id: number, patch: GatePatch): boolean {
    return this.update('gates', GATE_PATCH_COLUMNS, id, patch) === 1;
  }

  listGates(runId: string): GateRecord[] {
    return (this.stmt('listGates').all(runId) as Row[]).map(toGate);
  }

  listOpenGates(limit: number): GateRecord[] {
    return (this.stmt('listOpenGates').all(limit) as Row[]).map(toGate);
  }

  hasOpenGate(runId: string): boolean {
    return this.stmt('hasOpenGate').get(runId) !== undefined;
  }

  insertComment(comment: Omit<CommentRecord, 'id'>): number {
    return Number(
      this.stmt('insertComment').run(comment.runId, comment.stepId, comment.author, comment.body, comment.createdAt)
        .lastInsertRowid,
    );
  }

  listComments(runId: string): CommentRecord[] {
    return this.stmt('listComments').all(runId) as unknown as CommentRecord[];
  }

  insertArtifact(artifact: Omit<ArtifactRecord, 'id'>): number {
    return Number(
      this.stmt('insertArtifact').run(
        artifact.runId,
        artifact.stepId,
        artifact.name,
        artifact.path,
        artifact.mediaType,
        artifact.sizeBytes,
        artifact.createdAt,
      ).lastInsertRowid,
    );
  }

  listArtifacts(runId: string): ArtifactRecord[] {
    return this.stmt('listArtifacts').all(runId) as unknown as ArtifactRecord[];
  }

  upsertSchedule(schedule: ScheduleRecord): void {
    this.stmt('upsertSchedule').run(
      schedule.id,
      schedule.templateId,
      schedule.cron,
      schedule.timezone,
      schedule.catchup,
      schedule.enabled ? 1 : 0,
      schedule.lastFiredAt,
      schedule.nextFireAt,
      schedule.updatedAt,
    );
  }

  listSchedules(): ScheduleRecord[] {
    return (this.stmt('listSchedules').all() as Row[]).map((row) => ({
      ...(row as unknown as ScheduleRecord),
      enabled: row.enabled === 1,
    }));
  }

  deleteSchedule(id: string): void {
    this.stmt('deleteSchedule').run(id);
  }

  markScheduleFired(id: string, firedAt: number, nextFireAt: number | null, expectedLastFiredAt: number | null): boolean {
    return Number(this.stmt('markScheduleFired').run(firedAt, nextFireAt, firedAt, id, expectedLastFiredAt).changes) === 1;
  }

  recordWebhookDelivery(delivery: WebhookDeliveryRecord): boolean {
    const result = this.stmt('recordWebhookDelivery').run(
      delivery.id,
      delivery.templateId,
      delivery.receivedAt,
      delivery.bodySha256,
      delivery.runId,
    );
    return Number(result.changes) === 1;
  }

  pruneWebhookDeliveries(before: number): number {
    return Number(this.stmt('pruneWebhookDeliveries').run(before).changes);
  }
}
