/** "Baton: Open Agent Transcript": opens the session transcript an agent step recorded. */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { BatonContainer } from './container';
import { resolveRunTarget } from './runCommands';
import type { RunsNode } from './runsTree';

const ANY_STATUS = ['pending', 'running', 'waiting', 'paused', 'succeeded', 'failed', 'cancelled'] as const;

export async function openAgentTranscript(container: BatonContainer, arg?: unknown, stepArg?: unknown): Promise<vscode.TextEditor | undefined> {
  const node = arg as RunsNode | undefined;
  let path: string | null | undefined;
  if (node && typeof node === 'object' && 'kind' in node && node.kind === 'step') {
    path = node.runtime.opened.store.getStep(node.step.id)?.transcriptPath;
  } else {
    const target = await resolveRunTarget(container, arg, ANY_STATUS, 'open an agent transcript of');
    if (!target) return undefined;
    const agentSteps = target.runtime.engine.getRun(target.run.id).steps.filter((s) => s.kind === 'agent' && s.transcriptPath);
    const chosen =
      typeof stepArg === 'string'
        ? agentSteps.find((s) => s.stepId === stepArg)
        : agentSteps.length === 1
          ? agentSteps[0]
          : (await vscode.window.showQuickPick(agentSteps.map((s) => ({ label: s.stepId, description: s.status, step: s })), { title: 'Baton: Open Agent Transcript' }))?.step;
    path = chosen?.transcriptPath;
    if (!chosen && agentSteps.length === 0) {
      void vscode.window.showInformationMessage('Baton: no agent step of this run has recorded a transcript.');
      return undefined;
    }
  }
  if (!path) return undefined;
  if (!existsSync(path)) throw new Error(`the transcript ${path} no longer exists`);
  return vscode.window.showTextDocument(vscode.Uri.file(path), { preview: true });
}
