/**
 * The fake host's state: templates, runs, gates, logs and an append-only event log, with the
 * protocol handlers a real host implements. Every change appends an event and is broadcast to
 * every open panel as a ChangeSet, like the extension does for the store's events.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import {
  AddComment,
  ArchiveFinished,
  BoardReady,
  CloseGateDialog,
  DecideGate,
  DidAppendLog,
  DidChange,
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
  type AddCommentReply,
  type BatonEvent,
  type BrokenTemplate,
  type GallerySnapshot,
  type StartRunReply,
  type ChangeSet,
  type EventType,
  type GateSummary,
  type GateView,
  type JsonValue,
  type LogRef,
  type RunDetail,
  type RunSummary,
  type SuggestedTemplate,
  type TemplateDetail,
  type TranscriptView,
} from '../../../../src/shared/protocol';
import { findLogGroups } from '../../../../webview-ui/run/logRows';
import type { FakePanel } from './fakeHost';

export function logKey(ref: { runId: string; stepId: string; itemKey: string | null }): string {
  return `${ref.runId}/${ref.stepId}/${ref.itemKey ?? ''}`;
}

/** Strips a RunDetail down to what the board needs. */
export function toSummary(run: RunDetail): RunSummary {
  const { inputs: _i, steps: _s, comments: _c, artifacts: _a, outputs: _o, summaryMarkdown: _m, ...summary } = run;
  return summary;
}

export class FakeBaton {
  user = 'alice';
  templates: TemplateDetail[] = [];
  suggested: SuggestedTemplate[] = [];
  broken: BrokenTemplate[] = [];
  readonly runs = new Map<string, RunDetail>();
  readonly gates = new Map<number, GateView>();
  readonly logs = new Map<string, string[]>();
  readonly transcripts = new Map<string, TranscriptView>();
  readonly events: BatonEvent[] = [];
  /** Runs the gallery started, with the inputs the host accepted. */
  readonly started: Array<{ templateId: string; inputs: Record<string, unknown>; runId: string }> = [];
  /** Every decision stored (there must be exactly one per gate). */
  readonly decisions: Array<{ gateId: number; decision: string; by: string; comment: string; formInputs: Record<string, unknown> }> = [];
  readonly panels = new Set<FakePanel>();
  /** How each ready handshake was answered, in order. */
  readonly syncReplies: Array<'snapshot' | 'replay'> = [];
  private nextEventId = 1;
  private nextRunNumber = 1000;
  private nextCommentId = 1;
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false }));

  /** Attaches the protocol handlers to a panel (pass as FakePanel.open's `configure`). */
  attach = (panel: FakePanel): void => {
    this.panels.add(panel);
    panel.page.on('close', () => this.panels.delete(panel));
    const r = panel.router;
    r.onRequest(GalleryReady, (): GallerySnapshot => ({ templates: this.templates.map((t) => this.templateSummary(t)), suggested: this.suggested, broken: this.broken }));
    r.onRequest(GetTemplateDetail, ({ templateId }) => {
      const t = this.templates.find((x) => x.id === templateId);
      if (!t) throw Object.assign(new Error(`no template ${templateId}`), { code: 'template_not_found' });
      return t;
    });
    r.onRequest(StartRun, ({ templateId, inputs }): StartRunReply => {
      const t = this.templates.find((x) => x.id === templateId);
      if (!t) return { ok: false, message: `no template ${templateId}`, fieldErrors: [] };
      // The host validates again with the same schema (ajv), whatever the webview checked.
      const validate = this.ajv.compile(t.inputsSchema);
      if (!validate(inputs)) {
        return {
          ok: false,
          message: 'inputs are invalid',
          fieldErrors: (validate.errors ?? []).map((e) => ({ field: (e.instancePath.slice(1) || String(e.params.missingProperty ?? '')).replace(/\//g, '.'), message: e.message ?? 'invalid' })),
        };
      }
      const runId = `run-${this.nextRunNumber++}`;
      this.started.push({ templateId, inputs, runId });
      // Like the extension: the new run is stored and every open board hears about it.
      const now = Date.now();
      this.createRun({
        id: runId, revision: 0, templateId, templateName: t.name, status: 'pending', phase: null, phases: t.phases, currentStep: null,
        lastEvent: null, stepsDone: 0, stepsTotal: t.steps.length, createdAt: now, startedAt: null, finishedAt: null, costUsd: null,
        failureReason: null, waitingGates: [], stale: false, trigger: 'manual', archived: false, inputs,
        steps: [], comments: [], artifacts: [], outputs: null, summaryMarkdown: null,
      });
      return { ok: true, runId };
    });
    r.onRequest(DuplicateTemplate, ({ templateId }) => ({ ok: true as const, templateId: `${templateId}-copy`, sourcePath: `.baton/templates/${templateId}-copy.yml` }));
    r.onCommand(OpenTemplateSource, () => {});
    r.onCommand(OpenTemplateProblem, () => {});
    r.onCommand(FixReadiness, () => {});
    r.onCommand(OpenRun, () => {});
    r.onCommand(OpenGate, () => {});
    r.onCommand(OpenArtifact, () => {});
    r.onCommand(CloseGateDialog, () => {});
    r.onCommand(RunAction, ({ runId, action }) => {
      const run = this.runs.get(runId);
      if (!run) return;
      if (action === 'archive' || action === 'unarchive') this.updateRun(runId, { archived: action === 'archive' }, 'run.phase_changed', `${action}d`);
    });
    r.onCommand(ArchiveFinished, () => {
      for (const run of this.runs.values()) {
        if (!run.archived && ['succeeded', 'failed', 'cancelled'].includes(run.status)) this.updateRun(run.id, { archived: true }, 'run.phase_changed', 'archived');
      }
    });
    r.onRequest(BoardReady, ({ lastEventId }) => {
      const oldest = this.events[0]?.id ?? this.nextEventId;
      if (lastEventId !== null && lastEventId >= oldest - 1) {
        const missed = this.events.filter((e) => e.id > lastEventId);
        const touched = new Set(missed.map((e) => e.runId));
        this.syncReplies.push('replay');
        return {
          kind: 'replay' as const,
          changes: { lastEventId: this.lastEventId, events: missed, runs: [...touched].flatMap((id) => (this.runs.has(id) ? [toSummary(this.runs.get(id)!)] : [])) },
        };
      }
      this.syncReplies.push('snapshot');
      return { kind: 'snapshot' as const, snapshot: { runs: [...this.runs.values()].map(toSummary), currentUser: this.user, lastEventId: this.lastEventId } };
    });
    r.onRequest(RunReady, ({ runId }) => {
      const run = this.runs.get(runId);
      if (!run) throw Object.assign(new Error(`no run ${runId}`), { code: 'run_not_found' });
      return { kind: 'snapshot' as const, snapshot: { run, events: this.events.filter((e) => e.runId === runId).slice(-50), lastEventId: this.lastEventId } };
    });
    r.onRequest(GateReady, ({ gateId }) => {
      const gate = this.gates.get(gateId);
      if (!gate) throw Object.assign(new Error(`no gate ${gateId}`), { code: 'gate_not_found' });
      return { kind: 'snapshot' as const, snapshot: { gate, lastEventId: this.lastEventId } };
    });
    r.onRequest(DecideGate, ({ gateId, decision, comment, formInputs }) => this.decideGate(gateId, decision, this.user, comment, formInputs));
    r.onRequest(GetLog, (ref) => {
      const lines = this.logs.get(logKey(ref)) ?? [];
      return {
        ...ref,
        fromLine: ref.fromLine,
        lines: lines.slice(ref.fromLine, ref.fromLine + ref.count).map((text, i) => ({ index: ref.fromLine + i, text })),
        totalLines: lines.length,
        groups: findLogGroups(lines),
        live: this.runs.get(ref.runId)?.steps.find((s) => s.id === ref.stepId)?.status === 'running',
      };
    });
    r.onRequest(SearchLog, (ref) => {
      const lines = this.logs.get(logKey(ref)) ?? [];
      const q = ref.query.toLowerCase();
      const matches: number[] = [];
      let total = 0;
      lines.forEach((l, i) => {
        if (l.toLowerCase().includes(q)) {
          total++;
          if (matches.length < ref.maxMatches) matches.push(i);
        }
      });
      return { matches, total };
    });
    r.onRequest(GetTranscript, (ref) => this.transcripts.get(logKey(ref)) ?? { entries: [], inputTokens: 0, outputTokens: 0, costUsd: null });
    r.onRequest(AddComment, ({ runId, stepId, body }): AddCommentReply => {
      const run = this.runs.get(runId);
      if (!run) return { ok: false, message: `no run ${runId}` };
      const comment = { id: this.nextCommentId++, stepId, author: this.user, body, createdAt: Date.now() };
      this.updateRun(runId, { comments: [...run.comments, comment] }, 'comment.added', `${this.user} commented`);
      return { ok: true, comment };
    });
  };

  get lastEventId(): number {
    return this.nextEventId - 1;
  }

  templateSummary(t: TemplateDetail) {
    const { readmeMarkdown: _r, sourcePath: _p, steps: _s, inputsSchema: _i, readiness: _d, ...summary } = t;
    return summary;
  }

  addRun(run: RunDetail): void {
    this.runs.set(run.id, run);
  }

  addGate(gate: GateView): void {
    this.gates.set(gate.id, gate);
  }

  private appendEvent(runId: string, type: EventType, stepId: string | null = null, itemKey: string | null = null): BatonEvent {
    const event: BatonEvent = { id: this.nextEventId++, type, runId, stepId, itemKey, at: Date.now(), payload: {} };
    this.events.push(event);
    return event;
  }

  /** Changes a run (appending its event) and tells every panel. */
  updateRun(runId: string, patch: Partial<RunDetail>, type: EventType, text: string, stepId: string | null = null): RunDetail {
    const before = this.runs.get(runId);
    if (!before) throw new Error(`no run ${runId}`);
    const event = this.appendEvent(runId, type, stepId);
    const run: RunDetail = { ...before, ...patch, revision: event.id, lastEvent: { text, at: event.at, type } };
    this.runs.set(runId, run);
    this.broadcast({ lastEventId: event.id, events: [event], runs: [toSummary(run)], run });
    return run;
  }

  /** A run started elsewhere (CLI, another window) appears. */
  createRun(run: RunDetail): RunDetail {
    const event = this.appendEvent(run.id, 'run.created');
    const created = { ...run, revision: event.id };
    this.runs.set(run.id, created);
    this.broadcast({ lastEventId: event.id, events: [event], runs: [toSummary(created)], run: created });
    return created;
  }

  decideGate(gateId: number, decision: 'approved' | 'rejected' | 'timed_out', by: string | null, comment: string, formInputs: Record<string, unknown>) {
    const gate = this.gates.get(gateId);
    if (!gate) return { ok: false as const, message: `no gate ${gateId}`, gate: null };
    if (gate.decision) {
      const d = gate.decision;
      return { ok: false as const, message: `Already ${d.decision}${d.by ? ` by ${d.by}` : ''}`, gate };
    }
    const event = this.appendEvent(gate.runId, 'gate.decided', gate.stepId, gate.itemKey);
    const decided: GateView = {
      ...gate,
      revision: event.id,
      decision: { decision, by, at: event.at, comment: comment || null, formInputs: formInputs as Record<string, JsonValue> },
    };
    this.gates.set(gateId, decided);
    if (by !== null) this.decisions.push({ gateId, decision, by, comment, formInputs });
    const run = this.runs.get(gate.runId);
    let changedRun: RunDetail | undefined;
    if (run) {
      const waitingGates = run.waitingGates.filter((g) => g.id !== gateId);
      changedRun = {
        ...run,
        revision: event.id,
        waitingGates,
        status: waitingGates.length ? run.status : decision === 'rejected' ? 'running' : 'running',
        lastEvent: { text: `${gate.stepId} ${decision}${by ? ` by ${by}` : ''}`, at: event.at, type: 'gate.decided' },
      };
      this.runs.set(run.id, changedRun);
    }
    this.broadcast({ lastEventId: event.id, events: [event], gates: [decided], ...(changedRun ? { runs: [toSummary(changedRun)], run: changedRun } : {}) });
    return { ok: true as const, gate: decided };
  }

  /** Appends lines to a live log and pushes them to the panels. */
  appendLog(ref: LogRef, lines: string[]): void {
    const key = logKey(ref);
    const log = this.logs.get(key) ?? [];
    const from = log.length;
    log.push(...lines);
    this.logs.set(key, log);
    const msg = DidAppendLog.create({ ...ref, lines: lines.map((text, i) => ({ index: from + i, text })), totalLines: log.length, groups: findLogGroups(log), live: true });
    for (const p of this.panels) void p.post(msg);
  }

  broadcast(change: ChangeSet): void {
    const msg = DidChange.create(change);
    for (const p of this.panels) void p.post(msg);
  }
}

export function gateSummary(g: GateView): GateSummary {
  return {
    id: g.id,
    runId: g.runId,
    stepId: g.stepId,
    itemKey: g.itemKey,
    title: g.messageMarkdown.split('\n')[0]!.replace(/^#+\s*/, ''),
    approvers: g.approvers,
    requestedAt: g.requestedAt,
    dueAt: g.dueAt,
    escalated: g.escalated,
    canDecide: g.canDecide,
    needsForm: (g.formSchema?.required.length ?? 0) > 0,
  };
}
