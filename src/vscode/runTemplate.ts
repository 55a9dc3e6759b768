/**
 * "Baton: Run Workflow Template": pick a template (grouped by category), fill its inputs, start
 * the run in the folder's database, and follow it with a progress notification that a click on
 * Cancel turns into a durable cancel. Its failure is notified like any run's (runFailures.ts).
 */
import * as vscode from 'vscode';
import { isRunFinished, type JsonValue, type RunRecord } from '../core/model';
import { instantiate } from '../core/template';
import type { LoadedTemplate } from '../core/template/types';
import type { BatonContainer } from './container';
import type { FolderRuntime } from './folderRuntime';
import { collectInputs } from './inputForm';
import type { TemplatesNode } from './templatesTree';
import type { BatonFolder } from './workspaceFolders';

interface TemplateChoice {
  folder: BatonFolder;
  template: LoadedTemplate;
}

/** Refuses with an explanation in an untrusted workspace; true when runs may start. */
export function ensureTrustedForRuns(): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  // Not awaited: the command returns at once; the button works whenever the user clicks it.
  void vscode.window
    .showWarningMessage(
      'Baton does not start runs in an untrusted workspace: templates run scripts and agents with your permissions. Trust this workspace to run templates.',
      manage,
    )
    .then((answer) => answer === manage && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

async function pickTemplate(container: BatonContainer): Promise<TemplateChoice | undefined> {
  const folders = await container.templates.ready();
  const choices = folders.flatMap((entry) => entry.registry.list({ trigger: 'manual' }).map((template) => ({ folder: entry.folder, template })));
  if (choices.length === 0) {
    const create = 'New Template';
    const answer = await vscode.window.showInformationMessage('Baton: no templates yet in .baton/templates.', create);
    if (answer === create) await vscode.commands.executeCommand('baton.newTemplate');
    return undefined;
  }
  const byCategory = new Map<string, TemplateChoice[]>();
  for (const choice of choices) {
    const category = choice.template.definition.category ?? 'other';
    byCategory.set(category, [...(byCategory.get(category) ?? []), choice]);
  }
  type Item = vscode.QuickPickItem & { choice?: TemplateChoice };
  const items: Item[] = [];
  for (const category of [...byCategory.keys()].sort()) {
    items.push({ label: category, kind: vscode.QuickPickItemKind.Separator });
    for (const choice of byCategory.get(category)!) {
      const { definition } = choice.template;
      items.push({
        label: definition.name,
        description: folders.length > 1 ? `${definition.id} · ${choice.folder.folder.name}` : definition.id,
        detail: definition.description,
        choice,
      });
    }
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Baton: Run Workflow Template',
    placeHolder: 'Template to run',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.choice;
}

async function templateFromArg(container: BatonContainer, arg: unknown): Promise<TemplateChoice | undefined> {
  const node = arg as TemplatesNode | undefined;
  if (node && typeof node === 'object' && 'kind' in node && node.kind === 'template') return { folder: node.entry.folder, template: node.template };
  if (typeof arg === 'string') {
    const found = await container.templates.find(arg);
    if (!found) throw new Error(`no template "${arg}" in .baton/templates`);
    return found;
  }
  return pickTemplate(container);
}

/**
 * Starts a run. From the palette it asks for everything; `arg` may be a template id or a
 * Templates-view node, and `presetInputs` skips the form (scripts and tests).
 */
export async function runTemplate(container: BatonContainer, arg?: unknown, presetInputs?: unknown): Promise<RunRecord | undefined> {
  if (!ensureTrustedForRuns()) return undefined;
  const choice = await templateFromArg(container, arg);
  if (!choice) return undefined;
  const { definition } = choice.template;
  let inputs: Record<string, JsonValue> | undefined;
  if (presetInputs && typeof presetInputs === 'object') inputs = presetInputs as Record<string, JsonValue>;
  else if (Object.keys(definition.inputs.properties).length === 0) inputs = {};
  else inputs = await collectInputs(definition.inputs, `Run ${definition.name}`);
  if (!inputs) return undefined;
  const checked = instantiate(definition, inputs);
  const runtime = container.runtimes.get(choice.folder, { create: true })!;
  const run = runtime.engine.startRun(definition, { inputs: checked, trigger: { kind: 'manual' } });
  container.log.info(`started run ${run.id} of ${definition.id}`);
  void followRun(container, runtime, run);
  return run;
}

/** Progress notification until the run finishes or waits for a gate; Cancel cancels the run. */
async function followRun(container: BatonContainer, runtime: FolderRuntime, started: RunRecord): Promise<void> {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Baton: ${started.templateName}`, cancellable: true },
    (progress, token) =>
      new Promise<RunRecord | undefined>((resolve) => {
        let lastMessage = '';
        const shownTerminals = new Set<number>();
        const check = () => {
          let detail;
          try {
            detail = runtime.engine.getRun(started.id);
          } catch {
            finish(undefined);
            return;
          }
          const { run, steps } = detail;
          const top = steps.filter((s) => s.parentRowId === null);
          const done = top.filter((s) => ['succeeded', 'failed', 'skipped', 'cancelled'].includes(s.status)).length;
          const active = top.filter((s) => s.status === 'running').map((s) => s.stepId);
          // Each step of a run started here gets its terminal as it starts (focus stays put).
          for (const step of steps) {
            if (step.status !== 'running' || shownTerminals.has(step.id) || (step.kind !== 'run' && step.kind !== 'agent')) continue;
            shownTerminals.add(step.id);
            container.terminals.show(runtime, { runId: step.runId, stepId: step.stepId, itemKey: step.itemKey }, { preserveFocus: true });
          }
          const message = `${done}/${top.length} steps${active.length ? ` · running ${active.join(', ')}` : ''}`;
          if (message !== lastMessage) {
            progress.report({ message });
            lastMessage = message;
          }
          if (isRunFinished(run.status) || run.status === 'waiting' || run.status === 'paused') finish(run);
        };
        const subscription = container.runtimes.onDidChange(check);
        const cancel = token.onCancellationRequested(() => {
          try {
            runtime.engine.cancelRun(started.id, { reason: 'cancelled from the progress notification' });
          } catch (error) {
            container.log.warn(`cancel ${started.id} failed`, error);
          }
        });
        function finish(run: RunRecord | undefined) {
          subscription.dispose();
          cancel.dispose();
          resolve(run);
        }
        check();
      }),
  );
  // A failure is notified by RunFailureNotifier, as for runs started anywhere else.
}
