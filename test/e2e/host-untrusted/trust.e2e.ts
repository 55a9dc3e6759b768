import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/model';
import { screenshot, webviewClick, webviewWait, workbenchClick } from '../host/bridge';
import { batonContainer, outsideEngine, scriptTemplate, waitForRun, waitUntil, workspaceDir } from '../host/helpers';

describe('untrusted workspace', () => {
  it('opens untrusted and Baton still activates (limited support)', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const container = await batonContainer();
    assert.ok(container.activationMs >= 0);
  });

  it('refuses a manual run with an explanation and creates nothing', async () => {
    const run = await vscode.commands.executeCommand('baton.runTemplate', 'hello', { who: 'x' });
    assert.equal(run, undefined);
    assert.equal(existsSync(join(workspaceDir(), '.baton', 'baton.db')), false, 'no database, no run');
  });

  it('does not execute steps of runs that other processes put in its database', async () => {
    const outside = outsideEngine();
    try {
      const marker = join(workspaceDir(), 'must-not-exist');
      const run = outside.engine.startRun(scriptTemplate('e2e-untrusted', [{ id: 'step', run: `touch "${marker}"` }]));
      // The window notices the database within a second; give its (absent) worker ample time.
      await new Promise((r) => setTimeout(r, 4000));
      const container = await batonContainer();
      assert.ok(container.runsTree.getChildren().some((n) => n.kind === 'run' && n.run.id === run.id), 'the run is shown');
      assert.equal(outside.engine.getRun(run.id).steps[0]!.status, 'ready', 'nothing ran it');
      assert.equal(existsSync(marker), false);
    } finally {
      outside.opened.close();
    }
  });

  it('the gallery says why a template cannot run here, with the button that fixes it', async () => {
    await vscode.commands.executeCommand('baton.openGallery');
    await webviewClick('[data-testid="gallery-card-hello"]');
    assert.match(await webviewWait('[data-testid="gallery-readiness-untrusted-workspace"]'), /not trusted/);
    assert.match(await webviewWait('[data-testid="gallery-fix-untrusted-workspace"]'), /Manage Workspace Trust/);
    assert.match(await webviewWait('[data-testid="gallery-run-disabled-reason"]'), /not trusted/);
    await screenshot('webview-gallery-untrusted');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  // Last: it trusts the workspace.
  it("the gallery's Manage Workspace Trust opens VS Code's trust editor; trusting there makes the template ready and Run executes it", async function () {
    this.timeout(90_000);
    await vscode.commands.executeCommand('baton.openGallery');
    await webviewClick('[data-testid="gallery-card-hello"]');
    await webviewWait('[data-testid="gallery-run"][disabled]');
    await webviewClick('[data-testid="gallery-fix-untrusted-workspace"]');
    const trustTab = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Workspace Trust');
    await waitUntil('the Workspace Trust editor', () => trustTab()?.isActive === true);
    await workbenchClick('.workspace-trust-editor .monaco-button', 'Trust', 'webview-gallery-untrusted-trust-editor');
    await waitUntil('the workspace trusted', () => vscode.workspace.isTrusted);
    await vscode.window.tabGroups.close(trustTab()!);

    // The gallery comes back to the front; the readiness check now finds nothing to fix.
    await webviewWait('[data-testid="gallery-ready"]');
    await webviewWait('[data-testid="gallery-run"]:not([disabled])');
    await screenshot('webview-gallery-trusted');
    await webviewClick('[data-testid="gallery-run"]');
    const outside = outsideEngine();
    try {
      let run: RunRecord | undefined;
      await waitUntil('the gallery to start a run', () => {
        run = outside.engine.listRuns({ templateId: 'hello', limit: 10 })[0];
        return run !== undefined;
      });
      assert.equal((await waitForRun(outside.engine, run!.id, ['succeeded', 'failed'])).status, 'succeeded', 'the trusted window executes it');
    } finally {
      outside.opened.close();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
