import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BATON_COMMANDS } from '../../../src/vscode/commandIds';
import { screenshot } from './bridge';

const EXTENSION_ID = 'baton-dev.baton';

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('activation', () => {
  it('activates by itself in a workspace that contains .baton, well under 50 ms', async () => {
    const extension = vscode.extensions.getExtension<{ activationMs: number }>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded from the development folder`);
    await waitUntil('activation through workspaceContains:.baton', () => extension.isActive);
    const { activationMs } = extension.exports;
    // For `npm run bench`: the activation time measured inside the real extension host.
    const resultsDir = join(extension.extensionPath, 'test-results', 'e2e');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'activation.json'), `${JSON.stringify({ activationMs, vscode: vscode.version, at: new Date().toISOString() }, null, 2)}\n`);
    assert.ok(activationMs < 50, `activate() took ${activationMs} ms`);
  });

  it('registers every command of the table', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { id } of Object.values(BATON_COMMANDS)) assert.ok(registered.has(id), `${id} registered`);
  });

  it('shows the Baton container with its Runs and Templates views', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.baton');
    // The views' own focus commands exist only if the manifest's views were accepted.
    await vscode.commands.executeCommand('baton.templates.focus');
    await vscode.commands.executeCommand('baton.runs.focus');
    await new Promise((r) => setTimeout(r, 1000));
    await screenshot('activation-baton-container');
  });
});

describe('New Template', () => {
  it('writes a commented template into .baton/templates and opens it', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = await vscode.commands.executeCommand<vscode.Uri>(BATON_COMMANDS.newTemplate.id, 'e2e-scaffolded');
    const file = join(folder.uri.fsPath, '.baton', 'templates', 'e2e-scaffolded.yml');
    assert.equal(uri?.fsPath, file);
    assert.ok(existsSync(file));
    assert.match(readFileSync(file, 'utf8'), /^id: e2e-scaffolded$/m);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file, 'the new template is open');
  });

  it('refuses to overwrite an existing template', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!;
    const file = join(folder.uri.fsPath, '.baton', 'templates', 'e2e-scaffolded.yml');
    const before = readFileSync(file, 'utf8');
    const result = await vscode.commands.executeCommand<vscode.Uri | undefined>(BATON_COMMANDS.newTemplate.id, 'e2e-scaffolded');
    assert.equal(result, undefined, 'no file created');
    assert.equal(readFileSync(file, 'utf8'), before);
  });
});
