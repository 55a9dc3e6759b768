import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Engine } from '../../../src/core/engine';
import type { RunRecord } from '../../../src/core/model';
import { openStore } from '../../../src/store';
import { webviewWait } from '../host/bridge';
import { batonContainer, waitUntil } from '../host/helpers';

describe('multi-root workspace', () => {
  const folders = () => vscode.workspace.workspaceFolders ?? [];

  it('keeps a database per folder: each run lands in the folder its template belongs to', async () => {
    assert.equal(folders().length, 2);
    const container = await batonContainer();
    const alphaRun = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'alpha-job', {});
    const betaRun = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'beta-job', {});
    assert.ok(alphaRun && betaRun);
    const [alpha, beta] = folders().map((f) => f.uri.fsPath) as [string, string];
    for (const [dir, runId, other] of [
      [alpha, alphaRun.id, betaRun.id],
      [beta, betaRun.id, alphaRun.id],
    ] as const) {
      const dbPath = join(dir, '.baton', 'baton.db');
      assert.ok(existsSync(dbPath), `${dbPath} exists`);
      const opened = openStore(dbPath);
      try {
        const engine = new Engine({ store: opened.store, files: opened.files, workspaceDir: dir });
        await waitUntil(`run ${runId} to succeed in ${dir}`, () => engine.getRun(runId).run.status === 'succeeded');
        assert.deepEqual(engine.listRuns().map((r) => r.id), [runId], `only its own run (not ${other})`);
      } finally {
        opened.close();
      }
    }
    // The Runs view groups by folder when several folders have runs.
    await waitUntil('two folder nodes', () => container.runsTree.getChildren().filter((n) => n.kind === 'folder').length === 2);
  });

  it('opens one board per folder, each showing the runs of its own database', async () => {
    const container = await batonContainer();
    const [alpha, beta] = folders() as [vscode.WorkspaceFolder, vscode.WorkspaceFolder];
    const runsOf = (folder: vscode.WorkspaceFolder) =>
      container.runtimes.open().find((r) => r.folder.folder.uri.toString() === folder.uri.toString())!.engine.listRuns().map((r) => r.id);
    const [alphaRun] = runsOf(alpha);
    const [betaRun] = runsOf(beta);
    assert.ok(alphaRun && betaRun);

    await vscode.commands.executeCommand('baton.openBoard', beta.uri.toString());
    await webviewWait(`[data-run-id="${betaRun}"]`);
    await assert.rejects(webviewWait(`[data-run-id="${alphaRun}"]`, 1500), /no visible/, "beta's board does not show alpha's run");
    await vscode.commands.executeCommand('baton.openBoard', alpha.uri.toString());
    await webviewWait(`[data-run-id="${alphaRun}"]`);
    const boards = container.webviews.openPanels().filter((p) => p.viewType === 'baton.board');
    assert.deepEqual(boards.map((b) => b.folder).sort(), [alpha.uri.toString(), beta.uri.toString()].sort());
    // The folder goes into the page's context, so a restored panel reopens on the same database.
    assert.deepEqual(boards.map((b) => b.context.folder).sort(), [alpha.uri.toString(), beta.uri.toString()].sort());
  });
});
