/**
 * The webviews' host logic (src/webview-host) against a real SQLite file, real templates loaded
 * from YAML, and runs executed by the real engine with the real script executor. Panels are the
 * protocol only: messages in through the same router VS Code feeds, messages out recorded.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, EventFeed } from '../../../src/core/engine';
import { TemplateRegistry } from '../../../src/core/template';
import type { ArtifactRecord } from '../../../src/core/model';
import { ScriptExecutor } from '../../../src/executors/script';
import {
  AddComment,
  ArchiveFinished,
  BoardReady,
  DecideGate,
  DidAppendLog,
  DidChange,
  DidChangeTemplateDetail,
  DidChangeTemplates,
  DuplicateTemplate,
  GalleryReady,
  GateReady,
  GetTemplateDetail,
  GetTranscript,
  GetLog,
  OpenTemplateProblem,
  RunAction,
  RunReady,
  SearchLog,
  StartRun,
  type ChangeSet,
  type IpcMessage,
  type IpcReplyMessage,
  type IpcRequest,
  type PanelContext,
  type RunSummary,
} from '../../../src/shared/protocol';
import { openStore, type OpenedStore } from '../../../src/store';
import { WebviewBackend, type PanelActions, type PanelConnection } from '../../../src/webview-host';
import type { StepExecutionContext, StepExecutionResult } from '../../../src/core/ports';
import { drain, gateStep, runStep, template, tempDir, waitUntil } from '../../support/engine-fixtures';

const PIPELINE = `id: pipeline
name: Pipeline
category: test
phases: [build, review, ship]
inputs:
  properties:
    version: { type: string, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' }
    count: { type: integer, minimum: 1, default: 2 }
  required: [version]
steps:
  - id: build
    phase: build
    run: echo "building \${{ inputs.version }}"; echo "artifact=app-\${{ inputs.version }}" >> "$BATON_OUTPUT"
  - id: fan
    needs: [build]
    foreach: [a, b, c]
    run: echo "item \${{ item }}"
  - id: approve
    phase: review
    needs: [fan]
    gate:
      message: Ship \${{ inputs.version }}?
  - id: ship
    phase: ship
    needs: [approve]
    run: echo shipped
`;

const QUICK = `id: quick
name: Quick
steps:
  - id: only
    run: echo quick
`;

const BIG_LOG = `id: big-log
name: Big log
steps:
  - id: print
    run: awk 'BEGIN { for (i = 0; i < 200000; i++) { if (i == 190000) print "the NEEDLE is here"; else print "line " i } }'
`;

const TICKER = `id: ticker
name: Ticker
steps:
  - id: tick
    run: for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.3; done
`;

const NEEDS_SETUP = `id: needs-setup
name: Needs setup
steps:
  - id: fix
    agent: codex
    prompt: Fix it
  - id: notify
    needs: [fix]
    run: echo "\${{ secrets.SLACK_TOKEN }}" > /dev/null
`;

interface RecordedPanel {
  connection: PanelConnection;
  posted: IpcMessage[];
  opened: Array<{ runId: string; stepId: string | null }>;
  errors: string[];
  closed: number;
}

/** One window (or the CLI): its own connection to the database, an engine, a backend. */
class Window {
  readonly opened: OpenedStore;
  readonly engine: Engine;
  readonly backend: WebviewBackend;
  private nextId = 1;

  constructor(
    readonly dir: string,
    readonly templates: TemplateRegistry,
    readonly user: string,
  ) {
    this.opened = openStore(join(dir, '.baton', 'baton.db'));
    this.engine = new Engine({ store: this.opened.store, files: this.opened.files, workspaceDir: dir, executors: [new ScriptExecutor({ baseEnv: process.env })] });
    this.backend = new WebviewBackend({
      source: () => ({ engine: this.engine, files: this.opened.files }),
      templates,
      workspaceDir: dir,
      templatesDir: join(dir, '.baton', 'templates'),
      user: () => this.user,
      readiness: { trusted: () => true, hasSecret: async () => true, findAgentCli: () => '/usr/bin/true', agentCliOverride: () => undefined },
    });
  }

  connect(context: PanelContext, extra: Partial<PanelActions> = {}): RecordedPanel {
    const recorded: RecordedPanel = { connection: undefined as unknown as PanelConnection, posted: [], opened: [], errors: [], closed: 0 };
    const actions: PanelActions = {
      openRun: (runId, stepId) => recorded.opened.push({ runId, stepId }),
      openGate: () => {},
      openTemplateSource: () => {},
      openArtifact: (_a: ArtifactRecord) => {},
      fixReadiness: async () => {},
      close: () => recorded.closed++,
      showError: (m) => recorded.errors.push(m),
      ...extra,
    };
    recorded.connection = this.backend.connect(context, (m) => recorded.posted.push(m), actions);
    return recorded;
  }

  async request<P, R>(panel: RecordedPanel, type: IpcRequest<P, R>, params: P): Promise<R> {
    const id = this.nextId++;
    await panel.connection.receive(type.create(id, params));
    const reply = panel.posted.find((m): m is IpcReplyMessage<R> => m.kind === 'reply' && m.id === id);
    assert.ok(reply, `no reply to ${type.method}`);
    if (!reply.ok) throw new Error(`${type.method} failed: ${reply.error.code} ${reply.error.message}`);
    return reply.result;
  }

  close(): void {
    this.backend.dispose();
    this.opened.close();
  }
}

const noActions: PanelActions = {
  openRun: () => {},
  openGate: () => {},
  openTemplateSource: () => {},
  openArtifact: () => {},
  fixReadiness: async () => {},
  close: () => {},
  showError: () => {},
};

function changes(panel: RecordedPanel): ChangeSet[] {
  return panel.posted.filter((m) => DidChange.is(m)).map((m) => (m as { params: ChangeSet }).params);
}

describe('webview host: handlers and view models over a real database', function () {
  this.timeout(60_000);
  let temp: { dir: string; cleanup(): void };
  let templates: TemplateRegistry;
  let window: Window;
  /** The CLI or another window: a second connection to the same file. */
  let other: Window;

  before(async () => {
    temp = tempDir('baton-webview-host-');
    const templatesDir = join(temp.dir, '.baton', 'templates');
    mkdirSync(templatesDir, { recursive: true });
    writeFileSync(join(templatesDir, 'pipeline.yml'), PIPELINE);
    writeFileSync(join(templatesDir, 'quick.yml'), QUICK);
    writeFileSync(join(templatesDir, 'big-log.yml'), BIG_LOG);
    writeFileSync(join(templatesDir, 'ticker.yml'), TICKER);
    writeFileSync(join(templatesDir, 'needs-setup.yml'), NEEDS_SETUP);
    templates = new TemplateRegistry({ sources: [{ kind: 'workspace', dir: templatesDir }] });
    await templates.ready();
    assert.deepEqual(templates.invalid(), [], 'fixture templates load');
    window = new Window(temp.dir, templates, 'alice');
    other = new Window(temp.dir, templates, 'bob');
  });

  after(() => {
    window.close();
    other.close();
    templates.dispose();
    temp.cleanup();
  });

  async function runToGate(version: string): Promise<string> {
    const run = window.engine.startRun(templates.get('pipeline').definition, { inputs: { version } });
    await drain(window.engine);
    assert.equal(window.engine.getRun(run.id).run.status, 'waiting');
    return run.id;
  }

  it('StartRun validates the inputs again on the host and creates no run when they are bad', async () => {
    const gallery = window.connect({ panel: 'gallery' });
    const before = window.engine.listRuns({ limit: 1000 }).length;
    const bad = await window.request(gallery, StartRun, { templateId: 'pipeline', inputs: { version: 'not-a-version', count: 0 } });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.fieldErrors.some((e) => e.field === 'version'), JSON.stringify(bad));
    assert.ok(!bad.ok && bad.fieldErrors.some((e) => e.field === 'count'), JSON.stringify(bad));
    const missing = await window.request(gallery, StartRun, { templateId: 'pipeline', inputs: {} });
    assert.ok(!missing.ok && missing.fieldErrors.some((e) => e.field === 'version' && /required/.test(e.message)));
    const unknown = await window.request(gallery, StartRun, { templateId: 'pipeline', inputs: { version: '1.0.0', colour: 'red' } });
    assert.ok(!unknown.ok && unknown.fieldErrors.some((e) => e.field === 'colour'));
    assert.equal(window.engine.listRuns({ limit: 1000 }).length, before, 'no run was created');
    assert.deepEqual(gallery.opened, []);

    const good = await window.request(gallery, StartRun, { templateId: 'pipeline', inputs: { version: '1.0.0' } });
    assert.ok(good.ok);
    const run = window.engine.getRun(good.runId).run;
    assert.deepEqual(run.inputs, { version: '1.0.0', count: 2 }, 'stored with the schema defaults');
    assert.deepEqual(gallery.opened, [{ runId: good.runId, stepId: null }], 'run detail opened');
    window.engine.cancelRun(good.runId);
  });

  it('board: a snapshot of the real runs, live changes from another connection, and a replay from lastEventId', async () => {
    const board = window.connect({ panel: 'board' });
    const quick = window.engine.startRun(templates.get('quick').definition);
    await drain(window.engine);
    const first = await window.request(board, BoardReady, { protocol: 1, lastEventId: null });
    assert.equal(first.kind, 'snapshot');
    const snapshot = first.kind === 'snapshot' ? first.snapshot : undefined;
    assert.ok(snapshot);
    assert.equal(snapshot.currentUser, 'alice');
    assert.equal(snapshot.lastEventId, window.engine.maxEventId());
    const card = snapshot.runs.find((r) => r.id === quick.id);
    assert.equal(card?.status, 'succeeded');
    assert.equal(card?.stepsDone, 1);
    assert.equal(card?.stepsTotal, 1);
    assert.equal(card?.lastEvent?.type, 'run.succeeded');

    // The CLI (another connection) starts a run; this window's poller calls publish().
    const fromCli = other.engine.startRun(templates.get('quick').definition, { trigger: { kind: 'cli' } });
    window.backend.publish();
    const live = changes(board).flatMap((c) => c.runs ?? []).find((r) => r.id === fromCli.id);
    assert.ok(live, 'the new run reached the board');
    assert.equal(live.status, 'running');
    assert.equal(live.trigger, 'cli');
    await drain(other.engine);
    window.backend.publish();
    const done = changes(board).flatMap((c) => c.runs ?? []).filter((r) => r.id === fromCli.id);
    assert.equal(done[done.length - 1]?.status, 'succeeded');
    assert.ok(done[done.length - 1]!.revision > live.revision, 'revisions grow');

    // A board that was hidden comes back with its lastEventId: only what it missed.
    const hiddenAt = window.engine.maxEventId();
    const missed = other.engine.startRun(templates.get('quick').definition);
    await drain(other.engine);
    const again = window.connect({ panel: 'board' });
    const replay = await window.request(again, BoardReady, { protocol: 1, lastEventId: hiddenAt });
    assert.equal(replay.kind, 'replay');
    const replayed = replay.kind === 'replay' ? replay.changes : undefined;
    assert.deepEqual(replayed?.runs?.map((r) => r.id), [missed.id]);
    assert.equal(replayed?.runs?.[0]?.status, 'succeeded');
    assert.ok(replayed!.events.every((e) => e.id > hiddenAt && e.runId === missed.id));
    assert.equal(replayed?.lastEventId, window.engine.maxEventId());

    // An id the database never had (another database, a reset): a full snapshot.
    const reset = await window.request(window.connect({ panel: 'board' }), BoardReady, { protocol: 1, lastEventId: window.engine.maxEventId() + 1000 });
    assert.equal(reset.kind, 'snapshot');
  });

  it('publish(batch): one read of the folder\'s feed serves the board, a run detail and a gate dialog, with the log read no more', async () => {
    const runId = await runToGate('4.0.0');
    // A window of its own: panels other tests left connected would read what they missed.
    const window = new Window(temp.dir, templates, 'alice');
    try {
    const gate = window.engine.listGates(runId)[0]!;
    const board = window.connect({ panel: 'board' });
    const detail = window.connect({ panel: 'run', runId });
    const dialog = window.connect({ panel: 'gate', gateId: gate.id });
    await window.request(board, BoardReady, { protocol: 1, lastEventId: null });
    await window.request(detail, RunReady, { protocol: 1, runId, lastEventId: null });
    await window.request(dialog, GateReady, { protocol: 1, gateId: gate.id, lastEventId: null });
    const feed = new EventFeed(window.engine, window.engine.maxEventId());

    // Another process decides the gate and runs the rest; the window's feed reads it once.
    other.engine.decideGate(runId, 'approve', { decision: 'approve', by: 'bob' });
    await drain(other.engine);
    const batch = feed.read(10_000)!;
    assert.ok(batch.events.length > 3);
    const listEvents = window.engine.listEvents.bind(window.engine);
    let reads = 0;
    window.engine.listEvents = (afterId, query) => {
      reads++;
      return listEvents(afterId, query);
    };
    try {
      window.backend.publish(batch);
      assert.equal(reads, 0, 'no panel read the event log again');
    } finally {
      window.engine.listEvents = listEvents;
    }
    const [boardChange] = changes(board).slice(-1);
    assert.equal(boardChange?.lastEventId, batch.lastId);
    assert.equal(boardChange?.runs?.find((r) => r.id === runId)?.status, 'succeeded');
    const [detailChange] = changes(detail).slice(-1);
    assert.deepEqual(
      detailChange?.events.map((e) => e.id),
      batch.events.filter((e) => e.runId === runId).map((e) => e.id),
      'the run detail gets its run\'s events of the batch',
    );
    assert.equal(detailChange?.run?.status, 'succeeded');
    assert.equal(changes(dialog).at(-1)?.gates?.[0]?.decision?.by, 'bob');

    // A panel that missed an earlier batch (its cursor is before the batch) reads what it missed.
    const late = window.connect({ panel: 'board' });
    await window.request(late, BoardReady, { protocol: 1, lastEventId: null });
    const missed = other.engine.startRun(templates.get('quick').definition);
    await drain(other.engine);
    feed.read(10_000);
    const seen = other.engine.startRun(templates.get('quick').definition);
    window.backend.publish(feed.read(10_000));
    assert.deepEqual(new Set(changes(late).flatMap((c) => c.runs ?? []).map((r) => r.id)), new Set([missed.id, seen.id]));
    assert.deepEqual(
      changes(board)
        .slice(1)
        .flatMap((c) => c.runs ?? [])
        .map((r) => r.id),
      [missed.id, seen.id],
      'and so does the board that also missed it',
    );
    await drain(other.engine);
    } finally {
      window.close();
    }
  });

  it('board: reads its snapshot while the page loads, and answers ready with it brought up to date', async () => {
    const done = window.engine.startRun(templates.get('quick').definition);
    await drain(window.engine);
    // Summaries read: one listSteps per run summed up.
    const store = window.engine.store;
    const listSteps = store.listSteps.bind(store);
    let summaries = 0;
    store.listSteps = (runId) => {
      summaries++;
      return listSteps(runId);
    };
    try {
      const runsBefore = window.engine.listRuns({ limit: 10_000 }).filter((r) => r.parentRunId === null).length;
      const board = window.connect({ panel: 'board' });
      await waitUntil('the board snapshot read while the page loads', () => summaries >= runsBefore, 2000);
      const prepared = summaries;
      // While the page loads: another process starts a run and finishes one.
      const started = other.engine.startRun(templates.get('quick').definition, { trigger: { kind: 'cli' } });
      const pending = other.engine.startRun(templates.get('pipeline').definition, { inputs: { version: '1.2.3' } });
      other.engine.cancelRun(pending.id, { by: 'bob' });
      const reply = await window.request(board, BoardReady, { protocol: 1, lastEventId: null });
      assert.ok(summaries - prepared <= 2, `the ready handshake read only the 2 runs changed since (${summaries - prepared})`);
      assert.equal(reply.kind, 'snapshot');
      const snapshot = reply.kind === 'snapshot' ? reply.snapshot : undefined;
      assert.equal(snapshot?.lastEventId, window.engine.maxEventId());
      // The same as a board that reads everything at ready (one whose ready beats the preparation).
      const fresh = window.connect({ panel: 'board' });
      const direct = await window.request(fresh, BoardReady, { protocol: 1, lastEventId: null });
      assert.equal(direct.kind, 'snapshot');
      const strip = (runs: RunSummary[]) => runs.map(({ revision: _revision, ...rest }) => rest);
      assert.deepEqual(strip(snapshot!.runs), strip(direct.kind === 'snapshot' ? direct.snapshot.runs : []));
      const byId = new Map(snapshot!.runs.map((r) => [r.id, r]));
      assert.equal(byId.get(started.id)?.trigger, 'cli');
      assert.equal(byId.get(pending.id)?.status, 'cancelled');
      assert.equal(byId.get(done.id)?.status, 'succeeded');
      assert.deepEqual(new Set(snapshot!.runs.slice(0, 2).map((r) => r.id)), new Set([started.id, pending.id]), 'newest first');

      // A board restored from its saved state will replay from its last event: nothing is read for it ahead.
      const before = summaries;
      const restored = window.backend.connect({ panel: 'board' }, () => {}, noActions, () => {}, { lastEventId: window.engine.maxEventId() - 1 });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(summaries, before, 'no snapshot prepared for a board that replays');
      window.backend.disconnect(restored);
    } finally {
      store.listSteps = listSteps;
    }
  });

  it('board: Archive and Archive Finished are stored; another window sees them live and in its replay', async () => {
    const board = window.connect({ panel: 'board' });
    await window.request(board, BoardReady, { protocol: 1, lastEventId: null });
    const otherBoard = other.connect({ panel: 'board' });
    await other.request(otherBoard, BoardReady, { protocol: 1, lastEventId: null });
    const waiting = await runToGate('4.0.0');
    other.backend.publish();
    const finished = window.engine.listRuns({ status: 'succeeded', archived: false, limit: 100 }).map((r) => r.id);
    assert.ok(finished.length >= 2);
    const archivedAt = (id: string) => other.engine.getRun(id).run.archivedAt;
    const lastCard = (panel: RecordedPanel, id: string) => changes(panel).flatMap((c) => c.runs ?? []).filter((r) => r.id === id).at(-1);
    const hiddenAt = other.engine.maxEventId();

    await board.connection.receive(RunAction.create({ runId: finished[0]!, action: 'archive', stepId: null }));
    assert.notEqual(archivedAt(finished[0]!), null, 'stored in the database');
    assert.equal(lastCard(board, finished[0]!)?.archived, true);
    assert.deepEqual(board.errors, []);
    // Window B's poller sees the new event: the card changes there through the normal change feed.
    other.backend.publish();
    assert.equal(lastCard(otherBoard, finished[0]!)?.archived, true, 'window B hears of it live');
    // A board of window B that was hidden before the archive replays it from its lastEventId.
    const returning = other.connect({ panel: 'board' });
    const replay = await other.request(returning, BoardReady, { protocol: 1, lastEventId: hiddenAt });
    assert.equal(replay.kind, 'replay');
    const replayed = replay.kind === 'replay' ? replay.changes : undefined;
    assert.equal(replayed?.runs?.find((r) => r.id === finished[0])?.archived, true);
    assert.ok(replayed?.events.some((e) => e.type === 'run.archived' && e.runId === finished[0] && e.payload.by === 'alice'));

    // Only finished runs: the store refuses, the panel says why, nothing changes.
    await board.connection.receive(RunAction.create({ runId: waiting, action: 'archive', stepId: null }));
    assert.equal(archivedAt(waiting), null);
    assert.match(board.errors.at(-1) ?? '', /archiving failed: run .* is waiting/);

    await board.connection.receive(ArchiveFinished.create({}));
    for (const id of finished) assert.notEqual(archivedAt(id), null, `${id} archived`);
    assert.equal(archivedAt(waiting), null, 'a waiting run is not finished');
    other.backend.publish();
    for (const id of finished) assert.equal(lastCard(otherBoard, id)?.archived, true, `window B shows ${id} archived`);

    await otherBoard.connection.receive(RunAction.create({ runId: finished[0]!, action: 'unarchive', stepId: null }));
    assert.equal(archivedAt(finished[0]!), null);
    window.backend.publish();
    assert.equal(lastCard(board, finished[0]!)?.archived, false, 'window A hears of the unarchive');
    window.engine.cancelRun(waiting);
  });

  it('run detail: steps from the template (also not reached), foreach items, attempts, outputs, comments', async () => {
    const runId = await runToGate('2.0.0');
    writeFileSync(join(window.opened.files.stepDir(runId, 'build', null), 'summary.md'), '# Built\nall good');
    const panel = window.connect({ panel: 'run', runId });
    const reply = await window.request(panel, RunReady, { protocol: 1, runId, lastEventId: null });
    assert.equal(reply.kind, 'snapshot');
    const run = reply.kind === 'snapshot' ? reply.snapshot.run : undefined;
    assert.ok(run);
    assert.equal(run.status, 'waiting');
    assert.deepEqual(run.phases, ['build', 'review', 'ship']);
    assert.deepEqual(run.inputs, { version: '2.0.0', count: 2 });
    assert.deepEqual(run.steps.map((s) => s.id), ['build', 'fan', 'approve', 'ship']);
    const [build, fan, approve, ship] = run.steps;
    assert.equal(build!.status, 'succeeded');
    assert.equal(build!.outputs?.artifact, 'app-2.0.0');
    assert.equal(build!.outputs?.exit_code, 0);
    assert.equal(build!.attempts.length, 1);
    assert.equal(build!.attempts[0]!.status, 'succeeded');
    assert.equal(build!.attempts[0]!.number, 1);
    assert.equal(build!.summaryMarkdown, '# Built\nall good');
    assert.equal(fan!.foreach?.counts.total, 3);
    assert.equal(fan!.foreach?.counts.succeeded, 3);
    assert.deepEqual(fan!.foreach?.items.map((i) => i.itemKey), ['0', '1', '2']);
    assert.equal(approve!.status, 'waiting');
    assert.equal(approve!.kind, 'gate');
    assert.equal(ship!.reached, false, 'the step after the gate is drawn from the template');
    assert.equal(ship!.phase, 'ship');
    assert.deepEqual(ship!.needs, ['approve']);
    assert.equal(run.waitingGates.length, 1);
    assert.equal(run.waitingGates[0]!.title, 'Ship 2.0.0?');
    assert.equal(run.waitingGates[0]!.canDecide, true);
    assert.ok(reply.kind === 'snapshot' && reply.snapshot.events.every((e) => e.runId === runId));

    // A comment written in another window reaches this panel on the next publish.
    const added = await other.request(other.connect({ panel: 'run', runId }), AddComment, { runId, stepId: 'build', body: 'looks right' });
    assert.ok(added.ok);
    assert.equal(added.ok && added.comment.author, 'bob');
    window.backend.publish();
    const update = changes(panel).find((c) => c.run?.comments.some((x) => x.body === 'looks right'));
    assert.ok(update, 'the run panel got the comment');
    assert.equal(update.run!.comments.find((x) => x.body === 'looks right')?.stepId, 'build');
    window.engine.cancelRun(runId);
  });

  it('DecideGate: exactly one decision is stored; the second is refused with who decided', async () => {
    const runId = await runToGate('3.0.0');
    const gate = window.engine.listGates(runId)[0]!;
    const dialog = window.connect({ panel: 'gate', gateId: gate.id });
    const otherDialog = other.connect({ panel: 'gate', gateId: gate.id });
    const opened = await window.request(dialog, GateReady, { protocol: 1, gateId: gate.id, lastEventId: null });
    assert.ok(opened.kind === 'snapshot' && opened.snapshot.gate.canDecide && opened.snapshot.gate.decision === null);
    await other.request(otherDialog, GateReady, { protocol: 1, gateId: gate.id, lastEventId: null });

    const first = await window.request(dialog, DecideGate, { gateId: gate.id, decision: 'approved', comment: 'ship it', formInputs: {} });
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.gate.decision?.decision, 'approved');
    assert.equal(first.gate.decision?.by, 'alice');
    const second = await other.request(otherDialog, DecideGate, { gateId: gate.id, decision: 'rejected', comment: 'no', formInputs: {} });
    assert.equal(second.ok, false);
    assert.equal(!second.ok && second.message, 'Already approved by alice');
    assert.equal(second.gate?.decision?.decision, 'approved');

    const stored = window.engine.listGates(runId);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.decision, 'approved');
    assert.equal(stored[0]!.decidedBy, 'alice');
    assert.equal(window.engine.listEvents(0, { runId, limit: 10_000 }).filter((e) => e.type === 'gate.decided').length, 1);

    // The other window's open dialog learns about the decision.
    other.backend.publish();
    assert.ok(changes(otherDialog).some((c) => c.gates?.some((g) => g.id === gate.id && g.decision?.by === 'alice')));
    await drain(window.engine);
    assert.equal(window.engine.getRun(runId).run.status, 'succeeded');
  });

  it('SearchLog finds a term at line 190,000 of a 200,000-line step log; GetLog reads any window of it', async () => {
    const run = window.engine.startRun(templates.get('big-log').definition);
    await drain(window.engine);
    await window.opened.files.flush();
    assert.equal(window.engine.getRun(run.id).run.status, 'succeeded');
    const panel = window.connect({ panel: 'run', runId: run.id });
    const ref = { runId: run.id, stepId: 'print', itemKey: null, attempt: null };
    const found = await window.request(panel, SearchLog, { ...ref, query: 'needle', maxMatches: 100 });
    assert.deepEqual(found, { matches: [190_000], total: 1 });
    const chunk = await window.request(panel, GetLog, { ...ref, fromLine: 189_999, count: 3 });
    assert.equal(chunk.totalLines, 200_000);
    assert.deepEqual(chunk.lines, [
      { index: 189_999, text: 'line 189999' },
      { index: 190_000, text: 'the NEEDLE is here' },
      { index: 190_001, text: 'line 190001' },
    ]);
    assert.equal(chunk.live, false);
    const tail = await window.request(panel, GetLog, { ...ref, fromLine: 199_998, count: 10 });
    assert.deepEqual(tail.lines.map((l) => l.text), ['line 199998', 'line 199999']);
    const many = await window.request(panel, SearchLog, { ...ref, query: 'line 1999', maxMatches: 5 });
    assert.equal(many.total, 111, '1999, 19990-19999, 199900-199999');
    assert.deepEqual(many.matches, [1999, 19990, 19991, 19992, 19993]);
  });

  it('a log open in the run detail gets DidAppendLog with the new lines while its step runs', async () => {
    const run = window.engine.startRun(templates.get('ticker').definition);
    const worker = drain(window.engine);
    await waitUntil('the step to run', () => window.engine.getRun(run.id).steps[0]?.status === 'running');
    const panel = window.connect({ panel: 'run', runId: run.id });
    const ref = { runId: run.id, stepId: 'tick', itemKey: null, attempt: null };
    const first = await window.request(panel, GetLog, { ...ref, fromLine: 0, count: 1000 });
    assert.equal(first.live, true);
    await worker;
    // The backend polls open logs on its own timer (files grow between store events).
    await waitUntil('the last line to be pushed', () =>
      panel.posted.some((m) => DidAppendLog.is(m) && (m.params as { lines: Array<{ text: string }> }).lines.some((l) => l.text === 'tick 6')),
    );
    const pushed = panel.posted.filter((m) => DidAppendLog.is(m)).flatMap((m) => (m.params as { lines: Array<{ index: number; text: string }> }).lines);
    // The webview applies lines by index (a line still being written is sent again when it grows).
    const shown = new Map<number, string>();
    for (const line of [...first.lines, ...pushed]) shown.set(line.index, line.text);
    assert.deepEqual([...shown.keys()].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => shown.get(i)), ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'tick 6']);
    assert.ok(pushed.length > 0, 'lines arrived by DidAppendLog, not only by the first GetLog');
  });

  it('a running run whose lease expired with nobody taking over is shown as stale', async () => {
    const dying = new Engine({ store: other.opened.store, files: other.opened.files, workspaceDir: temp.dir, leaseMs: 50 });
    const run = dying.startRun(templates.get('quick').definition);
    const claim = dying.claimNext('a-worker-that-dies');
    assert.equal(claim?.row.runId, run.id);
    await new Promise((r) => setTimeout(r, 120));
    const reply = await window.request(window.connect({ panel: 'board' }), BoardReady, { protocol: 1, lastEventId: null });
    const card = reply.kind === 'snapshot' ? reply.snapshot.runs.find((r) => r.id === run.id) : undefined;
    assert.equal(card?.status, 'running');
    assert.equal(card?.stale, true);
    window.engine.cancelRun(run.id);
  });

  it('gallery: detail with readiness, and Duplicate writes a loadable copy under a new id', async () => {
    const gallery = window.connect({ panel: 'gallery' });
    const detail = await window.request(gallery, GetTemplateDetail, { templateId: 'pipeline' });
    assert.deepEqual(detail.steps.map((s) => [s.id, s.kind]), [['build', 'run'], ['fan', 'run'], ['approve', 'gate'], ['ship', 'run']]);
    assert.deepEqual(detail.inputsSchema.required, ['version']);
    assert.deepEqual(detail.readiness, []);
    const copy = await window.request(gallery, DuplicateTemplate, { templateId: 'pipeline' });
    assert.ok(copy.ok, JSON.stringify(copy));
    assert.equal(copy.templateId, 'pipeline-copy');
    await templates.reload();
    assert.equal(templates.find('pipeline-copy')?.sourcePath, copy.sourcePath);
    assert.equal(templates.find('pipeline-copy')?.definition.steps.length, 4);
    const second = await window.request(gallery, DuplicateTemplate, { templateId: 'pipeline' });
    assert.ok(second.ok && second.templateId === 'pipeline-copy-2');
  });

  it('gallery: a template file that does not load is listed with its problems; one naming an unknown workflow cannot run', async () => {
    const temp2 = tempDir('baton-webview-broken-');
    const dir = join(temp2.dir, '.baton', 'templates');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'quick.yml'), QUICK);
    // Line 5: `needs` names a step that does not exist; line 7: a timeout that is no duration.
    writeFileSync(join(dir, 'broken.yml'), 'id: broken\nname: Broken\nsteps:\n  - id: build\n    needs: [biuld]\n    run: echo hi\n    timeout: ten minutes\n');
    writeFileSync(join(dir, 'calls-missing.yml'), 'id: calls-missing\nname: Calls missing\nsteps:\n  - id: child\n    workflow: no-such-template\n');
    const registry = new TemplateRegistry({ sources: [{ kind: 'workspace', dir }] });
    await registry.ready();
    const win = new Window(temp2.dir, registry, 'alice');
    const openedAt: Array<{ path: string; position?: { line: number; column: number } }> = [];
    try {
      const gallery = win.connect({ panel: 'gallery' }, { openTemplateSource: (path, position) => openedAt.push({ path, ...(position ? { position } : {}) }) });
      const snapshot = await win.request(gallery, GalleryReady, { protocol: 1 });
      assert.deepEqual(snapshot.templates.map((t) => t.id).sort(), ['calls-missing', 'quick']);
      assert.equal(snapshot.broken.length, 1);
      const [broken] = snapshot.broken;
      assert.equal(broken!.displayPath, join('.baton', 'templates', 'broken.yml'));
      assert.equal(broken!.source, 'workspace');
      const needs = broken!.problems.find((p) => p.field.includes('needs'));
      assert.ok(needs, JSON.stringify(broken!.problems));
      assert.equal(needs.line, 5);
      assert.match(needs.message, /biuld/);
      const timeout = broken!.problems.find((p) => p.field.includes('timeout'));
      assert.equal(timeout?.line, 7, JSON.stringify(broken!.problems));

      // A problem opens its file at its line; a path that is not a broken template is refused.
      await gallery.connection.receive(OpenTemplateProblem.create({ sourcePath: broken!.sourcePath, line: needs.line, column: needs.column }));
      assert.deepEqual(openedAt, [{ path: broken!.sourcePath, position: { line: 5, column: needs.column } }]);
      await gallery.connection.receive(OpenTemplateProblem.create({ sourcePath: '/etc/passwd', line: 1, column: 1 }));
      assert.equal(openedAt.length, 1);
      assert.match(gallery.errors.join('\n'), /\/etc\/passwd is not a template with problems/);

      // Loaded, but its workflow step names no template: not ready, with the fix that opens it, and the host refuses to run it.
      const detail = await win.request(gallery, GetTemplateDetail, { templateId: 'calls-missing' });
      assert.deepEqual(
        detail.readiness.map((r) => [r.code, r.fix?.action]),
        [['invalid-template', 'open-source']],
      );
      assert.match(detail.readiness[0]!.message, /runs workflow "no-such-template", which is not a known template/);
      const refused = await win.request(gallery, StartRun, { templateId: 'calls-missing', inputs: {} });
      assert.equal(refused.ok, false);
      assert.match(!refused.ok ? refused.message : '', /no-such-template/);
      assert.deepEqual(win.engine.listRuns({ limit: 10 }), [], 'no run was created');
    } finally {
      win.close();
      registry.dispose();
      temp2.cleanup();
    }
  });

  it('a gallery hears of template changes: the new list, and the detail it has open read again from disk', async () => {
    const dir = join(temp.dir, '.baton', 'templates');
    const gallery = window.connect({ panel: 'gallery' });
    const before = await window.request(gallery, GetTemplateDetail, { templateId: 'quick' });
    assert.equal(before.name, 'Quick');
    writeFileSync(join(dir, 'quick.yml'), QUICK.replace('name: Quick', 'name: Quick, renamed'));
    writeFileSync(join(dir, 'arrived.yml'), 'id: arrived\nname: Arrived\nsteps:\n  - id: hi\n    run: echo hi\n');
    await templates.reload();
    try {
      gallery.posted.length = 0;
      await window.backend.templatesChanged();
      const list = gallery.posted.find((m) => DidChangeTemplates.is(m));
      assert.ok(list && DidChangeTemplates.is(list), 'the gallery gets the new list');
      assert.ok(list.params.templates.some((t) => t.id === 'arrived'));
      assert.equal(list.params.templates.find((t) => t.id === 'quick')?.name, 'Quick, renamed');
      const detail = gallery.posted.find((m) => DidChangeTemplateDetail.is(m));
      assert.ok(detail && DidChangeTemplateDetail.is(detail), 'the open detail is sent again');
      assert.equal(detail.params.id, 'quick');
      assert.equal(detail.params.name, 'Quick, renamed');
      const board = window.connect({ panel: 'board' });
      await window.backend.templatesChanged();
      assert.equal(board.posted.filter((m) => DidChangeTemplates.is(m)).length, 0, 'only galleries hear of templates');
    } finally {
      writeFileSync(join(dir, 'quick.yml'), QUICK);
      rmSync(join(dir, 'arrived.yml'));
      await templates.reload();
    }
  });

  it('readiness: an untrusted workspace, a missing agent CLI and a missing secret each come with their fix; the host refuses to run', async () => {
    const untrusted = new WebviewBackend({
      source: () => ({ engine: window.engine, files: window.opened.files }),
      templates,
      workspaceDir: temp.dir,
      templatesDir: join(temp.dir, '.baton', 'templates'),
      user: () => 'alice',
      readiness: {
        trusted: () => false,
        hasSecret: async (name) => name !== 'SLACK_TOKEN',
        findAgentCli: (kind) => (kind === 'codex' ? undefined : '/usr/bin/true'),
        agentCliOverride: (kind) => (kind === 'codex' ? codexPathVariable : undefined),
      },
    });
    let codexPathVariable: string | undefined;
    try {
      const posted: IpcMessage[] = [];
      const gallery = untrusted.connect({ panel: 'gallery' }, (m) => posted.push(m), { ...noActions });
      const ask = async <P, R>(type: IpcRequest<P, R>, params: P): Promise<R> => {
        await gallery.receive(type.create(posted.length + 1000, params));
        const reply = posted[posted.length - 1] as IpcReplyMessage<R>;
        assert.ok(reply.ok, JSON.stringify(reply));
        return reply.result;
      };
      const detail = await ask(GetTemplateDetail, { templateId: 'needs-setup' });
      assert.deepEqual(
        detail.readiness.map((p) => [p.code, p.fix?.action, p.fix?.arg]),
        [
          ['untrusted-workspace', 'manage-trust', null],
          ['missing-agent-cli', 'install-agent-cli', 'codex'],
          ['missing-secret', 'set-secret', 'SLACK_TOKEN'],
        ],
      );
      assert.equal(detail.readiness[1]!.message, 'The codex CLI (codex) is not on PATH: install it with npm i -g @openai/codex, or set BATON_CODEX_PATH to its path.');
      // Set, the variable is what names the CLI: the reason says it points nowhere instead of "set it".
      codexPathVariable = '/opt/nowhere/codex';
      const misconfigured = await ask(GetTemplateDetail, { templateId: 'needs-setup' });
      assert.equal(
        misconfigured.readiness[1]!.message,
        'BATON_CODEX_PATH is set to /opt/nowhere/codex, which is not an executable file: point it at the codex CLI, or unset it to use codex from PATH (install it with npm i -g @openai/codex).',
      );
      const before = window.engine.listRuns({ limit: 1000 }).length;
      const refused = await ask(StartRun, { templateId: 'quick', inputs: {} });
      assert.ok(!refused.ok && /untrusted/.test(refused.message));
      assert.equal(window.engine.listRuns({ limit: 1000 }).length, before);
    } finally {
      untrusted.dispose();
    }
  });

  it('readiness of mcp steps reads the config the executor reads: a missing server, an unreadable file (its own error), .mcp.json when only it exists', async () => {
    const dir = join(temp.dir, '.baton', 'templates');
    writeFileSync(join(dir, 'calls-mcp.yml'), 'id: calls-mcp\nname: Calls MCP\nsteps:\n  - id: call\n    mcp:\n      server: tracker\n      tool: echo\n');
    await templates.reload();
    const batonConfig = join(temp.dir, '.baton', 'mcp.json');
    const rootConfig = join(temp.dir, '.mcp.json');
    const gallery = window.connect({ panel: 'gallery' });
    const problems = async () => (await window.request(gallery, GetTemplateDetail, { templateId: 'calls-mcp' })).readiness.map((p) => [p.message, p.fix?.label, p.fix?.arg]);
    try {
      assert.deepEqual(await problems(), [['No MCP server "tracker" in .baton/mcp.json.', 'Open .baton/mcp.json', batonConfig]], 'no file: the one to create');
      writeFileSync(rootConfig, JSON.stringify({ mcpServers: { other: { command: 'node' } } }));
      assert.deepEqual(await problems(), [['No MCP server "tracker" in .mcp.json.', 'Open .mcp.json', rootConfig]], 'only .mcp.json: that is the file to edit');
      writeFileSync(batonConfig, JSON.stringify({ mcpServers: { tracker: { command: '' } } }));
      assert.deepEqual(await problems(), [
        [`The MCP servers cannot be read: ${batonConfig}: mcpServers.tracker.command: expected the program to start`, 'Open .baton/mcp.json', batonConfig],
      ]);
      writeFileSync(batonConfig, JSON.stringify({ mcpServers: { tracker: { command: 'node', args: ['tracker.js'] } } }));
      assert.deepEqual(await problems(), []);
    } finally {
      rmSync(join(dir, 'calls-mcp.yml'));
      rmSync(batonConfig, { force: true });
      rmSync(rootConfig, { force: true });
      await templates.reload();
    }
  });

  it('run actions go through the engine: retry failed steps, rerun opens the new run, cancel', async () => {
    const failing = window.engine.startRun(template('flaky', [runStep('try', 'test -f "$PWD/flag" || exit 4'), runStep('then', 'true', { needs: ['try'] })]));
    await drain(window.engine);
    assert.equal(window.engine.getRun(failing.id).run.status, 'failed');
    const panel = window.connect({ panel: 'run', runId: failing.id });
    await window.request(panel, RunReady, { protocol: 1, runId: failing.id, lastEventId: null });
    const run = (s: string) => window.engine.getRun(s).run;
    writeFileSync(join(temp.dir, 'flag'), '');
    await panel.connection.receive(RunAction.create({ runId: failing.id, action: 'retry-failed', stepId: null }));
    await drain(window.engine);
    window.backend.publish(); // what the change feed does after the worker's commits
    assert.equal(run(failing.id).status, 'succeeded');
    assert.equal(window.engine.listAttempts(failing.id, 'try').length, 2);
    assert.ok(changes(panel).some((c) => c.run?.status === 'succeeded'), 'the panel saw the retry finish');

    await panel.connection.receive(RunAction.create({ runId: failing.id, action: 'rerun', stepId: null }));
    const rerunId = panel.opened[panel.opened.length - 1]?.runId;
    assert.ok(rerunId && rerunId !== failing.id, 'the new run opened');
    assert.equal(run(rerunId).trigger.kind, 'rerun');
    await panel.connection.receive(RunAction.create({ runId: rerunId, action: 'cancel', stepId: null }));
    assert.equal(run(rerunId).status, 'cancelled');
    // An action the run's state does not allow is reported, not thrown into the void.
    await panel.connection.receive(RunAction.create({ runId: rerunId, action: 'pause', stepId: null }));
    assert.equal(panel.errors.length, 1);
    assert.match(panel.errors[0]!, /pause of run/);
  });

  it('gate dialog: only listed approvers decide; a timeout is never shown or stored as an approval', async () => {
    const restricted = window.engine.startRun(template('restricted', [gateStep('sign', { approvers: ['carol'] })]));
    await drain(window.engine);
    const gate = window.engine.listGates(restricted.id)[0]!;
    const dialog = window.connect({ panel: 'gate', gateId: gate.id });
    const view = await window.request(dialog, GateReady, { protocol: 1, gateId: gate.id, lastEventId: null });
    assert.ok(view.kind === 'snapshot' && view.snapshot.gate.canDecide === false);
    const refused = await window.request(dialog, DecideGate, { gateId: gate.id, decision: 'approved', comment: '', formInputs: {} });
    assert.ok(!refused.ok && /alice may not decide/.test(refused.message), JSON.stringify(refused));
    assert.equal(window.engine.listGates(restricted.id)[0]!.decision, null);
    window.engine.cancelRun(restricted.id);

    const timed = window.engine.startRun(template('timed', [gateStep('wait', { gateTimeoutMs: 1, onTimeout: 'proceed' }), runStep('next', 'true', { needs: ['wait'] })]));
    await drain(window.engine);
    await new Promise((r) => setTimeout(r, 20));
    await drain(window.engine);
    const timedGate = window.engine.listGates(timed.id)[0]!;
    assert.equal(timedGate.decision, 'timed_out');
    const timedView = await window.request(window.connect({ panel: 'gate', gateId: timedGate.id }), GateReady, { protocol: 1, gateId: timedGate.id, lastEventId: null });
    const decision = timedView.kind === 'snapshot' ? timedView.snapshot.gate.decision : null;
    assert.equal(decision?.decision, 'timed_out');
    assert.equal(decision?.by, null, 'nobody approved it');
    const late = await window.request(dialog, DecideGate, { gateId: timedGate.id, decision: 'approved', comment: '', formInputs: {} });
    assert.ok(!late.ok && late.message === 'Already timed out: no approval was recorded', JSON.stringify(late));
    assert.equal(window.engine.listGates(timed.id)[0]!.decision, 'timed_out');
  });

  it('agent transcript: what the executor recorded in the step\'s events.jsonl, per attempt', async () => {
    window.engine.registerExecutor({
      kind: 'agent',
      async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
        ctx.progress({ kind: 'assistant_text', text: `attempt ${ctx.attempt}: reading the code` });
        ctx.progress({ kind: 'tool_call', tool: 'Read', id: 't1', input: { file: 'a.ts' } });
        ctx.progress({ kind: 'tool_result', id: 't1', output: 'export const a = 1;' });
        ctx.progress({ kind: 'usage', inputTokens: 100, outputTokens: 20, costUsd: 0.01 });
        return ctx.attempt === 1 ? { kind: 'failed', error: 'try again', retryable: true } : { kind: 'succeeded', outputs: {} };
      },
    });
    const run = window.engine.startRun(
      template('agentic', [{ kind: 'agent', id: 'think', agent: 'claude', prompt: 'Think', needs: [], env: {}, continueOnError: false, retry: { max: 2, backoff: 'fixed', delayMs: 1, maxDelayMs: 1 } }]),
    );
    await drain(window.engine);
    await new Promise((r) => setTimeout(r, 20));
    await drain(window.engine);
    await window.opened.files.flush();
    assert.equal(window.engine.getRun(run.id).run.status, 'succeeded');
    const panel = window.connect({ panel: 'run', runId: run.id });
    const latest = await window.request(panel, GetTranscript, { runId: run.id, stepId: 'think', itemKey: null, attempt: null });
    assert.deepEqual(latest.entries.map((e) => e.kind), ['message', 'tool_call', 'tool_result', 'result']);
    assert.equal(latest.entries[0]!.text, 'attempt 2: reading the code');
    assert.equal(latest.entries[1]!.tool, 'Read');
    assert.equal(latest.inputTokens, 100);
    assert.equal(latest.costUsd, 0.01);
    const first = await window.request(panel, GetTranscript, { runId: run.id, stepId: 'think', itemKey: null, attempt: 1 });
    assert.equal(first.entries[0]!.text, 'attempt 1: reading the code');
    const detail = await window.request(panel, RunReady, { protocol: 1, runId: run.id, lastEventId: null });
    const step = detail.kind === 'snapshot' ? detail.snapshot.run.steps[0] : undefined;
    assert.equal(step?.hasTranscript, true);
    assert.deepEqual(step?.attempts.map((a) => a.status), ['failed', 'succeeded']);
  });

  it('image artifacts get the preview URI of the panel that shows them; other files and panels without previews get none', async () => {
    const runId = await runToGate('4.0.0');
    const dir = window.opened.files.artifactsDir(runId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'shot.png'), 'png bytes');
    writeFileSync(join(dir, 'notes.txt'), 'text');
    window.engine.addArtifact(runId, { name: 'shot.png', path: join(dir, 'shot.png'), stepId: 'build', mediaType: 'image/png' });
    window.engine.addArtifact(runId, { name: 'notes.txt', path: join(dir, 'notes.txt'), stepId: 'build', mediaType: 'text/plain' });
    const asked: string[] = [];
    const previewUri = (a: ArtifactRecord) => {
      asked.push(a.name);
      return `https://preview.test/${a.name}`;
    };
    const previews = (artifacts: ReadonlyArray<{ name: string; previewUri: string | null }>) => Object.fromEntries(artifacts.map((a) => [a.name, a.previewUri]));

    const run = await window.request(window.connect({ panel: 'run', runId }, { previewUri }), RunReady, { protocol: 1, runId, lastEventId: null });
    assert.equal(run.kind, 'snapshot');
    assert.deepEqual(previews(run.kind === 'snapshot' ? run.snapshot.run.artifacts : []), { 'shot.png': 'https://preview.test/shot.png', 'notes.txt': null });
    assert.deepEqual(asked, ['shot.png'], 'only images are offered for preview');

    const gate = window.engine.listGates(runId)[0]!;
    const dialog = await window.request(window.connect({ panel: 'gate', gateId: gate.id }, { previewUri }), GateReady, { protocol: 1, gateId: gate.id, lastEventId: null });
    assert.deepEqual(previews(dialog.kind === 'snapshot' ? dialog.snapshot.gate.artifacts : []), { 'shot.png': 'https://preview.test/shot.png', 'notes.txt': null });

    const plain = await window.request(window.connect({ panel: 'run', runId }), RunReady, { protocol: 1, runId, lastEventId: null });
    assert.deepEqual(previews(plain.kind === 'snapshot' ? plain.snapshot.run.artifacts : []), { 'shot.png': null, 'notes.txt': null });
    window.engine.cancelRun(runId);
  });

  it('answers a request for a run or gate that does not exist with its error code', async () => {
    const panel = window.connect({ panel: 'run', runId: 'no-such-run' });
    await panel.connection.receive(RunReady.create(77, { protocol: 1, runId: 'no-such-run', lastEventId: null }));
    const reply = panel.posted.find((m) => m.kind === 'reply' && m.id === 77) as IpcReplyMessage | undefined;
    assert.ok(reply && !reply.ok && reply.error.code === 'run_not_found' && /no-such-run/.test(reply.error.message));
    await panel.connection.receive(GateReady.create(78, { protocol: 1, gateId: 424242, lastEventId: null }));
    const gateReply = panel.posted.find((m) => m.kind === 'reply' && m.id === 78) as IpcReplyMessage | undefined;
    assert.ok(gateReply && !gateReply.ok && gateReply.error.code === 'gate_not_found');
  });

  it('answers a malformed request with invalid_message instead of calling a handler', async () => {
    const panel = window.connect({ panel: 'board' });
    await panel.connection.receive({ kind: 'request', id: 99, method: BoardReady.method, params: { protocol: 1, lastEventId: 'zero' } });
    const reply = panel.posted.find((m) => m.kind === 'reply' && m.id === 99) as IpcReplyMessage | undefined;
    assert.ok(reply && !reply.ok && reply.error.code === 'invalid_message');
  });
});
