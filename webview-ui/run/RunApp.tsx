/**
 * Run detail: header with status, trigger, inputs, timing, cost and actions; the step graph
 * (template steps not reached yet drawn dashed, foreach collapsed with counts); per-step tabs.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  AddComment,
  DecideGate,
  DidChange,
  GetTranscript,
  OpenArtifact,
  OpenGate,
  PROTOCOL_VERSION,
  RunAction,
  RunReady,
  type BatonEvent,
  type ChangeSet,
  type GateSummary,
  type PanelContext,
  type RunActionKind,
  type RunDetail,
  type StepView,
  type TranscriptView,
} from '../../src/shared/protocol';
import { ConfirmDialog } from '../shared/ConfirmDialog';
import { DagView, type DagNodeInput } from '../shared/dag';
import { elapsed, formatBytes, formatCost, formatTime, slug } from '../shared/format';
import { createFrameCoalescer, ipc, panelContext, saveState, savedState } from '../shared/host';
import { Button, Checkbox, Loading, TextArea } from '../shared/elements';
import { Tabs } from '../shared/Tabs';
import { announce } from '../shared/liveRegion';
import { Markdown } from '../shared/markdown';
import { Icon, StatusBadge, statusLook } from '../shared/status';
import { LogView } from './LogView';

type TabId = 'logs' | 'output' | 'transcript' | 'summary' | 'artifacts' | 'comments' | 'attempts';
const TABS: Array<{ id: TabId; label: string }> = [
  { id: 'logs', label: 'Logs' },
  { id: 'output', label: 'Output' },
  { id: 'transcript', label: 'Transcript' },
  { id: 'summary', label: 'Summary' },
  { id: 'artifacts', label: 'Artifacts' },
  { id: 'comments', label: 'Comments' },
  { id: 'attempts', label: 'Attempts' },
];

interface RunPanelState {
  context: PanelContext;
  lastEventId: number | null;
  cachedRun: RunDetail | null;
  selected: { stepId: string; itemKey: string | null } | null;
  tab: TabId;
  hideSucceeded: boolean;
  failedOnly: boolean;
  expanded: string[];
  logScroll: Record<string, number>;
  commentDraft: string;
}

export function RunApp() {
  const initial = useMemo(() => savedState<RunPanelState>(), []);
  const context = useMemo(() => panelContext<Extract<PanelContext, { panel: 'run' }>>('run'), []);
  const cached = initial.cachedRun?.id === context.runId ? initial.cachedRun : null;
  const [run, setRun] = useState<RunDetail | null>(cached);
  const [events, setEvents] = useState<BatonEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const lastEventRef = useRef<number | null>(cached ? (initial.lastEventId ?? null) : null);
  const [selected, setSelected] = useState<{ stepId: string; itemKey: string | null } | null>(
    initial.selected ?? (context.stepId ? { stepId: context.stepId, itemKey: null } : null),
  );
  const [tab, setTab] = useState<TabId>(initial.tab ?? 'logs');
  const [hideSucceeded, setHideSucceeded] = useState(initial.hideSucceeded ?? false);
  const [failedOnly, setFailedOnly] = useState(initial.failedOnly ?? false);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set(initial.expanded ?? []));
  const logScroll = useRef<Record<string, number>>(initial.logScroll ?? {});
  const [commentDraft, setCommentDraft] = useState(initial.commentDraft ?? '');
  const [confirm, setConfirm] = useState<{ kind: 'cancel' } | { kind: 'reject'; gate: GateSummary } | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  const apply = useCallback(
    (batch: ChangeSet[]) => {
      let newest = lastEventRef.current ?? 0;
      const fresh: BatonEvent[] = [];
      let nextRun: RunDetail | undefined;
      for (const change of batch) {
        if (change.run && change.run.id === context.runId && (!nextRun || nextRun.revision <= change.run.revision)) nextRun = change.run;
        for (const e of change.events) if (e.runId === context.runId && e.id > newest) fresh.push(e);
        newest = Math.max(newest, change.lastEventId);
      }
      lastEventRef.current = newest;
      if (fresh.length) setEvents((prev) => [...prev, ...fresh].slice(-200));
      if (nextRun) {
        const incoming = nextRun;
        setRun((prev) => {
          if (prev && prev.revision > incoming.revision) return prev;
          if (prev && prev.status !== incoming.status) announce(`Run ${incoming.id}: ${statusLook(incoming.stale ? 'stale' : incoming.status).label}`);
          return incoming;
        });
      }
    },
    [context.runId],
  );

  useEffect(() => {
    const push = createFrameCoalescer<ChangeSet>(apply);
    const off = ipc().on(DidChange, push);
    ipc()
      .request(RunReady, { protocol: PROTOCOL_VERSION, runId: context.runId, lastEventId: lastEventRef.current })
      .then(
        (reply) => {
          if (reply.kind === 'snapshot') {
            lastEventRef.current = reply.snapshot.lastEventId;
            setRun(reply.snapshot.run);
            setEvents(reply.snapshot.events);
          } else push(reply.changes);
        },
        (e: Error) => setError(e.message),
      );
    return off;
  }, [apply, context.runId]);

  useEffect(() => {
    saveState({
      context,
      lastEventId: lastEventRef.current,
      cachedRun: run,
      selected,
      tab,
      hideSucceeded,
      failedOnly,
      expanded: [...expanded],
      logScroll: logScroll.current,
      commentDraft,
    });
  }, [context, run, selected, tab, hideSucceeded, failedOnly, expanded, commentDraft]);

  // Default selection: the step that needs attention (failed, waiting, running), else the first.
  const effectiveSelection = useMemo(() => {
    if (!run) return null;
    if (selected && run.steps.some((s) => s.id === selected.stepId)) return selected;
    const pick = run.steps.find((s) => s.status === 'failed') ?? run.steps.find((s) => s.status === 'waiting') ?? run.steps.find((s) => s.status === 'running') ?? run.steps[0];
    return pick ? { stepId: pick.id, itemKey: null } : null;
  }, [run, selected]);

  const step = useMemo(() => {
    if (!run || !effectiveSelection) return null;
    const top = run.steps.find((s) => s.id === effectiveSelection.stepId) ?? null;
    if (top && effectiveSelection.itemKey !== null) return top.foreach?.items.find((i) => i.itemKey === effectiveSelection.itemKey) ?? top;
    return top;
  }, [run, effectiveSelection]);

  const nodes: DagNodeInput[] = useMemo(() => {
    if (!run) return [];
    return run.steps
      .filter((s) => !(hideSucceeded && s.status === 'succeeded'))
      .filter((s) => !failedOnly || s.status === 'failed' || (s.foreach?.counts.failed ?? 0) > 0)
      .map((s) => ({
        id: s.id,
        label: s.name ?? s.id,
        kind: s.kind,
        phase: s.phase,
        needs: s.needs,
        status: s.reached ? s.status : 'not-reached',
        foreach: s.foreach ? { counts: s.foreach.counts, items: s.foreach.items.map((i) => ({ key: i.itemKey ?? '', status: i.status })) } : null,
      }));
  }, [run, hideSucceeded, failedOnly]);

  const act = (action: RunActionKind, stepId: string | null = null) => {
    if (!run) return;
    if (action === 'cancel') {
      setConfirm({ kind: 'cancel' });
      return;
    }
    ipc().command(RunAction, { runId: run.id, action, stepId });
    announce(`${action} requested`);
  };

  const decide = async (gate: GateSummary, decision: 'approved' | 'rejected', comment: string) => {
    if (decision === 'approved' && gate.needsForm) {
      ipc().command(OpenGate, { gateId: gate.id });
      return;
    }
    const reply = await ipc().request(DecideGate, { gateId: gate.id, decision, comment, formInputs: {} });
    announce(reply.ok ? `Gate ${gate.stepId} ${decision}` : `Could not decide: ${reply.message}`);
  };

  if (error) {
    return (
      <p className="notice error section" role="alert">
        Could not load the run: {error}
      </p>
    );
  }
  if (!run) return <Loading text="Loading run…" testId="run-loading" />;

  const finished = ['succeeded', 'failed', 'cancelled'].includes(run.status);
  const cost = formatCost(run.costUsd);
  const status = run.stale ? 'stale' : run.status === 'waiting' && run.waitingGates.some((g) => g.canDecide) ? 'waiting-on-you' : run.status;
  const tabs = TABS.filter((t) => t.id !== 'transcript' || step?.kind === 'agent' || step?.kind === 'llm');
  const activeTab = tabs.some((t) => t.id === tab) ? tab : 'logs';

  return (
    <div className="run-detail">
      <header className="panel-header run-header">
        <div className="row">
          <h1 id="run-title" data-testid="run-title">
            {run.templateName} <span className="muted mono">{run.id}</span>
          </h1>
          <StatusBadge status={status} testId="run-status" />
          {run.stale && <span className="muted">lease expired: no process is running it</span>}
          <span className="spacer" />
          {!finished && run.status !== 'paused' && (
            <Button testId="run-pause" secondary icon="debug-pause" onClick={() => act('pause')}>
              Pause
            </Button>
          )}
          {run.status === 'paused' && (
            <Button testId="run-resume" secondary icon="debug-continue" onClick={() => act('resume')}>
              Resume
            </Button>
          )}
          {!finished && (
            <Button testId="run-cancel" secondary icon="debug-stop" onClick={() => act('cancel')}>
              Cancel…
            </Button>
          )}
          {run.status === 'failed' && (
            <Button testId="run-retry-failed" icon="debug-restart" onClick={() => act('retry-failed')}>
              Retry failed steps
            </Button>
          )}
          {finished && (
            <Button testId="run-rerun" secondary icon="refresh" onClick={() => act('rerun')}>
              Rerun
            </Button>
          )}
        </div>
        <dl className="run-facts">
          <div>
            <dt>Trigger</dt>
            <dd data-testid="run-trigger">{run.trigger}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{run.startedAt ? formatTime(run.startedAt) : 'not yet'}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd data-testid="run-duration">{elapsed(run.startedAt, run.finishedAt, now)}</dd>
          </div>
          <div>
            <dt>Steps</dt>
            <dd data-testid="run-progress">
              {run.stepsDone}/{run.stepsTotal}
            </dd>
          </div>
          {run.phase && (
            <div>
              <dt>Phase</dt>
              <dd>{run.phase}</dd>
            </div>
          )}
          {cost && (
            <div>
              <dt>Cost</dt>
              <dd data-testid="run-cost">{cost}</dd>
            </div>
          )}
        </dl>
        {run.failureReason && (
          <p className="notice error" data-testid="run-failure">
            <Icon name="error" /> {run.failureReason}
          </p>
        )}
        {run.lastEvent && (
          <p className="muted" data-testid="run-last-event">
            <Icon name="pulse" /> {run.lastEvent.text}
          </p>
        )}
        {run.waitingGates.length > 0 && (
          <ul className="plain run-gates" aria-label="Waiting gates">
            {run.waitingGates.map((g) => (
              <li key={g.id} className="notice row" data-testid={`run-gate-${g.id}`}>
                <Icon name="shield" />
                <span>
                  <strong>{g.stepId}</strong>
                  {g.itemKey !== null && <span className="mono"> [{g.itemKey}]</span>}: {g.title}
                </span>
                <span className="spacer" />
                {g.canDecide ? (
                  <>
                    <Button testId={`run-gate-approve-${g.id}`} icon="check" onClick={() => void decide(g, 'approved', '')}>
                      {g.needsForm ? 'Review…' : 'Approve'}
                    </Button>
                    <Button testId={`run-gate-reject-${g.id}`} secondary icon="close" onClick={() => setConfirm({ kind: 'reject', gate: g })}>
                      Reject…
                    </Button>
                  </>
                ) : (
                  <span className="muted">Waiting on {g.approvers.join(', ') || 'an approver'}</span>
                )}
                <Button testId={`run-gate-review-${g.id}`} secondary onClick={() => ipc().command(OpenGate, { gateId: g.id })}>
                  Review
                </Button>
              </li>
            ))}
          </ul>
        )}
        {Object.keys(run.inputs).length > 0 && (
          <details className="run-inputs">
            <summary data-testid="run-inputs-toggle">Inputs ({Object.keys(run.inputs).length})</summary>
            <KeyValueTable values={run.inputs} testId="run-inputs" />
          </details>
        )}
        {events.length > 0 && (
          <details className="run-events">
            <summary data-testid="run-events-toggle">Activity ({events.length})</summary>
            <ol className="plain run-event-list" data-testid="run-events">
              {events.slice(-30).map((e) => (
                <li key={e.id}>
                  <span className="muted">{formatTime(e.at)}</span> <span className="mono">{e.type}</span>
                  {e.stepId && <span> {e.stepId}</span>}
                  {e.itemKey !== null && <span className="mono"> [{e.itemKey}]</span>}
                </li>
              ))}
            </ol>
          </details>
        )}
      </header>
      <section className="section" aria-labelledby="graph-title">
        <div className="row">
          <h2 id="graph-title">Steps</h2>
          <span className="spacer" />
          <Checkbox testId="run-hide-succeeded" checked={hideSucceeded} onChecked={setHideSucceeded}>
            Hide succeeded
          </Checkbox>
          <Checkbox testId="run-failed-only" checked={failedOnly} onChecked={setFailedOnly}>
            Failed only
          </Checkbox>
        </div>
        <DagView
          nodes={nodes}
          selectedId={effectiveSelection ? (effectiveSelection.itemKey !== null ? `${effectiveSelection.stepId}[${effectiveSelection.itemKey}]` : effectiveSelection.stepId) : null}
          onSelect={(stepId, itemKey) => setSelected({ stepId, itemKey })}
          expanded={expanded}
          onToggleExpand={(id) =>
            setExpanded((prev) => {
              const next = new Set(prev);
              if (next.has(id)) next.delete(id);
              else next.add(id);
              return next;
            })
          }
          label={`Steps of run ${run.id}`}
          testId="run-dag"
        />
      </section>
      {step && (
        <section className="section step-panel" aria-labelledby="step-title" data-testid="run-step-panel">
          <div className="row">
            <h2 id="step-title" data-testid="run-step-title">
              {step.name ?? step.id}
              {step.itemKey !== null && <span className="mono"> [{step.itemKey}]</span>}
            </h2>
            <StatusBadge status={step.reached ? step.status : 'not-reached'} testId="run-step-status" />
            <span className="muted">
              {step.kind} · attempt {step.attempt}
              {step.startedAt ? ` · ${elapsed(step.startedAt, step.finishedAt, now)}` : ''}
            </span>
            <span className="spacer" />
            {finished && step.reached && (
              <Button testId="run-rerun-from-step" secondary icon="debug-restart" onClick={() => act('rerun-from-step', step.id)}>
                Rerun from this step
              </Button>
            )}
          </div>
          {step.error && (
            <p className="notice error" data-testid="run-step-error">
              {step.error}
            </p>
          )}
          <Tabs tabs={tabs} active={activeTab} onChange={setTab} testIdPrefix="run-tab" className="step-tabs">
            <div className="tab-panel">
            {activeTab === 'logs' && (
              <LogPane
                key={`${run.id}/${step.id}/${step.itemKey ?? ''}`}
                runId={run.id}
                step={step}
                initialTopLine={logScroll.current[`${step.id}/${step.itemKey ?? ''}`] ?? null}
                onScrollLine={(line) => {
                  logScroll.current[`${step.id}/${step.itemKey ?? ''}`] = line;
                  saveState({ logScroll: logScroll.current });
                }}
              />
            )}
            {activeTab === 'output' && <OutputTab step={step} />}
            {activeTab === 'transcript' && <TranscriptTab key={`${step.id}/${step.itemKey}/${step.attempt}`} runId={run.id} step={step} />}
            {activeTab === 'summary' &&
              (step.summaryMarkdown ? (
                <Markdown text={step.summaryMarkdown} testId="run-summary" />
              ) : run.summaryMarkdown ? (
                <Markdown text={run.summaryMarkdown} testId="run-summary" />
              ) : (
                <p className="muted">This step wrote no summary.md.</p>
              ))}
            {activeTab === 'artifacts' && <ArtifactsTab run={run} stepId={step.id} />}
            {activeTab === 'comments' && <CommentsTab run={run} stepId={step.id} draft={commentDraft} onDraft={setCommentDraft} />}
            {activeTab === 'attempts' && <AttemptsTab step={step} />}
            </div>
          </Tabs>
        </section>
      )}
      {confirm?.kind === 'cancel' && (
        <ConfirmDialog
          title="Cancel this run?"
          body={`Running steps of ${run.id} are killed and nothing new starts. You can rerun it later.`}
          confirmLabel="Cancel run"
          testId="run-confirm-cancel"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            ipc().command(RunAction, { runId: run.id, action: 'cancel', stepId: null });
            announce('Cancel requested');
            setConfirm(null);
          }}
        />
      )}
      {confirm?.kind === 'reject' && (
        <ConfirmDialog
          title={`Reject ${confirm.gate.stepId}?`}
          body={confirm.gate.title}
          confirmLabel="Reject"
          withComment
          testId="run-confirm-reject"
          onCancel={() => setConfirm(null)}
          onConfirm={(comment) => {
            void decide(confirm.gate, 'rejected', comment);
            setConfirm(null);
          }}
        />
      )}
    </div>
  );
}

function LogPane(props: { runId: string; step: StepView; initialTopLine: number | null; onScrollLine: (line: number) => void }) {
  const { runId, step, initialTopLine, onScrollLine } = props;
  const logRef = useMemo(() => ({ runId, stepId: step.id, itemKey: step.itemKey, attempt: null }), [runId, step.id, step.itemKey]);
  if (!step.reached) return <p className="muted">This step has not started yet.</p>;
  if (step.foreach) return <p className="muted">This step fans out over {step.foreach.counts.total} items: expand it in the graph and pick an item to see its log.</p>;
  return <LogView logRef={logRef} initialTopLine={initialTopLine} onScrollLine={onScrollLine} />;
}

function renderValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

function KeyValueTable({ values, testId }: { values: Record<string, unknown>; testId: string }) {
  return (
    <table data-testid={testId}>
      <tbody>
        {Object.entries(values).map(([k, v]) => (
          <tr key={k}>
            <th scope="row" className="mono">
              {k}
            </th>
            <td>
              <pre className="value">{renderValue(v)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OutputTab({ step }: { step: StepView }) {
  const [asJson, setAsJson] = useState(false);
  if (!step.outputs || Object.keys(step.outputs).length === 0) return <p className="muted">No outputs recorded.</p>;
  return (
    <div className="tab-stack">
      <div className="row">
        <button type="button" className="toggle" aria-pressed={!asJson} data-testid="run-output-table" onClick={() => setAsJson(false)}>
          Table
        </button>
        <button type="button" className="toggle" aria-pressed={asJson} data-testid="run-output-json" onClick={() => setAsJson(true)}>
          JSON
        </button>
      </div>
      {asJson ? <pre data-testid="run-output-pre">{JSON.stringify(step.outputs, null, 2)}</pre> : <KeyValueTable values={step.outputs} testId="run-outputs" />}
    </div>
  );
}

function TranscriptTab({ runId, step }: { runId: string; step: StepView }) {
  const [view, setView] = useState<TranscriptView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ipc()
      .request(GetTranscript, { runId, stepId: step.id, itemKey: step.itemKey, attempt: null })
      .then(setView, (e: Error) => setError(e.message));
  }, [runId, step.id, step.itemKey]);
  if (error) return <p className="notice error">{error}</p>;
  if (!view) return <p className="muted">Loading transcript…</p>;
  if (view.entries.length === 0) return <p className="muted">No transcript for this attempt.</p>;
  return (
    <div data-testid="run-transcript">
      <p className="muted">
        {view.inputTokens.toLocaleString('en-US')} input tokens · {view.outputTokens.toLocaleString('en-US')} output tokens
        {view.costUsd !== null && ` · ${formatCost(view.costUsd)}`}
      </p>
      <ol className="plain transcript">
        {view.entries.map((e, i) => (
          <li key={i} className={`transcript-entry transcript-${e.kind}`}>
            <div className="row muted">
              <Icon name={e.kind === 'tool_call' ? 'tools' : e.kind === 'tool_result' ? 'output' : e.role === 'user' ? 'account' : 'hubot'} />
              <strong>{e.kind === 'tool_call' ? `Tool call ${e.tool ?? ''}` : e.kind === 'tool_result' ? `Tool result ${e.tool ?? ''}` : (e.role ?? e.kind)}</strong>
              {e.at !== null && <span>{formatTime(e.at)}</span>}
              {(e.inputTokens !== null || e.outputTokens !== null) && (
                <span>
                  {e.inputTokens ?? 0} in / {e.outputTokens ?? 0} out
                </span>
              )}
            </div>
            {e.kind === 'message' || e.kind === 'result' ? <Markdown text={e.text} /> : <pre>{e.text}</pre>}
          </li>
        ))}
      </ol>
    </div>
  );
}

function ArtifactsTab({ run, stepId }: { run: RunDetail; stepId: string }) {
  const [all, setAll] = useState(false);
  const list = run.artifacts.filter((a) => all || a.stepId === stepId);
  return (
    <div className="tab-stack">
      <Checkbox testId="run-artifacts-all" checked={all} onChecked={setAll}>
        Artifacts of all steps
      </Checkbox>
      {list.length === 0 ? (
        <p className="muted">No artifacts.</p>
      ) : (
        <ul className="plain artifacts" data-testid="run-artifacts">
          {list.map((a) => (
            <li key={a.id} className="card artifact">
              <div className="row">
                <Icon name={a.mediaType?.startsWith('image/') ? 'file-media' : 'file'} />
                <strong>{a.name}</strong>
                <span className="muted">
                  {a.mediaType ?? 'file'} {formatBytes(a.sizeBytes)} · {a.stepId ?? 'run'}
                </span>
                <span className="spacer" />
                <Button testId={`run-artifact-open-${a.id}`} secondary icon="go-to-file" onClick={() => ipc().command(OpenArtifact, { runId: run.id, artifactId: a.id })}>
                  Open
                </Button>
              </div>
              {a.previewUri && a.mediaType?.startsWith('image/') && <img className="artifact-preview" src={a.previewUri} alt={a.name} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function CommentsTab({ run, stepId, draft, onDraft }: { run: RunDetail; stepId: string; draft: string; onDraft: (d: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const list = run.comments.filter((c) => c.stepId === stepId || c.stepId === null);
  return (
    <div>
      {list.length === 0 ? (
        <p className="muted">No comments yet.</p>
      ) : (
        <ol className="plain comments" data-testid="run-comments">
          {list.map((c) => (
            <li key={c.id} className="card comment" data-testid={`run-comment-${c.id}`}>
              <div className="row muted">
                <Icon name="account" /> <strong>{c.author}</strong> <span>{formatTime(c.createdAt)}</span>
                {c.stepId === null && <span className="tag">run</span>}
              </div>
              <Markdown text={c.body} />
            </li>
          ))}
        </ol>
      )}
      <form
        className="comment-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const body = draft.trim();
          if (!body) {
            setError('Write something first.');
            return;
          }
          setSending(true);
          setError(null);
          try {
            const reply = await ipc().request(AddComment, { runId: run.id, stepId, body });
            if (reply.ok) {
              onDraft('');
              announce('Comment added');
            } else setError(reply.message);
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setSending(false);
          }
        }}
      >
        <label htmlFor="comment-body">Add a comment on {stepId}</label>
        <TextArea testId="run-comment-input" id="comment-body" className="comment-body" label={`Add a comment on ${stepId}`} value={draft} onValue={onDraft} />
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <Button testId="run-comment-add" type="submit" icon="comment" disabled={sending}>
          Add comment
        </Button>
      </form>
    </div>
  );
}

function AttemptsTab({ step }: { step: StepView }) {
  if (step.attempts.length === 0) return <p className="muted">No attempt yet.</p>;
  return (
    <table data-testid="run-attempts">
      <thead>
        <tr>
          <th>#</th>
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Exit</th>
          <th>Cost</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {step.attempts.map((a) => (
          <tr key={a.number} data-testid={`run-attempt-${a.number}`}>
            <td>{a.number}</td>
            <td>
              <StatusBadge status={a.status} />
            </td>
            <td>{formatTime(a.startedAt)}</td>
            <td>{elapsed(a.startedAt, a.finishedAt, Date.now())}</td>
            <td>{a.exitCode ?? ''}</td>
            <td>{formatCost(a.costUsd) ?? ''}</td>
            <td className="error-text">{a.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export { slug };
