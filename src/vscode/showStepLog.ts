/** "Baton: Show Step Log": the step's terminal (live while it runs, its log once finished). */
import * as vscode from 'vscode';
import type { BatonContainer } from './container';
import { resolveRunTarget } from './runCommands';
import type { RunsNode } from './runsTree';
import { statusIconId } from './statusIcons';
import type { StepRef } from './stepTerminal';

const ANY_STATUS = ['pending', 'running', 'waiting', 'paused', 'succeeded', 'failed', 'cancelled'] as const;

export async function showStepLog(container: BatonContainer, arg?: unknown): Promise<vscode.Terminal | undefined> {
  const node = arg as RunsNode | undefined;
  if (node && typeof node === 'object' && 'kind' in node && node.kind === 'step') {
    return container.terminals.show(node.runtime, { runId: node.run.id, stepId: node.step.stepId, itemKey: node.step.itemKey });
  }
  const scripted = arg as Partial<StepRef> | undefined;
  const target = await resolveRunTarget(container, typeof scripted?.runId === 'string' ? scripted.runId : arg, ANY_STATUS, 'show a step log of');
  if (!target) return undefined;
  let step: StepRef | undefined;
  if (typeof scripted?.stepId === 'string') {
    step = { runId: target.run.id, stepId: scripted.stepId, itemKey: scripted.itemKey ?? null };
  } else {
    const rows = target.runtime.engine.getRun(target.run.id).steps;
    const picked = await vscode.window.showQuickPick(
      rows.map((s) => ({
        label: `$(${statusIconId(s.status)}) ${s.stepId}${s.itemKey !== null ? ` [${s.itemKey}]` : ''}`,
        description: s.status,
        step: { runId: s.runId, stepId: s.stepId, itemKey: s.itemKey },
      })),
      { title: 'Baton: Show Step Log', placeHolder: 'Step' },
    );
    step = picked?.step;
  }
  return step ? container.terminals.show(target.runtime, step) : undefined;
}
