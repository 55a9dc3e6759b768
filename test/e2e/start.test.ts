/**
 * `npm start` as a user meets it (E2E.md route A): the packaged VSIX installed into code-server,
 * the demo workspace opened in Chromium, a command run from the palette by typing.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openStore } from '../../src/store';
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

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: join(screenshotsDir, `npm-start-failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) });
    }
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

  it('runs a template from the palette: an invalid input shows why, the steps turn green, the database agrees', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Baton: Run Workflow Template');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Baton: Run Workflow Template' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Hello, Baton' }).first().waitFor();
    await input.fill('Hello, Baton');
    await page.keyboard.press('Enter');

    // who: pattern ^[a-z]+$ — the message shows while typing and Enter is refused.
    await page.locator('.quick-input-widget', { hasText: 'Who to greet' }).waitFor();
    await input.fill('World!');
    await page.locator('.quick-input-message', { hasText: 'must match pattern' }).waitFor();
    await page.keyboard.press('Enter');
    // Still on step 1 of 3 with the bad value: Enter was refused.
    await page.locator('.quick-input-widget', { hasText: '(1/3)' }).waitFor();
    assert.equal(await input.inputValue(), 'World!');
    await page.screenshot({ path: join(screenshotsDir, 'palette-input-validation.png') });
    await input.fill('baton');
    await page.keyboard.press('Enter');
    // times: integer 1..5
    await page.locator('.quick-input-widget', { hasText: 'How many greetings' }).waitFor();
    await input.fill('9');
    await page.locator('.quick-input-message', { hasText: 'must be <= 5' }).waitFor();
    await input.fill('1');
    await page.keyboard.press('Enter');
    // loud: a yes/no pick with the default (No) preselected.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'No' }).first().waitFor();
    await page.keyboard.press('Enter');

    const runs = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Runs' }) });
    const runRow = runs.locator('.monaco-list-row', { hasText: 'Hello, Baton' }).first();
    await runRow.waitFor({ timeout: 30_000 });
    await runRow.locator('.codicon-pass-filled').waitFor({ timeout: 60_000 });
    // A click on the run opens its details (the row's command) and moves focus
    // to that panel, so the run is expanded by its twistie, not by ArrowRight.
    await runRow.locator('.monaco-tl-twistie').click();
    await runs.locator('.monaco-list-row[aria-expanded="true"]', { hasText: 'Hello, Baton' }).first().waitFor({ timeout: 20_000 });
    for (const step of ['greet', 'repeat']) {
      await runs.locator('.monaco-list-row', { hasText: step }).locator('.codicon-pass-filled').first().waitFor({ timeout: 20_000 });
    }
    await page.screenshot({ path: join(screenshotsDir, 'palette-run-succeeded.png') });

    const opened = openStore(join(workspace, '.baton', 'baton.db'));
    try {
      const [run] = opened.store.listRuns({ templateId: 'hello' });
      assert.ok(run, 'the run is in the database');
      assert.equal(run.status, 'succeeded');
      assert.deepEqual(run.inputs, { who: 'baton', times: 1, loud: false });
      assert.deepEqual(
        opened.store.listSteps(run.id).map((s) => [s.stepId, s.status]),
        [
          ['greet', 'succeeded'],
          ['repeat', 'succeeded'],
        ],
      );
      assert.equal(opened.store.listSteps(run.id)[0]!.outputs?.greeting, 'hello baton');
    } finally {
      opened.close();
    }
  });

  it('stops code-server when interrupted', async () => {
    const pid = started!.child.pid!;
    process.kill(pid, 'SIGINT');
    await waitFor('start.mjs to exit', () => started!.child.exitCode !== null || started!.child.signalCode !== null, 20_000);
    const port = Number(new URL(url).port);
    await waitFor('the port to close', async () => !(await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)), 10_000);
  });
});
