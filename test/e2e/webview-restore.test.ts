/**
 * Panels survive a reload of the window: VS Code keeps the tabs, Baton's panel serializers
 * (registered for baton.board, baton.run, ...) rebuild them from the state the webviews saved.
 * Driven like a user: the command palette, then a reload of the page.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Engine } from '../../src/core/engine';
import { openStore } from '../../src/store';
import { waitFor } from './support/processes';
import { buildExtension, codeServerOrSkip, createWorkspace, findInWebviews, VsCodeSession } from './support/vscodeSession';
import { template } from '../support/engine-fixtures';

const quick = template('restore-me', [{ kind: 'run', id: 'only', run: 'echo restored', needs: [], env: {}, continueOnError: false }], { name: 'Restore me' });

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

describe('Baton in real VS Code: webview panels after a reload', function () {
  let session: VsCodeSession | undefined;
  let workspace: string | undefined;

  after(async () => {
    await session?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('restores the board and a run detail with their content (panel serializers)', async function () {
    const installed = codeServerOrSkip(this);
    buildExtension();
    workspace = createWorkspace({});
    const opened = openStore(join(workspace, '.baton', 'baton.db'));
    try {
      const engine = new Engine({ store: opened.store, files: opened.files, workspaceDir: workspace });
      const run = engine.startRun(quick, { trigger: { kind: 'cli' } });
      session = await VsCodeSession.start(installed, { workspace });
      const { page } = session;
      await waitFor('VS Code to execute the run', () => engine.getRun(run.id).run.status === 'succeeded', 60_000, 250);

      await runCommand(page, 'Baton: Open Board');
      await findInWebviews(page, `[data-run-id="${run.id}"][data-status="succeeded"]`, 30_000);
      await runCommand(page, 'Baton: Open Run Details');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: run.id }).first().waitFor();
      await page.keyboard.press('Enter');
      await findInWebviews(page, '[data-testid="run-title"]', 30_000);
      await session.screenshot('webview-restore-before-reload');

      // What a user does (and it lets the workbench store its editors before it goes).
      const reloaded = page.waitForEvent('load', { timeout: 60_000 });
      await runCommand(page, 'Developer: Reload Window');
      await reloaded;
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // Both tabs come back; the active one (run detail) shows its run again at once.
      await page.locator('.tab', { hasText: 'Baton: Board' }).waitFor({ timeout: 60_000 });
      await page.locator('.tab', { hasText: 'Run: Restore me' }).waitFor({ timeout: 60_000 });
      const title = await (await findInWebviews(page, '[data-testid="run-title"]', 60_000)).textContent();
      assert.match(title ?? '', /Restore me/);
      await page.locator('.tab', { hasText: 'Baton: Board' }).click();
      const card = await findInWebviews(page, `[data-run-id="${run.id}"][data-status="succeeded"]`, 60_000);
      await card.scrollIntoViewIfNeeded();
      await session.screenshot('webview-restore-after-reload');
    } finally {
      opened.close();
    }
  });
});
