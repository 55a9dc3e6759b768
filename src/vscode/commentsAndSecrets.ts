/**
 * Add Comment (to a run or one of its steps) and the secret commands: secrets live in VS Code's
 * SecretStorage under `baton.secret.<NAME>` and reach templates as `${{ secrets.NAME }}`; the
 * names (never the values) are remembered so Clear Secret can offer them.
 */
import * as vscode from 'vscode';
import type { CommentRecord } from '../core/model';
import type { BatonContainer } from './container';
import { currentUser } from './identity';
import { webhookSecretName } from '../triggers';
import { resolveRunTarget } from './runCommands';

const ANY_STATUS = ['pending', 'running', 'waiting', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAMES_KEY = 'baton.secretNames';

export async function addComment(container: BatonContainer, arg?: unknown): Promise<CommentRecord | undefined> {
  const scripted = arg as { runId?: unknown; body?: unknown; stepId?: unknown } | undefined;
  const target = await resolveRunTarget(container, typeof scripted?.runId === 'string' ? scripted.runId : arg, ANY_STATUS, 'comment on');
  if (!target) return undefined;
  const stepId = typeof scripted?.stepId === 'string' ? scripted.stepId : target.stepId;
  const body =
    typeof scripted?.body === 'string'
      ? scripted.body
      : await vscode.window.showInputBox({
          title: `Comment on ${target.run.templateName}${stepId ? ` › ${stepId}` : ''}`,
          prompt: 'Recorded with the run, visible in the CLI and the run history',
          validateInput: (value) => (value.trim() ? undefined : 'Write something'),
        });
  if (!body?.trim()) return undefined;
  return target.runtime.engine.addComment(target.run.id, { author: currentUser(), body: body.trim(), ...(stepId ? { stepId } : {}) });
}

function knownSecretNames(container: BatonContainer): string[] {
  return container.context.globalState.get<string[]>(SECRET_NAMES_KEY, []);
}

export async function setSecret(container: BatonContainer, arg?: unknown): Promise<string | undefined> {
  const scripted = arg as { name?: unknown; value?: unknown } | undefined;
  const name =
    typeof scripted?.name === 'string'
      ? scripted.name
      : await vscode.window.showInputBox({
          title: 'Baton: Set Secret',
          prompt: 'Name, as templates read it: ${{ secrets.NAME }}',
          placeHolder: 'GITHUB_TOKEN',
          validateInput: (value) => (SECRET_NAME.test(value) ? undefined : 'Letters, digits and _, not starting with a digit'),
        });
  if (!name) return undefined;
  if (!SECRET_NAME.test(name)) throw new Error(`"${name}" is not a secret name (letters, digits and _)`);
  const value =
    typeof scripted?.value === 'string'
      ? scripted.value
      : await vscode.window.showInputBox({ title: `Baton: Set Secret ${name}`, prompt: 'Value (stored in VS Code\'s secret storage, never in .baton/)', password: true });
  if (value === undefined) return undefined;
  await container.context.secrets.store(`baton.secret.${name}`, value);
  const names = new Set(knownSecretNames(container));
  names.add(name);
  await container.context.globalState.update(SECRET_NAMES_KEY, [...names].sort());
  if (typeof scripted?.value !== 'string') void vscode.window.showInformationMessage(`Baton: secret ${name} saved.`);
  return name;
}

/**
 * Set Webhook Secret: the HMAC key a template's webhook deliveries are signed with (the secret
 * its `on.webhook.secret` names, else `webhook:<template-id>`), kept in SecretStorage.
 */
export async function setWebhookSecret(container: BatonContainer, arg?: unknown): Promise<string | undefined> {
  const scripted = arg as { templateId?: unknown; value?: unknown } | undefined;
  const withWebhooks = (await container.templates.ready()).flatMap((entry) =>
    entry.registry.list({ source: 'workspace', trigger: 'webhook' }).map((t) => t.definition),
  );
  const definition =
    typeof scripted?.templateId === 'string'
      ? withWebhooks.find((d) => d.id === scripted.templateId)
      : (
          await vscode.window.showQuickPick(
            withWebhooks.map((d) => ({ label: d.name, description: d.id, definition: d })),
            { title: 'Baton: Set Webhook Secret', placeHolder: 'Template whose webhook deliveries it verifies' },
          )
        )?.definition;
  if (!definition) {
    if (typeof scripted?.templateId === 'string') throw new Error(`template "${scripted.templateId}" has no on.webhook trigger`);
    return undefined;
  }
  const name = definition.on.webhook?.secret ?? webhookSecretName(definition.id);
  const value =
    typeof scripted?.value === 'string'
      ? scripted.value
      : await vscode.window.showInputBox({ title: `Webhook secret of ${definition.id}`, prompt: 'Senders sign each body with it (X-Baton-Signature-256)', password: true });
  if (!value) return undefined;
  await container.context.secrets.store(`baton.secret.${name}`, value);
  return name;
}

export async function clearSecret(container: BatonContainer, arg?: unknown): Promise<string | undefined> {
  const names = knownSecretNames(container);
  const name =
    typeof arg === 'string'
      ? arg
      : names.length === 0
        ? (void vscode.window.showInformationMessage('Baton: no secrets saved.'), undefined)
        : await vscode.window.showQuickPick(names, { title: 'Baton: Clear Secret', placeHolder: 'Secret to delete' });
  if (!name) return undefined;
  await container.context.secrets.delete(`baton.secret.${name}`);
  await container.context.globalState.update(
    SECRET_NAMES_KEY,
    names.filter((n) => n !== name),
  );
  return name;
}
