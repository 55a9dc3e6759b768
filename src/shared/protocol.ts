/**
 * The one message protocol between the extension host and Baton's webviews (gallery, board,
 * run detail, gate dialog). Every message is declared once here as a typed constant:
 *
 * - `IpcCommand`      webview -> host, fire and forget (open a file, archive runs, ...);
 * - `IpcRequest`      webview -> host with a typed reply correlated by `id`;
 * - `IpcNotification` host -> webview (changes, log lines).
 *
 * Receivers switch on the `.is(msg)` guards. Messages coming FROM a webview are untrusted: their
 * params are checked by a small structural guard declared beside the message, so `.is()` only
 * says yes to a well-formed message (the host boundary check).
 *
 * Sync: each panel starts with a `*Ready` request carrying the last event id it has applied (from
 * `getState`). The host answers with a snapshot, or (when it can) with a replay: the events after
 * that id plus the view models they touched. Later changes arrive as `DidChange` notifications that
 * the webview coalesces per animation frame and applies by key (run id, gate id, event id), so a
 * lost or duplicated message is harmless: the next ready handshake repairs it.
 *
 * Everything here is view models (what a panel shows), never database rows. Status strings are
 * the ones of src/core/model.ts. This file must stay importable by the browser bundles: type-only
 * imports from core, no vscode, no node built-ins.
 */
import type {
  AttemptStatus,
  EventType,
  GateDecision,
  JsonValue,
  Outputs,
  RunStatus,
  StepStatus,
  TriggerInfo,
} from '../core/model';
import type { InputSchema, StepKind, TemplateSourceKind } from '../core/template/types';

export type { AttemptStatus, EventType, GateDecision, JsonValue, Outputs, RunStatus, StepStatus };
export type { InputSchema, StepKind, TemplateSourceKind };

/** Bumped when a message changes incompatibly; sent in every ready request. */
export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Structural guards for untrusted params (webview -> host).

/** Narrows an unknown value to T. */
export type Guard<T> = (value: unknown) => value is T;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const guard = {
  string: ((v: unknown) => typeof v === 'string') as Guard<string>,
  nonEmptyString: ((v: unknown) => typeof v === 'string' && v.length > 0) as Guard<string>,
  number: ((v: unknown) => typeof v === 'number' && Number.isFinite(v)) as Guard<number>,
  integer: ((v: unknown) => Number.isInteger(v)) as Guard<number>,
  boolean: ((v: unknown) => typeof v === 'boolean') as Guard<boolean>,
  json: ((v: unknown) => isJsonValue(v, 0)) as Guard<JsonValue>,
  literal<const L extends string>(...values: L[]): Guard<L> {
    return (v: unknown): v is L => typeof v === 'string' && (values as string[]).includes(v);
  },
  nullable<T>(inner: Guard<T>): Guard<T | null> {
    return (v: unknown): v is T | null => v === null || inner(v);
  },
  optional<T>(inner: Guard<T>): Guard<T | undefined> {
    return (v: unknown): v is T | undefined => v === undefined || inner(v);
  },
  array<T>(inner: Guard<T>, maxLength = 10_000): Guard<T[]> {
    return (v: unknown): v is T[] => Array.isArray(v) && v.length <= maxLength && v.every(inner);
  },
  record<T>(inner: Guard<T>): Guard<Record<string, T>> {
    return (v: unknown): v is Record<string, T> => isObject(v) && Object.values(v).every(inner);
  },
  /** An object with exactly these keys checked (extra keys are rejected: they are a bug). */
  object<T extends Record<string, unknown>>(shape: { [K in keyof T]: Guard<T[K]> }): Guard<T> {
    return (v: unknown): v is T => {
      if (!isObject(v)) return false;
      for (const key of Object.keys(v)) if (!(key in shape)) return false;
      for (const [key, check] of Object.entries(shape) as Array<[string, Guard<unknown>]>) {
        if (!check(v[key])) return false;
      }
      return true;
    };
  },
};

function isJsonValue(v: unknown, depth: number): boolean {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (isObject(v)) return Object.values(v).every((x) => isJsonValue(x, depth + 1));
  return false;
}

// ---------------------------------------------------------------------------------------------
// Wire format.

export interface IpcCommandMessage<P = unknown> {
  kind: 'command';
  method: string;
  params: P;
}
export interface IpcRequestMessage<P = unknown> {
  kind: 'request';
  /** Unique per webview instance; the reply carries it back. */
  id: number;
  method: string;
  params: P;
}
export type IpcReplyMessage<R = unknown> =
  | { kind: 'reply'; id: number; method: string; ok: true; result: R }
  | { kind: 'reply'; id: number; method: string; ok: false; error: IpcError };
export interface IpcNotificationMessage<P = unknown> {
  kind: 'notification';
  method: string;
  params: P;
}
/** A request that failed on the host: a stable code plus text fit for the user. */
export interface IpcError {
  code: string;
  message: string;
}
export type IpcMessage = IpcCommandMessage | IpcRequestMessage | IpcReplyMessage | IpcNotificationMessage;

function hasShape(msg: unknown, kind: IpcMessage['kind'], method: string): msg is Record<string, unknown> {
  return isObject(msg) && msg.kind === kind && msg.method === method;
}

/** Webview -> host, no reply. */
export class IpcCommand<P> {
  readonly kind = 'command';
  constructor(
    readonly method: string,
    readonly checkParams: Guard<P>,
  ) {}
  create(params: P): IpcCommandMessage<P> {
    return { kind: 'command', method: this.method, params };
  }
  /** True for a well-formed message of this command (params checked). */
  is(msg: unknown): msg is IpcCommandMessage<P> {
    return hasShape(msg, 'command', this.method) && this.checkParams(msg.params);
  }
}

/** Webview -> host with a typed reply. */
export class IpcRequest<P, R> {
  readonly kind = 'request';
  /** Phantom: carries the reply type for `IpcClient.request`. */
  declare readonly replyType: R;
  constructor(
    readonly method: string,
    readonly checkParams: Guard<P>,
  ) {}
  create(id: number, params: P): IpcRequestMessage<P> {
    return { kind: 'request', id, method: this.method, params };
  }
  /** True for a well-formed request of this kind (params checked). */
  is(msg: unknown): msg is IpcRequestMessage<P> {
    return hasShape(msg, 'request', this.method) && typeof msg.id === 'number' && this.checkParams(msg.params);
  }
  reply(id: number, result: R): IpcReplyMessage<R> {
    return { kind: 'reply', id, method: this.method, ok: true, result };
  }
  fail(id: number, error: IpcError): IpcReplyMessage<R> {
    return { kind: 'reply', id, method: this.method, ok: false, error };
  }
}

/** Host -> webview. The host is trusted, so only kind and method are checked. */
export class IpcNotification<P> {
  readonly kind = 'notification';
  constructor(readonly method: string) {}
  create(params: P): IpcNotificationMessage<P> {
    return { kind: 'notification', method: this.method, params };
  }
  is(msg: unknown): msg is IpcNotificationMessage<P> {
    return hasShape(msg, 'notification', this.method);
  }
}

/** True for any reply message (the webview's client correlates it by id). */
export function isReplyMessage(msg: unknown): msg is IpcReplyMessage {
  return isObject(msg) && msg.kind === 'reply' && typeof msg.id === 'number';
}

// ---------------------------------------------------------------------------------------------
// View models.

export type PanelKind = 'gallery' | 'board' | 'run' | 'gate';

/**
 * What a panel shows. Rendered into the page by the host (see src/vscode/webviews/html.ts) and
 * kept by the webview in its `setState`, so a panel serializer can restore it after a reload.
 */
export type PanelContext = (
  | { panel: 'gallery'; templateId?: string }
  | { panel: 'board' }
  | { panel: 'run'; runId: string; stepId?: string }
  | { panel: 'gate'; gateId: number }
) & {
  /**
   * The workspace folder (its URI) whose database the panel shows, set by the host in a
   * multi-root window; webviews keep it in their state and never read it.
   */
  folder?: string;
};

/** The part of every webview's `getState()` a host may read (panel serializers). */
export interface PersistedPanelState {
  context: PanelContext;
  lastEventId: number | null;
}

export interface TemplateTriggerView {
  kind: 'manual' | 'schedule' | 'file' | 'webhook' | 'event';
  /** Human text, e.g. `every Monday 09:00 (cron 0 9 * * 1)` or `on save of src/**`. */
  label: string;
}

export interface TemplateSummary {
  id: string;
  name: string;
  description: string | null;
  category: string | null;
  tags: string[];
  source: TemplateSourceKind;
  /** Distinct kinds of its steps, in first-use order. */
  stepKinds: StepKind[];
  triggers: TemplateTriggerView[];
  phases: string[];
  stepCount: number;
}

export interface TemplateStepView {
  id: string;
  name: string | null;
  kind: StepKind;
  phase: string | null;
  needs: string[];
  /** The foreach expression, when the step fans out. */
  foreach: string | null;
  /** Agent steps: claude | codex | gemini. */
  agent: string | null;
}

/** A JSON Schema object for a form (template inputs or a gate's form). */
export interface FormSchema {
  type: 'object';
  properties: Record<string, InputSchema>;
  required: string[];
}

export type ReadinessFixAction = 'install-agent-cli' | 'set-secret' | 'manage-trust' | 'open-settings' | 'open-source';

export interface ReadinessProblem {
  code: 'missing-agent-cli' | 'missing-secret' | 'untrusted-workspace' | 'missing-mcp-server' | 'invalid-template';
  /** Why Run is disabled, as the user reads it. */
  message: string;
  fix: { action: ReadinessFixAction; label: string; arg: string | null } | null;
}

export interface TemplateDetail extends TemplateSummary {
  /** README or long description, markdown (rendered sanitized). */
  readmeMarkdown: string | null;
  sourcePath: string;
  steps: TemplateStepView[];
  inputsSchema: FormSchema;
  /** Empty when the template can run now. */
  readiness: ReadinessProblem[];
}

export interface SuggestedTemplate {
  templateId: string;
  /** e.g. `package.json found`. */
  reason: string;
}

/** One located problem of a template file (the same problems `baton validate` prints). */
export interface TemplateProblemView {
  line: number;
  column: number;
  /** The field, e.g. `steps[2].needs` (empty for the file as a whole). */
  field: string;
  code: string;
  message: string;
}

/** A template file that does not load: listed with its problems rather than left out. */
export interface BrokenTemplate {
  sourcePath: string;
  /** The path as shown: relative to the workspace folder when inside it. */
  displayPath: string;
  source: TemplateSourceKind;
  /** Errors first, in file order. */
  problems: TemplateProblemView[];
}

export interface GallerySnapshot {
  templates: TemplateSummary[];
  suggested: SuggestedTemplate[];
  broken: BrokenTemplate[];
}

/** A gate a run is waiting on, as a card shows it. */
export interface GateSummary {
  id: number;
  runId: string;
  stepId: string;
  /** Gates inside a foreach: one per item, labelled by its key. */
  itemKey: string | null;
  /** First line of the gate message, plain text. */
  title: string;
  approvers: string[];
  requestedAt: number;
  dueAt: number | null;
  escalated: boolean;
  /** The current user may decide it (approvers empty or naming them). */
  canDecide: boolean;
  /** Its form has required fields: it cannot be approved from a card, only in the gate dialog. */
  needsForm: boolean;
}

export interface LastEventView {
  text: string;
  at: number;
  type: EventType;
}

export interface RunSummary {
  id: string;
  /** Id of the last event that changed this run: an upsert with a lower revision is stale and ignored. */
  revision: number;
  templateId: string;
  templateName: string;
  status: RunStatus;
  phase: string | null;
  /** The template's phases, in order (board columns when grouped by phase). */
  phases: string[];
  currentStep: string | null;
  lastEvent: LastEventView | null;
  stepsDone: number;
  stepsTotal: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  costUsd: number | null;
  failureReason: string | null;
  waitingGates: GateSummary[];
  /** Running but its lease expired and nobody took it over: shown as "stale", not spinning. */
  stale: boolean;
  trigger: TriggerInfo['kind'];
  /** Archived in the database (runs.archived_at): hidden unless the filter has `@archived`. Only finished runs are. */
  archived: boolean;
}

export interface AttemptView {
  number: number;
  status: AttemptStatus;
  startedAt: number;
  finishedAt: number | null;
  exitCode: number | null;
  error: string | null;
  costUsd: number | null;
}

export interface ForeachCounts {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  waiting: number;
  pending: number;
  skipped: number;
  cancelled: number;
}

export interface StepView {
  id: string;
  name: string | null;
  kind: StepKind;
  phase: string | null;
  needs: string[];
  /** Foreach items only. */
  itemKey: string | null;
  status: StepStatus;
  /** False for a step the run has not reached yet (drawn from the template). */
  reached: boolean;
  attempt: number;
  attempts: AttemptView[];
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  outputs: Outputs | null;
  summaryMarkdown: string | null;
  /** Agent steps with a transcript to show. */
  hasTranscript: boolean;
  /** Foreach parents: item counts and the items. */
  foreach: { counts: ForeachCounts; items: StepView[] } | null;
}

export interface CommentView {
  id: number;
  stepId: string | null;
  author: string;
  body: string;
  createdAt: number;
}

export interface ArtifactView {
  id: number;
  stepId: string | null;
  name: string;
  mediaType: string | null;
  sizeBytes: number | null;
  createdAt: number;
  /** A webview URI for images (host's asWebviewUri), else null. */
  previewUri: string | null;
}

export interface RunDetail extends RunSummary {
  inputs: Record<string, JsonValue>;
  steps: StepView[];
  comments: CommentView[];
  artifacts: ArtifactView[];
  outputs: Record<string, Outputs> | null;
  summaryMarkdown: string | null;
}

export interface UpstreamOutputView {
  stepId: string;
  itemKey: string | null;
  attempt: number;
  finishedAt: number | null;
  outputs: Outputs;
}

export interface GateDecisionView {
  decision: GateDecision;
  /** null for a timeout or a cancellation. */
  by: string | null;
  at: number;
  comment: string | null;
  formInputs: Record<string, JsonValue> | null;
}

export interface GateView {
  id: number;
  /** Id of the last event that changed this gate (see RunSummary.revision). */
  revision: number;
  runId: string;
  templateName: string;
  stepId: string;
  itemKey: string | null;
  messageMarkdown: string;
  approvers: string[];
  requestedAt: number;
  dueAt: number | null;
  onTimeout: 'proceed' | 'cancel' | 'escalate';
  escalated: boolean;
  upstream: UpstreamOutputView[];
  artifacts: ArtifactView[];
  formSchema: FormSchema | null;
  decision: GateDecisionView | null;
  canDecide: boolean;
}

/** One entry of the append-only event log (same shape as the store's EventRecord). */
export interface BatonEvent {
  id: number;
  type: EventType;
  runId: string;
  stepId: string | null;
  itemKey: string | null;
  at: number;
  payload: Record<string, JsonValue>;
}

export interface LogLine {
  /** 0-based line number in the whole log. */
  index: number;
  /** Raw text, ANSI escapes kept (the webview renders them; never as HTML). */
  text: string;
}

/** A `::group::title` ... `::endgroup::` range (inclusive line indexes). */
export interface LogGroup {
  start: number;
  end: number;
  title: string;
}

export interface LogRef {
  runId: string;
  stepId: string;
  itemKey: string | null;
  /** null: the latest attempt. */
  attempt: number | null;
}

export interface LogChunk extends LogRef {
  fromLine: number;
  lines: LogLine[];
  totalLines: number;
  groups: LogGroup[];
  /** The step still writes to this log. */
  live: boolean;
}

export interface LogSearchResult {
  /** Line indexes that contain the query (case-insensitive), ascending, at most `maxMatches`. */
  matches: number[];
  total: number;
}

export interface TranscriptEntry {
  kind: 'message' | 'tool_call' | 'tool_result' | 'result';
  role: 'user' | 'assistant' | 'system' | null;
  text: string;
  tool: string | null;
  at: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

export interface TranscriptView {
  entries: TranscriptEntry[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/**
 * Changes since `lastEventId`, applied by key: runs upsert by id, gates by id, events are
 * appended when their id is new. Also the payload of a replay.
 */
export interface ChangeSet {
  lastEventId: number;
  events: BatonEvent[];
  runs?: RunSummary[];
  removedRunIds?: string[];
  run?: RunDetail;
  gates?: GateView[];
}

export interface BoardSnapshot {
  runs: RunSummary[];
  currentUser: string;
  lastEventId: number;
}

/** Reply to a ready request: everything, or only what the webview missed. */
export type SyncReply<S> = { kind: 'snapshot'; snapshot: S } | { kind: 'replay'; changes: ChangeSet };

export interface RunSnapshot {
  run: RunDetail;
  /** Recent events of this run (the live feed in the header). */
  events: BatonEvent[];
  lastEventId: number;
}

export interface GateSnapshot {
  gate: GateView;
  lastEventId: number;
}

export type RunActionKind = 'cancel' | 'pause' | 'resume' | 'retry-failed' | 'rerun' | 'rerun-from-step' | 'archive' | 'unarchive';

export type StartRunReply =
  | { ok: true; runId: string }
  | { ok: false; message: string; fieldErrors: Array<{ field: string; message: string }> };

export type DecideGateReply = { ok: true; gate: GateView } | { ok: false; message: string; gate: GateView | null };

export type DuplicateTemplateReply = { ok: true; templateId: string; sourcePath: string } | { ok: false; message: string };

export type AddCommentReply = { ok: true; comment: CommentView } | { ok: false; message: string };

// ---------------------------------------------------------------------------------------------
// Messages. Method names are `<panel>/<verb>`.

const g = guard;
const logRef = { runId: g.nonEmptyString, stepId: g.nonEmptyString, itemKey: g.nullable(g.string), attempt: g.nullable(g.integer) };

// Ready handshakes (requests).
export const GalleryReady = new IpcRequest<{ protocol: number }, GallerySnapshot>(
  'gallery/ready',
  g.object({ protocol: g.integer }),
);
export const BoardReady = new IpcRequest<{ protocol: number; lastEventId: number | null }, SyncReply<BoardSnapshot>>(
  'board/ready',
  g.object({ protocol: g.integer, lastEventId: g.nullable(g.integer) }),
);
export const RunReady = new IpcRequest<
  { protocol: number; runId: string; lastEventId: number | null },
  SyncReply<RunSnapshot>
>('run/ready', g.object({ protocol: g.integer, runId: g.nonEmptyString, lastEventId: g.nullable(g.integer) }));
export const GateReady = new IpcRequest<
  { protocol: number; gateId: number; lastEventId: number | null },
  SyncReply<GateSnapshot>
>('gate/ready', g.object({ protocol: g.integer, gateId: g.integer, lastEventId: g.nullable(g.integer) }));

// Gallery.
export const GetTemplateDetail = new IpcRequest<{ templateId: string }, TemplateDetail>(
  'gallery/getTemplateDetail',
  g.object({ templateId: g.nonEmptyString }),
);
/** Start a run. The host validates `inputs` again with the same schema before creating anything. */
export const StartRun = new IpcRequest<{ templateId: string; inputs: Record<string, JsonValue> }, StartRunReply>(
  'gallery/startRun',
  g.object({ templateId: g.nonEmptyString, inputs: g.record(g.json) }),
);
export const DuplicateTemplate = new IpcRequest<{ templateId: string }, DuplicateTemplateReply>(
  'gallery/duplicateTemplate',
  g.object({ templateId: g.nonEmptyString }),
);
export const OpenTemplateSource = new IpcCommand<{ templateId: string }>(
  'gallery/openSource',
  g.object({ templateId: g.nonEmptyString }),
);
/** Opens a broken template's file at a problem (the host opens only files of broken templates). */
export const OpenTemplateProblem = new IpcCommand<{ sourcePath: string; line: number; column: number }>(
  'gallery/openProblem',
  g.object({ sourcePath: g.nonEmptyString, line: g.integer, column: g.integer }),
);
export const FixReadiness = new IpcCommand<{ templateId: string; action: ReadinessFixAction; arg: string | null }>(
  'gallery/fixReadiness',
  g.object({
    templateId: g.nonEmptyString,
    action: g.literal('install-agent-cli', 'set-secret', 'manage-trust', 'open-settings', 'open-source'),
    arg: g.nullable(g.string),
  }),
);

// Runs (board, run detail).
export const OpenRun = new IpcCommand<{ runId: string; stepId: string | null }>(
  'runs/open',
  g.object({ runId: g.nonEmptyString, stepId: g.nullable(g.string) }),
);
export const OpenGate = new IpcCommand<{ gateId: number }>('runs/openGate', g.object({ gateId: g.integer }));
/** Cancel asks for confirmation in the webview before it is sent. */
export const RunAction = new IpcCommand<{ runId: string; action: RunActionKind; stepId: string | null }>(
  'runs/action',
  g.object({
    runId: g.nonEmptyString,
    action: g.literal('cancel', 'pause', 'resume', 'retry-failed', 'rerun', 'rerun-from-step', 'archive', 'unarchive'),
    stepId: g.nullable(g.string),
  }),
);
/** Archive every finished run that is not archived yet. */
export const ArchiveFinished = new IpcCommand<Record<string, never>>('board/archiveFinished', g.object({}));
export const DecideGate = new IpcRequest<
  { gateId: number; decision: 'approved' | 'rejected'; comment: string; formInputs: Record<string, JsonValue> },
  DecideGateReply
>(
  'gates/decide',
  g.object({
    gateId: g.integer,
    decision: g.literal('approved', 'rejected'),
    comment: g.string,
    formInputs: g.record(g.json),
  }),
);
/** Escape in the gate dialog: close the panel, decide nothing. */
export const CloseGateDialog = new IpcCommand<{ gateId: number }>('gate/close', g.object({ gateId: g.integer }));
export const GetLog = new IpcRequest<LogRef & { fromLine: number; count: number }, LogChunk>(
  'run/getLog',
  g.object({ ...logRef, fromLine: g.integer, count: g.integer }),
);
export const SearchLog = new IpcRequest<LogRef & { query: string; maxMatches: number }, LogSearchResult>(
  'run/searchLog',
  g.object({ ...logRef, query: g.nonEmptyString, maxMatches: g.integer }),
);
export const GetTranscript = new IpcRequest<LogRef, TranscriptView>('run/getTranscript', g.object(logRef));
export const AddComment = new IpcRequest<{ runId: string; stepId: string | null; body: string }, AddCommentReply>(
  'run/addComment',
  g.object({ runId: g.nonEmptyString, stepId: g.nullable(g.string), body: g.nonEmptyString }),
);
export const OpenArtifact = new IpcCommand<{ runId: string; artifactId: number }>(
  'run/openArtifact',
  g.object({ runId: g.nonEmptyString, artifactId: g.integer }),
);

// Notifications (host -> webview).
export const DidChange = new IpcNotification<ChangeSet>('didChange');
export const DidChangeTemplates = new IpcNotification<GallerySnapshot>('gallery/didChangeTemplates');
/** The open template's detail changed (readiness fixed, file edited). */
export const DidChangeTemplateDetail = new IpcNotification<TemplateDetail>('gallery/didChangeTemplateDetail');
/** New lines for a live log the webview has open (sent only for logs it asked for). */
export const DidAppendLog = new IpcNotification<LogRef & { lines: LogLine[]; totalLines: number; groups: LogGroup[]; live: boolean }>(
  'run/didAppendLog',
);

/** Every webview -> host command, for a host's dispatch table. */
export const WEBVIEW_COMMANDS = [OpenTemplateSource, OpenTemplateProblem, FixReadiness, OpenRun, OpenGate, RunAction, ArchiveFinished, CloseGateDialog, OpenArtifact] as const;
/** Every webview -> host request. */
export const WEBVIEW_REQUESTS = [
  GalleryReady,
  BoardReady,
  RunReady,
  GateReady,
  GetTemplateDetail,
  StartRun,
  DuplicateTemplate,
  DecideGate,
  GetLog,
  SearchLog,
  GetTranscript,
  AddComment,
] as const;

// ---------------------------------------------------------------------------------------------
// Host side: one router any host (VS Code panel, the test fake host) uses for the boundary check.

/**
 * Routes webview messages to handlers after checking them. A malformed or unknown message is
 * reported to `onInvalid` and, for a request with an id, answered with an `invalid_message` error,
 * so a webview never waits forever.
 */
export class WebviewMessageRouter {
  private readonly requests = new Map<string, { type: IpcRequest<unknown, unknown>; handler: (p: unknown) => unknown }>();
  private readonly commands = new Map<string, { type: IpcCommand<unknown>; handler: (p: unknown) => unknown }>();

  constructor(
    private readonly post: (msg: IpcMessage) => void,
    private readonly onInvalid: (msg: unknown, reason: string) => void = () => {},
  ) {}

  onRequest<P, R>(type: IpcRequest<P, R>, handler: (params: P) => R | Promise<R>): this {
    this.requests.set(type.method, { type: type as unknown as IpcRequest<unknown, unknown>, handler: handler as (p: unknown) => unknown });
    return this;
  }

  onCommand<P>(type: IpcCommand<P>, handler: (params: P) => void | Promise<void>): this {
    this.commands.set(type.method, { type: type as unknown as IpcCommand<unknown>, handler: handler as (p: unknown) => unknown });
    return this;
  }

  /** Handles one message from the webview. Resolves when its handler finished (and replied). */
  async receive(msg: unknown): Promise<void> {
    if (!isObject(msg) || typeof msg.method !== 'string') {
      this.onInvalid(msg, 'not a protocol message');
      return;
    }
    if (msg.kind === 'command') {
      const entry = this.commands.get(msg.method);
      if (!entry || !entry.type.is(msg)) {
        this.onInvalid(msg, entry ? `bad params for ${msg.method}` : `unknown command ${msg.method}`);
        return;
      }
      await entry.handler(msg.params);
      return;
    }
    if (msg.kind === 'request' && typeof msg.id === 'number') {
      const id = msg.id;
      const entry = this.requests.get(msg.method);
      if (!entry || !entry.type.is(msg)) {
        const reason = entry ? `bad params for ${msg.method}` : `unknown request ${msg.method}`;
        this.onInvalid(msg, reason);
        this.post({ kind: 'reply', id, method: msg.method, ok: false, error: { code: 'invalid_message', message: reason } });
        return;
      }
      try {
        const result = await entry.handler(msg.params);
        this.post(entry.type.reply(id, result));
      } catch (error) {
        const code = isObject(error) && typeof error.code === 'string' ? error.code : 'host_error';
        const message = error instanceof Error ? error.message : String(error);
        this.post(entry.type.fail(id, { code, message }));
      }
      return;
    }
    this.onInvalid(msg, `unexpected message kind ${String(msg.kind)}`);
  }
}
