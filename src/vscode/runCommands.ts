/**
 * Run lifecycle commands: Cancel, Pause, Resume, Retry, Retry From Step, Rerun. Each takes the
 * tree node it was invoked on, or asks with a QuickPick of the runs it applies to when run from
 * the palette. A run id string works too (scripts and tests).
 */
import * as vscode from 'vscode';
import type { RunRecord, RunStatus } from '../core/model';
import type { BatonContainer } from './container';
import type { FolderRuntime } from './folderRuntime';
import { formatAgo } from './format';
import { currentUser } from './identity';
import type { RunsNode } from './runsTree';
import { statusIconId } from './statusIcons';

export interface RunTarget {
  runtime: FolderRuntime;
  run: RunRecord;
  /** Set when invoked on a step node. */
  stepId?: string;
}

/** Statuses each command applies to (mirrors the engine's transition rules). */
export const APPLICABLE: Record<'cancel' | 'pause' | 'resume' | 'retry' | 'rerun', readonly RunStatus[]> = {
  cancel: ['pending', 'running', 'waiting', 'paused'],
  pause: ['pending', 'running', 'waiting'],
  resume: ['paused', 'failed', 'cancelled'],
  retry: ['failed', 'cancelled', 'paused'],
  rerun: ['succeeded', 'failed', 'cancelled'],
};

/** The run a command acts on: from a tree node, a run id, or a QuickPick. */
export async function resolveRunTarget(container: BatonContainer, arg: unknown, statuses: readonly RunStatus[], verb: string): Promise<RunTarget | undefined> {
  const node = arg as RunsNode | undefined;
  if (node && typeof node === 'object' && 'kind' in node && (node.kind === 'run' || node.kind === 'step')) {
    const run = node.runtime.engine.getRun(node.run.id).run;
    return { runtime: node.runtime, run, ...(node.kind === 'step' ? { stepId: node.step.stepId } : {}) };
  }
  const candidates: RunTarget[] = [];
  for (const runtime of container.runtimes.open()) {
    for (const run of runtime.engine.listRuns({ status: statuses, limit: 100 })) {
      if (typeof arg === 'string' && run.id !== arg) continue;
      candidates.push({ runtime, run });
    }
  }
  if (typeof arg === 'string') {
    if (candidates[0]) return candidates[0];
    throw new Error(`no run ${arg} that can be ${verb} (it must be ${statuses.join(', ')})`);
  }
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Baton: no run to ${verb} (runs must be ${statuses.join(', ')}).`);
    return undefined;
  }
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    candidates.map((target) => ({
      label: `$(${statusIconId(target.run.status)}) ${target.run.templateName}`,
      description: `${target.run.status} · ${formatAgo(target.run.createdAt, now)}`,
      detail: target.run.id,
      target,
    })),
    { title: `Baton: ${verb} run`, placeHolder: `Run to ${verb}` },
  );
  return picked?.target;
}

type RunAction = (container: BatonContainer, arg: unknown) => Promise<RunRecord | undefined>;

function lifecycle(verb: string, statuses: readonly RunStatus[], act: (target: RunTarget, by: string) => RunRecord): RunAction {
  return async (container, arg) => {
    const target = await resolveRunTarget(container, arg, statuses, verb);
    if (!target) return undefined;
    const result = act(target, currentUser());
    container.log.info(`${verb} run ${target.run.id}`);
    return result;
  };
}

export const cancelRun = lifecycle('cancel', APPLICABLE.cancel, (t, by) => t.runtime.engine.cancelRun(t.run.id, { by, reason: `cancelled by ${by}` }));
export const pauseRun = lifecycle('pause', APPLICABLE.pause, (t, by) => t.runtime.engine.pauseRun(t.run.id, { by }));
export const resumeRun = lifecycle('resume', APPLICABLE.resume, (t, by) => t.runtime.engine.resumeRun(t.run.id, { by }));
export const retryRun = lifecycle('retry', APPLICABLE.retry, (t, by) => t.runtime.engine.retryRun(t.run.id, { by }));
export const rerun = lifecycle('rerun', APPLICABLE.rerun, (t) => t.runtime.engine.rerun(t.run.id));

/** Retry From Step: that step and everything after it run again; earlier outputs are kept. */
export async function retryFromStep(container: BatonContainer, arg: unknown, stepArg?: unknown): Promise<RunRecord | undefined> {
  const target = await resolveRunTarget(container, arg, ['failed', 'cancelled', 'succeeded', 'paused'], 'retry from a step');
  if (!target) return undefined;
  let stepId = typeof stepArg === 'string' ? stepArg : target.stepId;
  if (!stepId) {
    const steps = target.runtime.engine.getRun(target.run.id).steps.filter((s) => s.parentRowId === null);
    const picked = await vscode.window.showQuickPick(
      steps.map((s) => ({ label: `$(${statusIconId(s.status)}) ${s.stepId}`, description: s.status, stepId: s.stepId })),
      { title: 'Baton: Retry From Step', placeHolder: 'Step to run again (with everything after it)' },
    );
    stepId = picked?.stepId;
  }
  if (!stepId) return undefined;
  return target.runtime.engine.retryRun(target.run.id, { fromStep: stepId, by: currentUser() });
}
