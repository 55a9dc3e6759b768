/**
 * Gates: a waiting gate raises one notification per window with Approve / Reject / Review (the
 * gate dialog, with upstream outputs and the form) / Open (the run in the Runs view), which goes
 * away once the gate is decided anywhere (closableNotification.ts explains how).
 * Approving asks for a comment and the gate's form; rejecting asks why. The engine checks the
 * approver list against `baton.user` (default: the OS user) and stores exactly one decision.
 */
import * as vscode from 'vscode';
import { EventType, isStepFinished, type GateRecord, type JsonValue } from '../core/model';
import type { TemplateInputs } from '../core/template/types';
import type { BatonContainer } from './container';
import type { FolderRuntime } from './folderRuntime';
import { currentUser } from './identity';
import { collectInputs } from './inputForm';
import type { RunsNode } from './runsTree';
import { userMessage } from './userMessage';

export interface GateTarget {
  runtime: FolderRuntime;
  gate: GateRecord;
}

/** Scripted decision (tests, other extensions): skips the prompts. */
export interface GateDecisionArgs {
  runId: string;
  stepId: string;
  itemKey?: string;
  comment?: string;
  inputs?: Record<string, JsonValue>;
  /** Ask for the comment and form anyway (the notification's buttons). */
  interactive?: boolean;
}

function isDecisionArgs(arg: unknown): arg is GateDecisionArgs {
  return typeof arg === 'object' && arg !== null && typeof (arg as GateDecisionArgs).runId === 'string' && typeof (arg as GateDecisionArgs).stepId === 'string';
}

/**
 * Undecided gates whose step is not finished: a gate step waits, an agent's request_approval
 * belongs to a step that keeps running; a cancelled run leaves its gate undecided.
 */
function openGates(container: BatonContainer): GateTarget[] {
  return container.runtimes.open().flatMap(openGatesOf);
}

function openGatesOf(runtime: FolderRuntime): GateTarget[] {
  return runtime.engine
    .listOpenGates()
    .filter((gate) => {
      const step = runtime.opened.store.getStep(gate.stepRowId);
      return step !== undefined && !isStepFinished(step.status);
    })
    .map((gate) => ({ runtime, gate }));
}

async function resolveGate(container: BatonContainer, arg: unknown, verb: string): Promise<GateTarget | undefined> {
  const gates = openGates(container);
  const node = arg as RunsNode | undefined;
  if (node && typeof node === 'object' && 'kind' in node && node.kind === 'step') {
    const found = gates.find((g) => g.gate.runId === node.run.id && g.gate.stepRowId === node.step.id);
    if (!found) throw new Error(`step ${node.step.stepId} is not waiting for a decision`);
    return found;
  }
  if (isDecisionArgs(arg)) {
    const found = gates.find((g) => g.gate.runId === arg.runId && g.gate.stepId === arg.stepId && (g.gate.itemKey ?? undefined) === arg.itemKey);
    if (!found) throw new Error(`no gate ${arg.stepId} waiting in run ${arg.runId}`);
    return found;
  }
  if (gates.length === 0) {
    void vscode.window.showInformationMessage('Baton: no gate is waiting for a decision.');
    return undefined;
  }
  if (gates.length === 1) return gates[0];
  const picked = await vscode.window.showQuickPick(
    gates.map((target) => ({ label: target.gate.message, description: `${target.gate.stepId} · ${target.gate.runId}`, target })),
    { title: `Baton: ${verb} Gate`, placeHolder: 'Gate to decide' },
  );
  return picked?.target;
}

/** Approve: comment (optional) and the gate's form, then one recorded decision. */
export async function approveGate(container: BatonContainer, arg?: unknown): Promise<GateRecord | undefined> {
  const target = await resolveGate(container, arg, 'Approve');
  if (!target) return undefined;
  const { gate } = target;
  let comment: string | undefined;
  let inputs: Record<string, JsonValue> | undefined;
  if (isDecisionArgs(arg) && !arg.interactive) {
    comment = arg.comment;
    inputs = arg.inputs;
  } else {
    comment = await vscode.window.showInputBox({ title: `Approve: ${gate.message}`, prompt: 'Comment (optional)', ignoreFocusOut: true });
    if (comment === undefined) return undefined;
    const form = gate.form as TemplateInputs | null;
    if (form && Object.keys(form.properties ?? {}).length > 0) {
      inputs = await collectInputs({ properties: form.properties, required: form.required ?? [] }, `Approve: ${gate.message}`);
      if (!inputs) return undefined;
    }
  }
  return target.runtime.engine.decideGate(gate.runId, gate.stepId, {
    decision: 'approve',
    by: currentUser(),
    ...(comment ? { comment } : {}),
    ...(inputs ? { inputs } : {}),
    ...(gate.itemKey !== null ? { itemKey: gate.itemKey } : {}),
  });
}

/** Reject: asks why (recorded with the decision and as a comment on the run). */
export async function rejectGate(container: BatonContainer, arg?: unknown): Promise<GateRecord | undefined> {
  const target = await resolveGate(container, arg, 'Reject');
  if (!target) return undefined;
  const { gate } = target;
  const comment =
    isDecisionArgs(arg) && !arg.interactive
    ? arg.comment
    : await vscode.window.showInputBox({
        title: `Reject: ${gate.message}`,
        prompt: 'Why? (recorded with the run)',
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() ? undefined : 'Say why, so the run records it'),
      });
  if (comment === undefined) return undefined;
  return target.runtime.engine.decideGate(gate.runId, gate.stepId, {
    decision: 'reject',
    by: currentUser(),
    comment,
    ...(gate.itemKey !== null ? { itemKey: gate.itemKey } : {}),
  });
}

/**
 * Raises one notification per newly waiting gate and closes it once the gate is no longer
 * waiting, wherever it was decided (here, the CLI, another window, an agent, a timeout).
 * A folder's open gates are read when its database opens and again only when its event feed
 * brings a `gate.requested` (every new gate comes with one) or an event of a run whose gate is
 * shown (a gate stops waiting only through its run: decided, timed out, cancelled, retried).
 */
export class GateNotifier implements vscode.Disposable {
  /** Shown notifications by database#gate id. */
  private readonly shown = new Map<string, { runtime: FolderRuntime; runId: string; notification: vscode.Disposable }>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly container: BatonContainer) {
    const { runtimes } = container;
    this.subscriptions = [
      runtimes.onDidOpenRuntime((runtime) => this.check(runtime)),
      runtimes.onDidReceiveEvents(({ runtime, batch }) => {
        const shownRuns = new Set([...this.shown.values()].filter((s) => s.runtime === runtime).map((s) => s.runId));
        if (batch.events.some((e) => e.type === EventType.GateRequested || shownRuns.has(e.runId))) this.check(runtime);
      }),
      // A folder removed from the workspace takes its notifications with it.
      runtimes.onDidCloseRuntime((runtime) => {
        for (const [key, shown] of this.shown) if (shown.runtime === runtime) this.close(key);
      }),
    ];
    for (const runtime of runtimes.current()) this.check(runtime);
  }

  /** Brings the notifications of one folder in line with its open gates. */
  private check(runtime: FolderRuntime): void {
    let gates: GateTarget[];
    try {
      gates = openGatesOf(runtime);
    } catch (error) {
      this.container.log.warn(`reading the gates of ${runtime.folder.databasePath} failed`, error);
      return;
    }
    const waiting = new Set<string>();
    for (const target of gates) {
      const key = `${runtime.folder.databasePath}#${target.gate.id}`;
      waiting.add(key);
      if (this.shown.has(key)) continue;
      this.shown.set(key, { runtime, runId: target.gate.runId, notification: this.notify(target) });
    }
    for (const [key, shown] of this.shown) if (shown.runtime === runtime && !waiting.has(key)) this.close(key);
  }

  private close(key: string): void {
    this.shown.get(key)?.notification.dispose();
    this.shown.delete(key);
  }

  private notify(target: GateTarget): vscode.Disposable {
    const { gate } = target;
    const run = target.runtime.engine.getRun(gate.runId).run;
    const approvers = gate.approvers.length > 0 ? ` (approvers: ${gate.approvers.join(', ')})` : '';
    return this.container.notifications.show(
      (answer) => void this.answer(target, answer),
      `Baton: ${run.templateName} is waiting for approval — ${gate.message}${approvers}`,
      'Approve',
      'Reject',
      'Review',
      'Open',
    );
  }

  private async answer(target: GateTarget, answer: string): Promise<void> {
    const { gate } = target;
    const scripted: GateDecisionArgs = { runId: gate.runId, stepId: gate.stepId, ...(gate.itemKey !== null ? { itemKey: gate.itemKey } : {}) };
    try {
      if (answer === 'Approve') await approveGate(this.container, { ...scripted, interactive: true });
      else if (answer === 'Reject') await rejectGate(this.container, { ...scripted, interactive: true });
      else if (answer === 'Review') this.container.webviews.openGate(target.runtime.folder, gate.id);
      else if (answer === 'Open') await this.container.revealRun(target.runtime, gate.runId);
    } catch (error) {
      void vscode.window.showErrorMessage(`Baton: ${userMessage(error)}`);
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const key of [...this.shown.keys()]) this.close(key);
  }
}
