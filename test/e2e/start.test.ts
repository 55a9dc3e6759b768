/**
 * `npm start` as a user meets it (E2E.md route A): the packaged VSIX installed into code-server,
 * the demo workspace opened in Chromium, a command run from the palette by typing.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, startProcess, waitFor, type StartedProcess } from './support/processes';
import { codeServerOrSkip, launchChromium, projectRoot, screenshotsDir } from './support/vscodeSession';

describe('npm start', function () {
  let started: StartedProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let workspace: string;
  let dataDir: string;
  let url: string;

  before(async function () {
    const installed = codeServerOrSkip(this);
    workspace = mkdtempSync(join(tmpdir(), 'baton-e2e-demo-'));
    cpSync(join(projectRoot, 'demo'), workspace, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-start-'));
    const port = await freePort();
    started = startProcess(installed.node, ['scripts/start.mjs', '--port', String(port), '--workspace', workspace, '--data-dir', dataDir], {
      cwd: projectRoot,
      env: { ...process.env, PATH: `${join(projectRoot, 'node_modules', '.bin')}:${process.env.PATH}` },
    });
    await waitFor(
      'npm start to print the URL',
      () => {
        if (started!.child.exitCode !== null) throw new Error(`start.mjs exited ${started!.child.exitCode}:\n${started!.output()}`);
        return /Baton is ready/.test(started!.output());
      },
      240_000,
    );
    const match = /(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/.exec(started.output());
    assert.ok(match, `URL printed:\n${started.output()}`);
    url = match[1]!;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await started?.stop();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves VS Code on 127.0.0.1 with the demo workspace and Baton installed from the VSIX', async () => {
    assert.match(url, new RegExp(`folder=${encodeURIComponent(workspace)}`));
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const batonTab = page.locator('.activitybar [aria-label^="Baton"]').first();
    await batonTab.waitFor({ timeout: 60_000 });
    await batonTab.click();
    await page.locator('.pane-header', { hasText: 'Templates' }).waitFor({ timeout: 30_000 });
    await page.locator('.pane-header', { hasText: 'Runs' }).waitFor();
    await page.screenshot({ path: join(screenshotsDir, 'npm-start-demo.png') });
  });

  it('runs Baton: New Template typed into the command palette', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('>Baton: New Template');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Baton: New Template' }).first().waitFor();
    await page.keyboard.press('Enter');
    // Typing an invalid id first shows the validation message in the input box.
    await input.fill('Not Valid');
    await page.locator('.quick-input-message', { hasText: 'Lower-case letters' }).waitFor();
    await input.fill('from-palette');
    await page.keyboard.press('Enter');
    const file = join(workspace, '.baton', 'templates', 'from-palette.yml');
    await waitFor('the template file', () => existsSync(file), 20_000);
    assert.match(readFileSync(file, 'utf8'), /^id: from-palette$/m);
    await page.locator('.tab', { hasText: 'from-palette.yml' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(screenshotsDir, 'npm-start-new-template.png') });
  });

  it('stops code-server when interrupted', async () => {
    const pid = started!.child.pid!;
    process.kill(pid, 'SIGINT');
    await waitFor('start.mjs to exit', () => started!.child.exitCode !== null || started!.child.signalCode !== null, 20_000);
    const port = Number(new URL(url).port);
    await waitFor('the port to close', async () => !(await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)), 10_000);
  });
});
