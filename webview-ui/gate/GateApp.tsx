/**
 * Gate approval dialog (an editor-tab webview): the message, the requesting step, upstream
 * outputs with their attempt and time, artifacts, approvers, the countdown and what happens on
 * timeout, the gate's form, Approve / Reject with a comment. Focus starts on the heading, Escape
 * closes without deciding, and a decision made elsewhere turns the dialog into "Approved by …".
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  CloseGateDialog,
  DecideGate,
  DidChange,
  GateReady,
  OpenArtifact,
  OpenRun,
  PROTOCOL_VERSION,
  type ChangeSet,
  type GateView,
  type PanelContext,
} from '../../src/shared/protocol';
import { formatBytes, formatDuration, formatTime } from '../shared/format';
import { createFrameCoalescer, ipc, panelContext, saveState, savedState } from '../shared/host';
import { Button, Loading, TextArea } from '../shared/elements';
import { announce } from '../shared/liveRegion';
import { Markdown } from '../shared/markdown';
import { SchemaForm, fieldLabel, formErrors, type FormValues } from '../shared/SchemaForm';
import { Icon } from '../shared/status';

interface GatePanelState {
  context: PanelContext;
  lastEventId: number | null;
  cachedGate: GateView | null;
  formDraft: FormValues;
  commentDraft: string;
}

const ON_TIMEOUT_TEXT = {
  proceed: 'the run proceeds as if nobody objected (recorded as a timeout, not an approval)',
  cancel: 'the run is cancelled',
  escalate: 'the gate is escalated and keeps waiting for a decision',
} as const;

const DECISION_TEXT = { approved: 'Approved', rejected: 'Rejected', timed_out: 'Timed out', cancelled: 'Cancelled' } as const;

export function GateApp() {
  const initial = useMemo(() => savedState<GatePanelState>(), []);
  const context = useMemo(() => panelContext<Extract<PanelContext, { panel: 'gate' }>>('gate'), []);
  const cached = initial.cachedGate?.id === context.gateId ? initial.cachedGate : null;
  const [gate, setGate] = useState<GateView | null>(cached);
  const [error, setError] = useState<string | null>(null);
  const [values, setValues] = useState<FormValues>(initial.formDraft ?? {});
  const [comment, setComment] = useState(initial.commentDraft ?? '');
  const [sending, setSending] = useState(false);
  const [replyError, setReplyError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const lastEventRef = useRef<number | null>(cached ? (initial.lastEventId ?? null) : null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  const accept = useCallback((incoming: GateView) => {
    setGate((prev) => {
      if (prev && prev.revision > incoming.revision) return prev;
      if (incoming.decision && !prev?.decision) {
        const d = incoming.decision;
        announce(`${DECISION_TEXT[d.decision]}${d.by ? ` by ${d.by}` : ''} at ${formatTime(d.at)}`);
      }
      return incoming;
    });
  }, []);

  useEffect(() => {
    const push = createFrameCoalescer<ChangeSet>((batch) => {
      for (const change of batch) {
        for (const g of change.gates ?? []) if (g.id === context.gateId) accept(g);
        lastEventRef.current = Math.max(lastEventRef.current ?? 0, change.lastEventId);
      }
    });
    const off = ipc().on(DidChange, push);
    ipc()
      .request(GateReady, { protocol: PROTOCOL_VERSION, gateId: context.gateId, lastEventId: lastEventRef.current })
      .then(
        (reply) => {
          if (reply.kind === 'snapshot') {
            lastEventRef.current = reply.snapshot.lastEventId;
            accept(reply.snapshot.gate);
          } else push(reply.changes);
        },
        (e: Error) => setError(e.message),
      );
    return off;
  }, [accept, context.gateId]);

  useEffect(() => {
    saveState({ context, lastEventId: lastEventRef.current, cachedGate: gate, formDraft: values, commentDraft: comment });
  }, [context, gate, values, comment]);

  // Focus lands on the heading, never on Approve: nobody approves by pressing Enter by accident.
  const gateLoaded = gate !== null;
  useLayoutEffect(() => {
    if (gateLoaded) heading.current?.focus();
  }, [gateLoaded]);

  // Escape closes the dialog without deciding. Listened to while capturing: vscode-single-select
  // swallows Escape even when its list is closed; only an open list keeps it (to close the list).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const target = e.target as (Element & { open?: boolean }) | null;
      if (target?.localName === 'vscode-single-select' && target.open === true) return;
      e.preventDefault();
      ipc().command(CloseGateDialog, { gateId: context.gateId });
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [context.gateId]);

  const errors = useMemo(() => (gate?.formSchema ? formErrors(gate.formSchema, values) : []), [gate?.formSchema, values]);

  const decide = async (decision: 'approved' | 'rejected') => {
    if (!gate) return;
    setSending(true);
    setReplyError(null);
    try {
      const reply = await ipc().request(DecideGate, { gateId: gate.id, decision, comment, formInputs: decision === 'approved' ? values : {} });
      if (reply.ok) {
        accept(reply.gate);
        setComment('');
      } else {
        setReplyError(reply.message);
        if (reply.gate) accept(reply.gate);
        announce(reply.message);
      }
    } catch (e) {
      setReplyError((e as Error).message);
    } finally {
      setSending(false);
    }
  };

  if (error) {
    return (
      <p className="notice error section" role="alert">
        Could not load the gate: {error}
      </p>
    );
  }
  if (!gate) return <Loading text="Loading gate…" testId="gate-loading" />;

  const label = `${gate.stepId}${gate.itemKey !== null ? ` [${gate.itemKey}]` : ''}`;
  const decided = gate.decision;
  const remaining = gate.dueAt !== null ? gate.dueAt - now : null;
  const approveBlocked = errors.length > 0;
  const reason = !gate.canDecide
    ? `Only ${gate.approvers.join(', ')} can decide this gate.`
    : approveBlocked
      ? `Approve is disabled: ${errors.map((e) => (e.message === 'is required' ? `fill in ${fieldLabel(gate.formSchema!, e.field)}` : `${fieldLabel(gate.formSchema!, e.field)} ${e.message}`)).join('; ')}`
      : null;

  return (
    <main className="gate" aria-labelledby="gate-title">
      <header className="panel-header">
        <h1 id="gate-title" ref={heading} tabIndex={-1} data-testid="gate-title">
          <Icon name="shield" /> Approval needed: {label}
        </h1>
        <p className="muted">
          Run{' '}
          <button type="button" className="text-link" data-testid="gate-open-run" onClick={() => ipc().command(OpenRun, { runId: gate.runId, stepId: gate.stepId })}>
            {gate.templateName} {gate.runId}
          </button>{' '}
          · requested {formatTime(gate.requestedAt)} by step <span className="mono">{label}</span>
        </p>
      </header>
      <div className="section gate-body">
        {decided ? (
          <p className={`notice ${decided.decision === 'approved' ? 'info' : 'error'}`} data-testid="gate-decision" role="status">
            <Icon name={decided.decision === 'approved' ? 'pass-filled' : decided.decision === 'rejected' ? 'error' : 'watch'} /> {DECISION_TEXT[decided.decision]}
            {decided.by ? ` by ${decided.by}` : ''} at {formatTime(decided.at)}
            {decided.comment ? ` — “${decided.comment}”` : ''}
          </p>
        ) : (
          <p className="gate-countdown" data-testid="gate-countdown">
            <Icon name="watch" />{' '}
            {remaining === null
              ? 'No timeout: the run waits until someone decides.'
              : remaining > 0
                ? `Times out in ${formatDuration(remaining)} (at ${formatTime(gate.dueAt!)}); then ${ON_TIMEOUT_TEXT[gate.onTimeout]}.`
                : `Timeout passed; ${ON_TIMEOUT_TEXT[gate.onTimeout]}.`}
            {gate.escalated && <strong> Escalated.</strong>}
          </p>
        )}
        <section aria-labelledby="gate-message-title">
          <h2 id="gate-message-title">Message</h2>
          <Markdown text={gate.messageMarkdown} testId="gate-message" />
        </section>
        <section aria-labelledby="gate-approvers-title">
          <h2 id="gate-approvers-title">Approvers</h2>
          <p data-testid="gate-approvers">{gate.approvers.length ? gate.approvers.join(', ') : 'Anyone with access to this workspace'}</p>
        </section>
        {gate.upstream.length > 0 && (
          <section aria-labelledby="gate-upstream-title">
            <h2 id="gate-upstream-title">Upstream outputs</h2>
            {gate.upstream.map((u) => (
              <div key={`${u.stepId}/${u.itemKey ?? ''}`} className="card upstream" data-testid={`gate-upstream-${u.stepId}`}>
                <div className="row">
                  <strong className="mono">
                    {u.stepId}
                    {u.itemKey !== null ? ` [${u.itemKey}]` : ''}
                  </strong>
                  <span className="muted" data-testid={`gate-upstream-meta-${u.stepId}`}>
                    attempt {u.attempt}
                    {u.finishedAt !== null ? ` · finished ${formatTime(u.finishedAt)}` : ''}
                  </span>
                </div>
                <table>
                  <tbody>
                    {Object.entries(u.outputs).map(([k, v]) => (
                      <tr key={k}>
                        <th scope="row" className="mono">
                          {k}
                        </th>
                        <td>
                          <pre className="value">{typeof v === 'string' ? v : JSON.stringify(v, null, 2)}</pre>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </section>
        )}
        {gate.artifacts.length > 0 && (
          <section aria-labelledby="gate-artifacts-title">
            <h2 id="gate-artifacts-title">Artifacts</h2>
            <ul className="plain">
              {gate.artifacts.map((a) => (
                <li key={a.id} className="row">
                  <Icon name="file" /> {a.name} <span className="muted">{formatBytes(a.sizeBytes)}</span>
                  <Button testId={`gate-artifact-open-${a.id}`} secondary icon="go-to-file" onClick={() => ipc().command(OpenArtifact, { runId: gate.runId, artifactId: a.id })}>
                    Open
                  </Button>
                  {a.previewUri && a.mediaType?.startsWith('image/') && <img className="artifact-preview" src={a.previewUri} alt={a.name} />}
                </li>
              ))}
            </ul>
          </section>
        )}
        {!decided && (
          <section aria-labelledby="gate-decide-title" className="gate-decide">
            <h2 id="gate-decide-title">Decision</h2>
            {gate.formSchema && Object.keys(gate.formSchema.properties).length > 0 && (
              <SchemaForm
                schema={gate.formSchema}
                values={values}
                onChange={setValues}
                onSubmit={() => {}}
                liveValidate={Object.keys(values).length > 0}
                disabled={!gate.canDecide}
                testIdPrefix="gate-input"
                formId="gate-form"
              />
            )}
            <label htmlFor="gate-comment">Comment (a rejection's comment is given to the next attempt)</label>
            <TextArea
              testId="gate-comment"
              id="gate-comment"
              className="gate-comment"
              label="Comment (a rejection's comment is given to the next attempt)"
              value={comment}
              onValue={setComment}
              disabled={!gate.canDecide}
            />
            {replyError && (
              <p className="error-text" role="alert" data-testid="gate-reply-error">
                {replyError}
              </p>
            )}
            <div className="row">
              <Button
                testId="gate-approve"
                icon="check"
                disabled={!gate.canDecide || approveBlocked || sending}
                describedBy={reason ? 'gate-approve-reason' : undefined}
                onClick={() => void decide('approved')}
              >
                Approve
              </Button>
              <Button testId="gate-reject" secondary icon="close" disabled={!gate.canDecide || sending} onClick={() => void decide('rejected')}>
                Reject
              </Button>
              <Button testId="gate-close" secondary onClick={() => ipc().command(CloseGateDialog, { gateId: gate.id })}>
                Close (Esc)
              </Button>
            </div>
            {reason && (
              <p id="gate-approve-reason" className="muted" data-testid="gate-approve-reason">
                {reason}
              </p>
            )}
          </section>
        )}
      </div>
    </main>
  );
}
