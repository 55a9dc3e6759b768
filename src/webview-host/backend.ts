/**
 * The host side of Baton's webviews for one workspace folder, without VS Code: the protocol's
 * request and command handlers over the real engine, store and run folders, and the change feed
 * that turns new store events into `DidChange` (and new log lines into `DidAppendLog`) for every
 * connected panel. src/vscode/webviews/ only creates panels and does what needs the editor
 * (open a file, a terminal, another panel) through `PanelActions`.
 */
import { join } from 'node:path';
import type { Engine, EventBatch } from '../core/engine';
import { BatonError, GateAlreadyDecidedError, describeError } from '../core/errors';
import type { ArtifactRecord, EventRecord, GateRecord, JsonValue } from '../core/model';
import { validateInputValues, type InvalidTemplate, type RegistryNotice } from '../core/template';
import type { LoadedTemplate } from '../core/template/types';
import {
  AddComment,
  ArchiveFinished,
  BoardReady,
  CloseGateDialog,
  DecideGate,
  DidAppendLog,
  DidChange,
  DidChangeTemplateDetail,
  DidChangeTemplates,
  DuplicateTemplate,
  FixReadiness,
  GalleryReady,
  GateReady,
  GetLog,
  GetTemplateDetail,
  GetTranscript,
  OpenArtifact,
  OpenGate,
  OpenRun,
  OpenTemplateProblem,
  OpenTemplateSource,
  RunAction,
  RunReady,
  SearchLog,
  StartRun,
  WebviewMessageRouter,
  type AddCommentReply,
  type BoardSnapshot,
  type ChangeSet,
  type DecideGateReply,
  type GallerySnapshot,
  type IpcMessage,
  type LogChunk,
  type LogRef,
  type PanelContext,
  type ReadinessFixAction,
  type RunActionKind,
  type RunSnapshot,
  type GateSnapshot,
  type StartRunReply,
  type SyncReply,
} from '../shared/protocol';
import { StepLogIndexes } from './stepLogs';
import { brokenTemplateView, duplicateTemplate, suggestTemplates, templateDetail, templateProblems, templateSummary, type ReadinessEnvironment } from './templates';
import { readTranscript } from './transcript';
import { BOARD_RUN_LIMIT, boardRuns, boardRunsTouchedBy, gateView, runDetail, runSummary, toBatonEvent, type ViewerContext, type ViewSource } from './viewModels';

/** Events one change set carries at most; a panel further behind gets whole views instead. */
const MAX_EVENTS_PER_CHANGE = 2000;
/** Recent events a run detail snapshot shows in its feed. */
const RUN_FEED_EVENTS = 50;
/** Lines one GetLog reply or DidAppendLog carries at most (the webview asks for chunks). */
const MAX_LOG_LINES = 5000;
const LOG_POLL_MS = 500;

/**
 * A request a panel made that cannot be answered; the router replies with `code` (the webview
 * shows `message`).
 */
export class PanelRequestError extends Error {
  constructor(
    readonly code: 'no_database' | 'template_not_found' | 'run_not_found' | 'gate_not_found',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PanelRequestError';
  }
}

/** The folder's templates (a TemplateRegistry). */
export interface TemplateCatalog {
  ready(): Promise<void>;
  list(): readonly LoadedTemplate[];
  find(id: string): LoadedTemplate | undefined;
  /** Template files that did not load, with their problems. */
  invalid(): readonly InvalidTemplate[];
  /** What is wrong between templates (unknown `workflow:` targets, cycles, overrides). */
  notices(): readonly RegistryNotice[];
}

export interface WebviewBackendOptions {
  /** The folder's engine and run files; `create` opens the database even when it does not exist yet (starting a run). */
  source(create: boolean): ViewSource | undefined;
  templates: TemplateCatalog;
  workspaceDir: string;
  /** `.baton/templates` of the folder (where Duplicate writes). */
  templatesDir: string;
  /** Who decides gates and writes comments (`baton.user`). */
  user(): string;
  readiness: ReadinessEnvironment;
  now?: () => number;
}

/** What only the editor can do for a panel. */
export interface PanelActions {
  openRun(runId: string, stepId: string | null): void;
  openGate(gateId: number): void;
  /** Opens a template's file, at a position (1-based line and column) when given. */
  openTemplateSource(path: string, position?: { line: number; column: number }): void;
  openArtifact(artifact: ArtifactRecord): void;
  /** Where this panel can load an image artifact from, if it can (run detail, gate dialog). */
  previewUri?(artifact: ArtifactRecord): string | null;
  /** Runs the fix of a readiness problem (install hint, set secret, manage trust, open a file); resolves when done. */
  fixReadiness(action: ReadinessFixAction, arg: string | null, templateId: string): Promise<void>;
  /** Closes this panel (gate dialog: Escape or Close). */
  close(): void;
  /** A command (no reply) failed: tell the user. */
  showError(message: string): void;
}

interface OpenLog {
  ref: LogRef;
  path: string;
  /** Complete lines this panel has been sent (by GetLog or DidAppendLog); a partial last line is sent again when it grows. */
  sentLines: number;
  /** Size of the file when the panel was last sent lines. */
  sentBytes: number;
}

function logKey(ref: LogRef): string {
  return `${ref.runId}\u0000${ref.stepId}\u0000${ref.itemKey ?? ''}`;
}

function alreadyDecidedMessage(gate: GateRecord): string {
  switch (gate.decision) {
    case 'approved':
    case 'rejected':
      return `Already ${gate.decision}${gate.decidedBy ? ` by ${gate.decidedBy}` : ''}`;
    case 'timed_out':
      return 'Already timed out: no approval was recorded';
    case 'cancelled':
      return 'Already cancelled: the run was cancelled';
    default:
      return 'Already decided';
  }
}

/** Whether a board that last saw `lastEventId` is brought up to date by replaying the events since. */
function canReplay(lastEventId: number | null, max: number): lastEventId is number {
  return lastEventId !== null && lastEventId <= max && max - lastEventId <= MAX_EVENTS_PER_CHANGE;
}

/** One connected panel: its router (the host boundary check) and what it has been sent. */
export class PanelConnection {
  readonly router: WebviewMessageRouter;
  /** Last event id this panel has been sent; undefined until its ready handshake. */
  cursor: number | undefined;
  /** Gallery: the template whose detail is open. */
  detailTemplateId: string | undefined;
  readonly openLogs = new Map<string, OpenLog>();
  /** Board: the snapshot read while the page loads, for its ready handshake (see prepareBoardSnapshot). */
  preparedBoard: BoardSnapshot | undefined;
  disposed = false;

  constructor(
    readonly context: PanelContext,
    readonly post: (message: IpcMessage) => void,
    readonly actions: PanelActions,
    onInvalid: (message: unknown, reason: string) => void,
  ) {
    this.router = new WebviewMessageRouter((m) => this.send(m), onInvalid);
  }

  send(message: IpcMessage): void {
    if (!this.disposed) this.post(message);
  }

  /** Handles one message from the webview. */
  receive(message: unknown): Promise<void> {
    return this.router.receive(message);
  }
}

export class WebviewBackend {
  private readonly panels = new Set<PanelConnection>();
  private readonly logs = new StepLogIndexes();
  private logTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: WebviewBackendOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Connects a panel: registers the handlers its app uses. Feed its messages to `receive`.
   * `lastEventId`: what a panel restored from its saved state saw last (it asks to replay from there).
   */
  connect(
    context: PanelContext,
    post: (message: IpcMessage) => void,
    actions: PanelActions,
    onInvalid: (message: unknown, reason: string) => void = () => {},
    options: { lastEventId?: number | null } = {},
  ): PanelConnection {
    const panel = new PanelConnection(context, post, actions, onInvalid);
    this.register(panel);
    this.panels.add(panel);
    if (context.panel === 'board') setTimeout(() => this.prepareBoardSnapshot(panel, options.lastEventId ?? null), 0);
    return panel;
  }

  /**
   * Reads a new board's snapshot while its page loads (a page takes 100 ms or more to fetch and
   * evaluate its bundle before it asks; 2,000 runs take the host about 85 ms to read), so the
   * ready handshake is answered with it at once; what changed in between is read then.
   */
  private prepareBoardSnapshot(panel: PanelConnection, restoredAt: number | null): void {
    if (panel.disposed || panel.cursor !== undefined) return;
    const source = this.options.source(false);
    if (!source) return;
    const max = source.engine.maxEventId();
    // A restored board that will be answered with a replay (see boardReady) needs no snapshot.
    if (canReplay(restoredAt, max)) return;
    panel.preparedBoard = { runs: boardRuns(source, max, this.viewer()), currentUser: this.options.user(), lastEventId: max };
  }

  /** The board's snapshot at `max`: the prepared one brought up to date when it is close enough, else read anew. */
  private boardSnapshot(source: ViewSource, prepared: BoardSnapshot | undefined, max: number, viewer: ViewerContext): BoardSnapshot {
    const currentUser = this.options.user();
    if (prepared && prepared.currentUser === currentUser && prepared.lastEventId <= max) {
      const events = source.engine.listEvents(prepared.lastEventId, { limit: MAX_EVENTS_PER_CHANGE + 1 });
      if (events.length <= MAX_EVENTS_PER_CHANGE) {
        // Only the runs touched since are read again; which runs, in which order, comes from
        // the database, as boardRuns has it.
        const touched = new Map(boardRunsTouchedBy(source, events, max, viewer).map((r) => [r.id, r]));
        const before = new Map(prepared.runs.map((r) => [r.id, r]));
        const runs = source.engine
          .listRuns({ limit: BOARD_RUN_LIMIT })
          .filter((run) => run.parentRunId === null)
          .flatMap((run) => {
            const summary = touched.get(run.id) ?? before.get(run.id) ?? runSummary(source, run.id, max, viewer);
            return summary ? [summary] : [];
          });
        return { runs, currentUser, lastEventId: max };
      }
    }
    return { runs: boardRuns(source, max, viewer), currentUser, lastEventId: max };
  }

  disconnect(panel: PanelConnection): void {
    panel.disposed = true;
    this.panels.delete(panel);
    this.updateLogTimer();
  }

  get connectedPanels(): number {
    return this.panels.size;
  }

  /** Who looks; with `panel`, also how that panel loads artifact previews. */
  private viewer(panel?: PanelConnection): ViewerContext {
    const previewUri = panel?.actions.previewUri?.bind(panel.actions);
    return { user: this.options.user(), now: this.now(), ...(previewUri ? { previewUri } : {}) };
  }

  // ------------------------------------------------------------------ handlers

  private register(panel: PanelConnection): void {
    const r = panel.router;
    r.onRequest(GalleryReady, () => this.gallerySnapshot());
    r.onRequest(GetTemplateDetail, async ({ templateId }) => {
      const template = await this.findTemplate(templateId);
      panel.detailTemplateId = templateId;
      return templateDetail(template, this.options.workspaceDir, this.options.readiness, this.options.templates.notices());
    });
    r.onRequest(StartRun, (params) => this.startRun(panel, params.templateId, params.inputs));
    r.onRequest(DuplicateTemplate, async ({ templateId }) => {
      const template = await this.findTemplate(templateId);
      const reply = duplicateTemplate(template, this.options.templatesDir, new Set(this.options.templates.list().map((t) => t.definition.id)));
      if (reply.ok) panel.actions.openTemplateSource(reply.sourcePath);
      return reply;
    });
    r.onCommand(OpenTemplateSource, async ({ templateId }) => {
      panel.actions.openTemplateSource((await this.findTemplate(templateId)).sourcePath);
    });
    r.onCommand(OpenTemplateProblem, async ({ sourcePath, line, column }) => {
      await this.options.templates.ready();
      // Only a file the gallery listed as broken: a panel does not get to open any path it names.
      if (!this.options.templates.invalid().some((t) => t.sourcePath === sourcePath)) {
        panel.actions.showError(`${sourcePath} is not a template with problems (it may have been fixed or removed)`);
        return;
      }
      panel.actions.openTemplateSource(sourcePath, { line: Math.max(1, line), column: Math.max(1, column) });
    });
    r.onCommand(FixReadiness, async ({ templateId, action, arg }) => {
      await panel.actions.fixReadiness(action, arg, templateId);
      await this.sendTemplateDetail(panel);
    });

    r.onRequest(BoardReady, ({ lastEventId }) => this.boardReady(panel, lastEventId));
    r.onRequest(RunReady, ({ runId }) => this.runReady(panel, runId));
    r.onRequest(GateReady, ({ gateId }) => this.gateReady(panel, gateId));

    r.onCommand(OpenRun, ({ runId, stepId }) => panel.actions.openRun(runId, stepId));
    r.onCommand(OpenGate, ({ gateId }) => panel.actions.openGate(gateId));
    r.onCommand(CloseGateDialog, () => panel.actions.close());
    r.onCommand(RunAction, ({ runId, action, stepId }) => this.runAction(panel, runId, action, stepId));
    r.onCommand(ArchiveFinished, () => this.archiveFinished(panel));
    r.onRequest(DecideGate, (params) => this.decideGate(panel, params.gateId, params.decision, params.comment, params.formInputs));
    r.onCommand(OpenArtifact, ({ runId, artifactId }) => {
      const artifact = this.requireSource().engine.listArtifacts(runId).find((a) => a.id === artifactId);
      if (!artifact) panel.actions.showError(`run ${runId} has no artifact ${artifactId}`);
      else panel.actions.openArtifact(artifact);
    });

    r.onRequest(GetLog, (params) => this.getLog(panel, params, params.fromLine, params.count));
    r.onRequest(SearchLog, (params) => {
      const index = this.logs.get(this.requireSource().engine.stepLogPath(params.runId, params.stepId, params.itemKey));
      index.refresh();
      return index.search(params.query, Math.max(0, Math.min(params.maxMatches, 100_000)));
    });
    r.onRequest(GetTranscript, (ref) => {
      const source = this.requireSource();
      return readTranscript(join(source.files.stepDir(ref.runId, ref.stepId, ref.itemKey), 'events.jsonl'), ref.attempt);
    });
    r.onRequest(AddComment, ({ runId, stepId, body }): AddCommentReply => {
      try {
        const comment = this.requireSource().engine.addComment(runId, { author: this.options.user(), body, ...(stepId ? { stepId } : {}) });
        this.publish();
        return { ok: true, comment: { id: comment.id, stepId: comment.stepId, author: comment.author, body: comment.body, createdAt: comment.createdAt } };
      } catch (error) {
        return { ok: false, message: describeError(error) };
      }
    });
  }

  private requireSource(create = false): ViewSource {
    const source = this.options.source(create);
    if (!source) throw new PanelRequestError('no_database', 'this folder has no Baton database yet: start a run first');
    return source;
  }

  private async findTemplate(templateId: string): Promise<LoadedTemplate> {
    await this.options.templates.ready();
    const template = this.options.templates.find(templateId);
    if (!template) throw new PanelRequestError('template_not_found', `no template "${templateId}"`);
    return template;
  }

  async gallerySnapshot(): Promise<GallerySnapshot> {
    await this.options.templates.ready();
    const templates = this.options.templates.list();
    return {
      templates: templates.map(templateSummary),
      suggested: suggestTemplates(templates, this.options.workspaceDir),
      broken: this.options.templates.invalid().map((invalid) => brokenTemplateView(invalid, this.options.workspaceDir)),
    };
  }

  private async sendTemplateDetail(panel: PanelConnection): Promise<void> {
    if (!panel.detailTemplateId) return;
    const template = this.options.templates.find(panel.detailTemplateId);
    if (template) panel.send(DidChangeTemplateDetail.create(await templateDetail(template, this.options.workspaceDir, this.options.readiness, this.options.templates.notices())));
  }

  /** Templates changed on disk, or what readiness depends on (trust, a secret): refresh galleries. */
  async templatesChanged(): Promise<void> {
    const galleries = [...this.panels].filter((p) => p.context.panel === 'gallery');
    if (galleries.length === 0) return;
    const snapshot = await this.gallerySnapshot();
    for (const panel of galleries) {
      panel.send(DidChangeTemplates.create(snapshot));
      await this.sendTemplateDetail(panel);
    }
  }

  /** The host's own check: the same schema (ajv) as the webview's form, whatever the webview sent. */
  private async startRun(panel: PanelConnection, templateId: string, inputs: Record<string, JsonValue>): Promise<StartRunReply> {
    const template = this.options.templates.find(templateId) ?? (await this.options.templates.ready(), this.options.templates.find(templateId));
    if (!template) return { ok: false, message: `no template "${templateId}"`, fieldErrors: [] };
    if (!this.options.readiness.trusted()) {
      return { ok: false, message: 'Baton does not start runs in an untrusted workspace. Trust the workspace first.', fieldErrors: [] };
    }
    const { definition } = template;
    const [templateProblem] = templateProblems(definition.id, this.options.templates.notices());
    if (templateProblem) return { ok: false, message: templateProblem.message, fieldErrors: [] };
    const { values, problems } = validateInputValues(definition.inputs, inputs);
    if (problems.length > 0) {
      return { ok: false, message: `inputs of ${definition.id} are invalid`, fieldErrors: problems.map((p) => ({ field: p.field, message: p.message })) };
    }
    let runId: string;
    try {
      runId = this.requireSource(true).engine.startRun(definition, { inputs: values, trigger: { kind: 'manual' } }).id;
    } catch (error) {
      return { ok: false, message: describeError(error), fieldErrors: [] };
    }
    this.publish();
    panel.actions.openRun(runId, null);
    return { ok: true, runId };
  }

  private boardReady(panel: PanelConnection, lastEventId: number | null): SyncReply<BoardSnapshot> {
    const source = this.options.source(false);
    const user = this.options.user();
    if (!source) {
      panel.cursor = 0;
      return { kind: 'snapshot', snapshot: { runs: [], currentUser: user, lastEventId: 0 } };
    }
    const max = source.engine.maxEventId();
    const viewer = this.viewer();
    // Events are never deleted, so any id up to the max can be replayed; far behind, a snapshot is cheaper.
    if (canReplay(lastEventId, max)) {
      const events = source.engine.listEvents(lastEventId, { limit: MAX_EVENTS_PER_CHANGE });
      panel.cursor = max;
      return { kind: 'replay', changes: { lastEventId: max, events: events.slice(-100).map(toBatonEvent), runs: boardRunsTouchedBy(source, events, max, viewer) } };
    }
    panel.cursor = max;
    const prepared = panel.preparedBoard;
    panel.preparedBoard = undefined;
    return { kind: 'snapshot', snapshot: this.boardSnapshot(source, prepared, max, viewer) };
  }

  private runReady(panel: PanelConnection, runId: string): SyncReply<RunSnapshot> {
    const source = this.requireSource();
    const max = source.engine.maxEventId();
    const run = runDetail(source, runId, max, this.viewer(panel));
    if (!run) throw new PanelRequestError('run_not_found', `no run ${runId}`);
    panel.cursor = max;
    return { kind: 'snapshot', snapshot: { run, events: source.engine.store.listRecentRunEvents(runId, RUN_FEED_EVENTS).map(toBatonEvent), lastEventId: max } };
  }

  private gateReady(panel: PanelConnection, gateId: number): SyncReply<GateSnapshot> {
    const source = this.requireSource();
    const max = source.engine.maxEventId();
    const gate = gateView(source, gateId, max, this.viewer(panel));
    if (!gate) throw new PanelRequestError('gate_not_found', `no gate ${gateId}`);
    panel.cursor = max;
    return { kind: 'snapshot', snapshot: { gate, lastEventId: max } };
  }

  private runAction(panel: PanelConnection, runId: string, action: RunActionKind, stepId: string | null): void | Promise<void> {
    if (action === 'archive' || action === 'unarchive') return this.setArchived(panel, [runId], action === 'archive');
    const engine: Engine = this.requireSource().engine;
    const by = this.options.user();
    try {
      switch (action) {
        case 'cancel':
          engine.cancelRun(runId, { by, reason: `cancelled by ${by}` });
          break;
        case 'pause':
          engine.pauseRun(runId, { by });
          break;
        case 'resume':
          engine.resumeRun(runId, { by });
          break;
        case 'retry-failed':
          engine.retryRun(runId, { by });
          break;
        case 'rerun-from-step':
          if (!stepId) throw new Error('rerun from a step needs the step');
          engine.retryRun(runId, { fromStep: stepId, by });
          break;
        case 'rerun': {
          const rerun = engine.rerun(runId);
          panel.actions.openRun(rerun.id, null);
          break;
        }
      }
    } catch (error) {
      panel.actions.showError(`${action} of run ${runId} failed: ${describeError(error)}`);
    }
    this.publish();
  }

  private archiveFinished(panel: PanelConnection): void {
    const source = this.options.source(false);
    if (!source) return;
    const finished = source.engine
      .listRuns({ status: ['succeeded', 'failed', 'cancelled'], archived: false, limit: BOARD_RUN_LIMIT })
      .filter((r) => r.parentRunId === null)
      .map((r) => r.id);
    this.setArchived(panel, finished, true);
  }

  /** Archiving is a store change with its events: every board (this window's, others') hears of it through the change feed. */
  private setArchived(panel: PanelConnection, runIds: readonly string[], archived: boolean): void {
    if (runIds.length === 0) return;
    const engine = this.requireSource().engine;
    const by = this.options.user();
    try {
      if (archived) engine.archiveRuns(runIds, { by });
      else engine.unarchiveRuns(runIds, { by });
    } catch (error) {
      panel.actions.showError(`${archived ? 'archiving' : 'unarchiving'} failed: ${describeError(error)}`);
    }
    this.publish();
  }

  private decideGate(panel: PanelConnection, gateId: number, decision: 'approved' | 'rejected', comment: string, formInputs: Record<string, JsonValue>): DecideGateReply {
    const source = this.requireSource();
    const current = () => gateView(source, gateId, source.engine.maxEventId(), this.viewer(panel)) ?? null;
    const gate = source.engine.store.getGate(gateId);
    if (!gate) return { ok: false, message: `no gate ${gateId}`, gate: null };
    if (gate.decision !== null) return { ok: false, message: alreadyDecidedMessage(gate), gate: current() };
    try {
      source.engine.decideGate(gate.runId, gate.stepId, {
        decision: decision === 'approved' ? 'approve' : 'reject',
        by: this.options.user(),
        ...(comment.trim() ? { comment: comment.trim() } : {}),
        ...(decision === 'approved' ? { inputs: formInputs } : {}),
        ...(gate.itemKey !== null ? { itemKey: gate.itemKey } : {}),
      });
    } catch (error) {
      if (error instanceof GateAlreadyDecidedError) {
        const now = source.engine.store.getGate(gateId);
        return { ok: false, message: now ? alreadyDecidedMessage(now) : error.message, gate: current() };
      }
      if (error instanceof BatonError) return { ok: false, message: error.message, gate: current() };
      throw error;
    }
    this.publish();
    return { ok: true, gate: current()! };
  }

  private getLog(panel: PanelConnection, ref: LogRef, fromLine: number, count: number): LogChunk {
    const source = this.requireSource();
    const path = source.engine.stepLogPath(ref.runId, ref.stepId, ref.itemKey);
    const index = this.logs.get(path);
    index.refresh();
    const lines = index.read(fromLine, Math.min(count, MAX_LOG_LINES));
    const key = logKey(ref);
    const open = panel.openLogs.get(key);
    // The webview asks for the lines it shows; the first reply tells it the size, later ones fill gaps.
    if (!open || index.byteSize > open.sentBytes) panel.openLogs.set(key, { ref, path, sentLines: index.completeLines, sentBytes: index.byteSize });
    this.updateLogTimer();
    return { ...ref, fromLine, lines, totalLines: index.totalLines, groups: index.groups, live: this.isLive(source, ref) };
  }

  private isLive(source: ViewSource, ref: LogRef): boolean {
    const row = source.engine.store.findStep(ref.runId, ref.stepId, ref.itemKey);
    return row?.status === 'running' || row?.status === 'ready';
  }

  // ------------------------------------------------------------------ change feed

  /**
   * Sends every connected panel what changed since it was last told. Given the batch of new
   * events the folder's feed read (the host reads them once for all its listeners), panels take
   * their events from it; without one, each panel's events are read from the store.
   */
  publish(batch?: EventBatch): void {
    const source = this.options.source(false);
    if (!source) return;
    // With a batch, panels move to its end: later batches bring the events after it.
    const max = batch ? batch.lastId : source.engine.maxEventId();
    for (const panel of this.panels) {
      if (panel.cursor === undefined || panel.cursor >= max) continue;
      try {
        this.publishTo(panel, source, max, batch);
      } catch (error) {
        panel.actions.showError(`updating the ${panel.context.panel} view failed: ${describeError(error)}`);
      }
    }
    this.publishLogs();
  }

  /** The events after `since`, up to `max`: from the batch when it covers them, else from the store. */
  private eventsSince(source: ViewSource, since: number, max: number, batch: EventBatch | undefined): EventRecord[] {
    if (batch && since >= batch.afterId) {
      const events = batch.events.filter((e) => e.id > since);
      return events.length > MAX_EVENTS_PER_CHANGE ? events.slice(0, MAX_EVENTS_PER_CHANGE) : events;
    }
    return source.engine.listEvents(since, { limit: MAX_EVENTS_PER_CHANGE }).filter((e) => e.id <= max);
  }

  private publishTo(panel: PanelConnection, source: ViewSource, max: number, batch: EventBatch | undefined): void {
    const since = panel.cursor ?? max;
    const events = this.eventsSince(source, since, max, batch);
    const behind = events.length >= MAX_EVENTS_PER_CHANGE;
    panel.cursor = max;
    const viewer = this.viewer(panel);
    const context = panel.context;
    let change: ChangeSet | undefined;
    if (context.panel === 'board') {
      const runs = behind ? boardRuns(source, max, viewer) : boardRunsTouchedBy(source, events, max, viewer);
      change = { lastEventId: max, events: events.slice(-100).map(toBatonEvent), runs };
    } else if (context.panel === 'run') {
      const mine = events.filter((e) => e.runId === context.runId);
      if (mine.length > 0 || behind) {
        const run = runDetail(source, context.runId, max, viewer);
        if (run) change = { lastEventId: max, events: mine.slice(-RUN_FEED_EVENTS).map(toBatonEvent), run };
      }
    } else if (context.panel === 'gate') {
      const gate = source.engine.store.getGate(context.gateId);
      if (gate && (behind || events.some((e) => e.runId === gate.runId))) {
        const view = gateView(source, context.gateId, max, viewer);
        if (view) change = { lastEventId: max, events: [], gates: [view] };
      }
    }
    if (change) panel.send(DidChange.create(change));
  }

  /** New lines of the logs panels have open. */
  publishLogs(): void {
    const source = this.options.source(false);
    if (!source) return;
    for (const panel of this.panels) {
      for (const open of panel.openLogs.values()) {
        const index = this.logs.get(open.path);
        index.refresh();
        const total = index.totalLines;
        const live = this.isLive(source, open.ref);
        if (index.byteSize === open.sentBytes) {
          if (!live) panel.openLogs.delete(logKey(open.ref));
          continue;
        }
        const from = Math.max(open.sentLines, total - MAX_LOG_LINES);
        panel.send(DidAppendLog.create({ ...open.ref, lines: index.read(from, total - from), totalLines: total, groups: index.groups, live }));
        open.sentLines = index.completeLines;
        open.sentBytes = index.byteSize;
      }
    }
    this.updateLogTimer();
  }

  /** Polls open logs while any panel has one (log files grow between store events). */
  private updateLogTimer(): void {
    const any = [...this.panels].some((p) => p.openLogs.size > 0);
    if (any && !this.logTimer) this.logTimer = setInterval(() => this.publishLogs(), LOG_POLL_MS);
    else if (!any && this.logTimer) {
      clearInterval(this.logTimer);
      this.logTimer = undefined;
    }
  }

  dispose(): void {
    for (const panel of this.panels) panel.disposed = true;
    this.panels.clear();
    if (this.logTimer) clearInterval(this.logTimer);
    this.logTimer = undefined;
  }
}
