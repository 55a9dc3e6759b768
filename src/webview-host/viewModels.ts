/**
 * Store records -> the protocol's view models (RunSummary, RunDetail, StepView, GateView, ...).
 * Reads only: every function takes the folder's engine and files and returns plain data.
 *
 * `revision` is the database's max event id read BEFORE the view is built: it is at least the id
 * of the last event that changed the view, and any later change carries a higher id, so the
 * webview's "ignore an older revision" rule never drops a newer view.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../core/engine';
import {
  isRunFinished,
  isStepFinished,
  type ArtifactRecord,
  type EventRecord,
  type GateRecord,
  type JsonValue,
  type RunRecord,
  type StepRecord,
} from '../core/model';
import type { RunFiles } from '../core/ports';
import type { GateStep, StepDefinition, TemplateDefinition, TemplateInputs } from '../core/template/types';
import type {
  ArtifactView,
  AttemptView,
  BatonEvent,
  CommentView,
  FormSchema,
  ForeachCounts,
  GateSummary,
  GateView,
  LastEventView,
  RunDetail,
  RunSummary,
  StepView,
  UpstreamOutputView,
} from '../shared/protocol';

/** What the mapping reads: one folder's engine (and its store) plus its run folders. */
export interface ViewSource {
  engine: Engine;
  files: RunFiles;
}

/** Who looks, and when. */
export interface ViewerContext {
  user: string;
  now: number;
  /** The URI a panel loads an image artifact from (null: not previewable there). */
  previewUri?: (artifact: ArtifactRecord) => string | null;
}

export function toBatonEvent(event: EventRecord): BatonEvent {
  return { id: event.id, type: event.type, runId: event.runId, stepId: event.stepId, itemKey: event.itemKey, at: event.at, payload: event.payload };
}

/** The progress kinds a card names (other progress is output, results and usage). */
const CARD_PROGRESS_KINDS = ['tool_call', 'message', 'assistant_text'] as const;

const GIST_MAX = 80;

function clipLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > GIST_MAX ? `${line.slice(0, GIST_MAX - 1)}…` : line;
}

/** Keys whose value says what a tool call is about (Claude's Read/Edit/Bash/Grep, Codex's shell, MCP tools). */
const GIST_KEYS = ['file_path', 'path', 'command', 'pattern', 'url', 'query', 'description'];

/** " src/index.ts" for `{ file_path: 'src/index.ts' }`; a short JSON of other inputs; '' for none. */
function toolCallGist(input: JsonValue | undefined): string {
  if (input === undefined || input === null) return '';
  if (typeof input === 'object' && !Array.isArray(input)) {
    for (const key of GIST_KEYS) {
      const value = input[key];
      if (typeof value === 'string' && value) return ` ${clipLine(value)}`;
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return ` ${clipLine(value.join(' '))}`;
    }
  }
  const json = JSON.stringify(input);
  return json === '{}' || json === '[]' ? '' : ` ${clipLine(json)}`;
}

/** One line a person reads for an event (the card's "last event"). */
export function describeEvent(event: EventRecord): string {
  const step = event.stepId ? `${event.stepId}${event.itemKey !== null ? ` [${event.itemKey}]` : ''}` : '';
  const p = event.payload as Record<string, JsonValue | undefined>;
  switch (event.type) {
    case 'run.created':
      return 'run created';
    case 'run.queued':
      return 'queued: its concurrency group is full';
    case 'run.started':
      return 'run started';
    case 'run.paused':
      return `paused${p.by ? ` by ${String(p.by)}` : ''}`;
    case 'run.resumed':
      return `resumed${p.by ? ` by ${String(p.by)}` : ''}`;
    case 'run.waiting':
      return 'waiting for a decision';
    case 'run.succeeded':
      return 'run succeeded';
    case 'run.failed':
      return 'run failed';
    case 'run.cancelled':
      return `cancelled${p.by ? ` by ${String(p.by)}` : ''}`;
    case 'run.phase_changed':
      return `phase ${String(p.to)}`;
    case 'run.archived':
      return `archived${p.by ? ` by ${String(p.by)}` : ''}`;
    case 'run.unarchived':
      return `unarchived${p.by ? ` by ${String(p.by)}` : ''}`;
    case 'step.progress':
      if (p.kind === 'tool_call') return `${step}: ${String(p.tool)}${toolCallGist(p.input)}`;
      if (p.kind === 'message' || p.kind === 'assistant_text') return `${step}: ${clipLine(String(p.text ?? ''))}`;
      return `${step} working`;
    case 'step.failed':
      return `${step} failed${p.error ? `: ${String(p.error)}` : ''}`;
    case 'step.retrying':
      return `${step} retrying (attempt ${String(p.attempt)} failed)`;
    case 'gate.requested':
      return `${step} waiting for approval`;
    case 'gate.decided':
      return `${step} ${String(p.decision)}${p.by ? ` by ${String(p.by)}` : ''}`;
    case 'gate.escalated':
      return `${step} escalated`;
    case 'comment.added':
      return `${String(p.author)} commented`;
    case 'artifact.added':
      return `artifact ${String(p.name)} added`;
    default:
      return `${step} ${event.type.slice('step.'.length)}`;
  }
}

function lastEventOf(source: ViewSource, runId: string): LastEventView | null {
  // Output chunks, tool results and token counts are noise on a card; the newest other event
  // (a step's status, an agent's tool call or message) says what the run is doing.
  const meaningful = source.engine.store.latestRunEvent(runId, CARD_PROGRESS_KINDS);
  return meaningful ? { text: describeEvent(meaningful), at: meaningful.at, type: meaningful.type } : null;
}

/** The definition the run was started with, read as stored (the engine's plan would also build its graph). */
function definitionOf(source: ViewSource, runId: string): TemplateDefinition | undefined {
  return source.engine.store.getRunDefinition(runId);
}

function formSchemaOf(form: JsonValue | TemplateInputs | null | undefined): FormSchema | null {
  if (!form || typeof form !== 'object' || Array.isArray(form)) return null;
  const { properties, required } = form as Partial<TemplateInputs>;
  if (!properties || Object.keys(properties).length === 0) return null;
  return { type: 'object', properties, required: Array.isArray(required) ? required : [] };
}

/** The current user may decide: undecided, and approvers empty or naming them. */
function canDecide(gate: GateRecord, user: string): boolean {
  return gate.decision === null && (gate.approvers.length === 0 || gate.approvers.includes(user));
}

export function gateSummary(gate: GateRecord, user: string): GateSummary {
  const form = formSchemaOf(gate.form);
  return {
    id: gate.id,
    runId: gate.runId,
    stepId: gate.stepId,
    itemKey: gate.itemKey,
    title: (gate.message.split('\n')[0] ?? '').replace(/^#+\s*/, '').trim(),
    approvers: gate.approvers,
    requestedAt: gate.requestedAt,
    dueAt: gate.dueAt,
    escalated: gate.escalated,
    canDecide: canDecide(gate, user),
    needsForm: (form?.required.length ?? 0) > 0,
  };
}

/** Running with a lease that expired and nobody took over: the worker that ran it is gone. */
function isStale(run: RunRecord, steps: readonly StepRecord[], now: number): boolean {
  if (run.status !== 'running') return false;
  return steps.some((s) => s.status === 'running' && s.leaseExpiresAt !== null && s.leaseExpiresAt < now);
}

function failureReasonOf(run: RunRecord, steps: readonly StepRecord[]): string | null {
  if (run.status !== 'failed') return null;
  const failed = steps.find((s) => s.status === 'failed' && s.parentRowId === null) ?? steps.find((s) => s.status === 'failed');
  if (failed) return `${failed.stepId}${failed.itemKey !== null ? ` [${failed.itemKey}]` : ''}: ${failed.error ?? 'failed'}`;
  return run.error;
}

function summaryOf(source: ViewSource, run: RunRecord, steps: StepRecord[], revision: number, viewer: ViewerContext, costUsd: number | null): RunSummary {
  const definition = definitionOf(source, run.id);
  const top = steps.filter((s) => s.parentRowId === null);
  const running = top.filter((s) => s.status === 'running' || s.status === 'waiting');
  // A finished run waits on nobody: its gates are not read.
  const openGates = isRunFinished(run.status) ? [] : source.engine.store.listGates(run.id).filter((g) => g.decision === null);
  return {
    id: run.id,
    revision,
    templateId: run.templateId,
    templateName: run.templateName || run.templateId,
    status: run.status,
    phase: run.phase,
    phases: definition?.phases ?? [],
    currentStep: running[0]?.stepId ?? null,
    lastEvent: lastEventOf(source, run.id),
    stepsDone: top.filter((s) => isStepFinished(s.status)).length,
    stepsTotal: definition?.steps.length ?? top.length,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    costUsd,
    failureReason: failureReasonOf(run, steps),
    waitingGates: openGates.map((g) => gateSummary(g, viewer.user)),
    stale: isStale(run, steps, viewer.now),
    trigger: run.trigger.kind,
    archived: run.archivedAt !== null,
  };
}

/** A run as the board's card shows it; undefined when the run does not exist. */
export function runSummary(source: ViewSource, runId: string, revision: number, viewer: ViewerContext): RunSummary | undefined {
  const run = source.engine.store.getRun(runId);
  if (!run) return undefined;
  return summaryOf(source, run, source.engine.store.listSteps(runId), revision, viewer, source.engine.store.runCostsUsd(runId).get(runId) ?? null);
}

/**
 * The most runs a board snapshot holds, newest first: the board is virtualized (issue #6 asks for
 * 2,000 runs), and past this the snapshot's size, not the board, is what a user would wait for.
 */
export const BOARD_RUN_LIMIT = 10_000;

/** The cards of the top-level runs `events` touched, once each (child runs show through their parent). */
export function boardRunsTouchedBy(source: ViewSource, events: readonly EventRecord[], revision: number, viewer: ViewerContext): RunSummary[] {
  return [...new Set(events.map((e) => e.runId))].flatMap((runId) => {
    const run = source.engine.store.getRun(runId);
    if (!run || run.parentRunId !== null) return [];
    return [summaryOf(source, run, source.engine.store.listSteps(runId), revision, viewer, source.engine.store.runCostsUsd(runId).get(runId) ?? null)];
  });
}

/** Top-level runs of the board, newest first (child runs are reached through their parent). */
export function boardRuns(source: ViewSource, revision: number, viewer: ViewerContext, limit = BOARD_RUN_LIMIT): RunSummary[] {
  const costs = source.engine.store.runCostsUsd();
  return source.engine
    .listRuns({ limit })
    .filter((run) => run.parentRunId === null)
    .map((run) => summaryOf(source, run, source.engine.store.listSteps(run.id), revision, viewer, costs.get(run.id) ?? null));
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function artifactView(artifact: ArtifactRecord, viewer: ViewerContext): ArtifactView {
  const previewable = artifact.mediaType?.startsWith('image/') ?? false;
  return {
    id: artifact.id,
    stepId: artifact.stepId,
    name: artifact.name,
    mediaType: artifact.mediaType,
    sizeBytes: artifact.sizeBytes,
    createdAt: artifact.createdAt,
    previewUri: previewable ? (viewer.previewUri?.(artifact) ?? null) : null,
  };
}

const EMPTY_COUNTS: ForeachCounts = { total: 0, succeeded: 0, failed: 0, running: 0, waiting: 0, pending: 0, skipped: 0, cancelled: 0 };

function countItems(items: readonly StepRecord[]): ForeachCounts {
  const counts = { ...EMPTY_COUNTS, total: items.length };
  for (const item of items) {
    if (item.status === 'ready') counts.pending++;
    else counts[item.status]++;
  }
  return counts;
}

function stepView(source: ViewSource, definition: StepDefinition | undefined, row: StepRecord | undefined, stepId: string, items: StepRecord[] | null): StepView {
  const attempts: AttemptView[] = row
    ? source.engine.store.listAttempts(row.id).map((a) => ({
        number: a.number,
        status: a.status,
        startedAt: a.startedAt,
        finishedAt: a.finishedAt,
        exitCode: a.exitCode,
        error: a.error,
        costUsd: a.costUsd,
      }))
    : [];
  const summaryMarkdown = row ? readText(join(source.files.stepDir(row.runId, row.stepId, row.itemKey), 'summary.md')) : null;
  return {
    id: stepId,
    name: definition?.name ?? null,
    kind: definition?.kind ?? ((row?.kind ?? 'run') as StepView['kind']),
    phase: definition?.phase ?? row?.phase ?? null,
    needs: definition?.needs ?? [],
    itemKey: row?.itemKey ?? null,
    status: row?.status ?? 'pending',
    reached: row !== undefined && row.status !== 'pending',
    attempt: row?.attempts ?? 0,
    attempts,
    error: row?.error ?? null,
    startedAt: row?.startedAt ?? null,
    finishedAt: row?.finishedAt ?? null,
    outputs: row?.outputs ?? null,
    summaryMarkdown,
    hasTranscript: row?.kind === 'agent' && (row.transcriptPath !== null || attempts.length > 0),
    foreach:
      items === null
        ? null
        : { counts: items.length ? countItems(items) : EMPTY_COUNTS, items: items.map((item) => stepView(source, definition, item, stepId, null)) },
  };
}

/** Everything the run detail shows: steps from the template (also those not reached yet) with their rows. */
export function runDetail(source: ViewSource, runId: string, revision: number, viewer: ViewerContext): RunDetail | undefined {
  const run = source.engine.store.getRun(runId);
  if (!run) return undefined;
  const rows = source.engine.store.listSteps(runId);
  const definition = definitionOf(source, runId);
  const topRows = new Map(rows.filter((r) => r.parentRowId === null).map((r) => [r.stepId, r]));
  const itemsByParent = new Map<number, StepRecord[]>();
  for (const row of rows) {
    if (row.parentRowId === null) continue;
    itemsByParent.set(row.parentRowId, [...(itemsByParent.get(row.parentRowId) ?? []), row]);
  }
  const stepIds = definition ? definition.steps.map((s) => s.id) : [...topRows.keys()];
  const definitions = new Map((definition?.steps ?? []).map((s) => [s.id, s]));
  const steps = stepIds.map((id) => {
    const row = topRows.get(id);
    const stepDefinition = definitions.get(id);
    const isForeach = stepDefinition?.foreach !== undefined;
    const items = isForeach ? [...(row ? (itemsByParent.get(row.id) ?? []) : [])].sort((a, b) => (a.itemIndex ?? 0) - (b.itemIndex ?? 0)) : null;
    return stepView(source, stepDefinition, row, id, items);
  });
  const costs = steps.flatMap((s) => [...s.attempts, ...(s.foreach?.items.flatMap((i) => i.attempts) ?? [])]).map((a) => a.costUsd);
  const costUsd = costs.some((c) => c !== null) ? costs.reduce<number>((sum, c) => sum + (c ?? 0), 0) : null;
  const comments: CommentView[] = source.engine.store.listComments(runId).map((c) => ({ id: c.id, stepId: c.stepId, author: c.author, body: c.body, createdAt: c.createdAt }));
  return {
    ...summaryOf(source, run, rows, revision, viewer, costUsd),
    inputs: run.inputs,
    steps,
    comments,
    artifacts: source.engine.store.listArtifacts(runId).map((a) => artifactView(a, viewer)),
    outputs: run.outputs,
    summaryMarkdown: readText(join(source.files.runDir(runId), 'summary.md')),
  };
}

/** The gate dialog's view of a gate; undefined when there is no such gate. */
export function gateView(source: ViewSource, gateId: number, revision: number, viewer: ViewerContext): GateView | undefined {
  const gate = source.engine.store.getGate(gateId);
  if (!gate) return undefined;
  const run = source.engine.store.getRun(gate.runId);
  const definition = definitionOf(source, gate.runId);
  const step = definition?.steps.find((s) => s.id === gate.stepId);
  const gateStep = step?.kind === 'gate' ? (step as GateStep) : undefined;
  const upstream: UpstreamOutputView[] = (step?.needs ?? []).flatMap((needed) => {
    const row = source.engine.store.findStep(gate.runId, needed, null);
    if (!row?.outputs) return [];
    return [{ stepId: needed, itemKey: null, attempt: row.attempts, finishedAt: row.finishedAt, outputs: row.outputs }];
  });
  return {
    id: gate.id,
    revision,
    runId: gate.runId,
    templateName: run?.templateName ?? '',
    stepId: gate.stepId,
    itemKey: gate.itemKey,
    messageMarkdown: gate.message,
    approvers: gate.approvers,
    requestedAt: gate.requestedAt,
    dueAt: gate.dueAt,
    onTimeout: gateStep?.onTimeout ?? 'cancel',
    escalated: gate.escalated,
    upstream,
    artifacts: source.engine.store.listArtifacts(gate.runId).map((a) => artifactView(a, viewer)),
    formSchema: formSchemaOf(gate.form),
    decision:
      gate.decision === null
        ? null
        : {
            decision: gate.decision,
            // A timeout or a cancellation is nobody's decision.
            by: gate.decision === 'approved' || gate.decision === 'rejected' ? gate.decidedBy : null,
            at: gate.decidedAt ?? gate.requestedAt,
            comment: gate.comment,
            formInputs: gate.formInputs,
          },
    canDecide: canDecide(gate, viewer.user),
  };
}
