import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Engine } from '../../../src/core/engine';
import type { RunRecord } from '../../../src/core/model';
import { openStore } from '../../../src/store';
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
});
