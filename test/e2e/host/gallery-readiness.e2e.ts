/**
 * The gallery's readiness fixes clicked in real VS Code: the button beside "secret not set" runs
 * Set Secret's input box and the detail turns ready in place; the one beside "agent CLI not
 * installed" shows the install hint, whose Open Terminal types (never runs) the install command;
 * the one beside "no MCP server" opens .baton/mcp.json beside the gallery, which re-checks on save.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/model';
import { clickNotificationButton, notificationTexts, screenshot, typeIntoQuickInput, webviewClick, webviewWait } from './bridge';
import { batonContainer, outsideEngine, waitForRun, waitUntil, workspaceDir } from './helpers';

const SECRET = 'E2E_GALLERY_TOKEN';
const SECRET_VALUE = 'typed-in-the-box-42';

describe('gallery readiness fixes', () => {
  const outside = outsideEngine();
  const templatesDir = () => join(workspaceDir(), '.baton', 'templates');
  const written: string[] = [];
  let scratch: string | undefined;

  /** Writes a workspace template and waits until the folder's registry has it. */
  async function writeTemplate(id: string, lines: string[]): Promise<void> {
    const file = join(templatesDir(), `${id}.yml`);
    writeFileSync(file, [`id: ${id}`, ...lines, ''].join('\n'));
    written.push(file);
    const container = await batonContainer();
    await waitUntil(`template ${id} loaded`, async () => {
      await container.templates.reloadAll();
      return container.templates.folders().some((f) => f.registry.find(id) !== undefined);
    });
  }

  async function openGalleryOn(templateId: string): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('baton.openGallery');
    await webviewClick(`[data-testid="gallery-card-${templateId}"]`);
  }

  before(async () => {
    // Room for the panel in the screenshots.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
  });

  after(async () => {
    outside.opened.close();
    for (const file of written) rmSync(file, { force: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await vscode.commands.executeCommand('baton.clearSecret', SECRET);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a missing secret disables Run with the reason; Set secret asks for it in an input box and Run turns enabled in place', async () => {
    const container = await batonContainer();
    assert.equal(await container.context.secrets.get(`baton.secret.${SECRET}`), undefined, 'the secret starts unset');
    await writeTemplate('e2e-needs-secret', [
      'name: Needs a secret',
      'category: e2e',
      'steps:',
      '  - id: use',
      `    run: test "\${{ secrets.${SECRET} }}" = "${SECRET_VALUE}" && echo "got \${{ secrets.${SECRET} }}"`,
    ]);
    await openGalleryOn('e2e-needs-secret');

    assert.match(await webviewWait('[data-testid="gallery-readiness-missing-secret"]'), new RegExp(`secret ${SECRET} is not set`));
    await webviewWait('[data-testid="gallery-run"][disabled]');
    assert.match(await webviewWait('[data-testid="gallery-run-disabled-reason"]'), new RegExp(`Run is disabled: The secret ${SECRET} is not set`));
    await screenshot('gallery-readiness-missing-secret');

    assert.match(await webviewWait('[data-testid="gallery-fix-missing-secret"]'), new RegExp(`Set ${SECRET}`));
    await webviewClick('[data-testid="gallery-fix-missing-secret"]');
    // The button opens Set Secret for this name: only the value is asked for, in VS Code's own input box.
    await typeIntoQuickInput(SECRET_VALUE, `Set Secret ${SECRET}`);
    await waitUntil('the secret stored', async () => (await container.context.secrets.get(`baton.secret.${SECRET}`)) === SECRET_VALUE);

    // Same panel, no reselect: the readiness check ran again.
    await webviewWait('[data-testid="gallery-ready"]');
    await webviewWait('[data-testid="gallery-run"]:not([disabled])');
    await screenshot('gallery-readiness-secret-set');

    const before = new Set(outside.engine.listRuns({ templateId: 'e2e-needs-secret', limit: 100 }).map((r) => r.id));
    await webviewClick('[data-testid="gallery-run"]');
    let run: RunRecord | undefined;
    await waitUntil('the gallery to start a run', () => {
      run = outside.engine.listRuns({ templateId: 'e2e-needs-secret', limit: 100 }).find((r) => !before.has(r.id));
      return run !== undefined;
    });
    const done = await waitForRun(outside.engine, run!.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', `the step compares the secret with the typed value: ${done.error ?? ''}`);
    const runtime = container.runtimes.open()[0]!;
    await runtime.opened.files.flush();
    const log = readFileSync(join(runtime.opened.files.stepDir(run!.id, 'use', null), 'stdout.log'), 'utf8');
    assert.match(log, /got \*\*\*/, 'the value reached the step and was redacted from its log');
    assert.doesNotMatch(log, new RegExp(SECRET_VALUE));
  });

  it('a missing agent CLI disables Run with the reason; its fix shows the install hint, whose Open Terminal types the install command without running it; closing that terminal re-checks', async function () {
    this.timeout(90_000);
    const missing = join(tmpdir(), 'baton-e2e-no-such-dir', 'codex');
    assert.equal(existsSync(missing), false);
    const savedPath = process.env.BATON_CODEX_PATH;
    // The extension host is this process: the readiness check reads the adapter's variable from it.
    process.env.BATON_CODEX_PATH = missing;
    let installed: string | undefined;

    // The terminal's shell is a recorder: the bytes typed into it land in a file, so the test
    // sees exactly what was typed and whether Enter was pressed.
    scratch = mkdtempSync(join(tmpdir(), 'baton-e2e-terminal-'));
    const typed = join(scratch, 'typed.txt');
    const recorder = join(scratch, 'recorder.sh');
    writeFileSync(recorder, `#!/bin/sh\nstty raw -echo\nexec cat >> "${typed}"\n`);
    chmodSync(recorder, 0o755);
    const terminalSettings = vscode.workspace.getConfiguration('terminal.integrated');
    await terminalSettings.update('profiles.linux', { 'baton-e2e-recorder': { path: recorder } }, vscode.ConfigurationTarget.Global);
    await terminalSettings.update('defaultProfile.linux', 'baton-e2e-recorder', vscode.ConfigurationTarget.Global);
    try {
      await writeTemplate('e2e-needs-codex', [
        'name: Needs Codex',
        'category: e2e',
        'steps:',
        '  - id: think',
        '    agent: codex',
        '    prompt: Say hello.',
      ]);
      await openGalleryOn('e2e-needs-codex');

      // The variable is set, so it (not PATH, not "install it") is what the reason points at.
      const reason = `BATON_CODEX_PATH is set to ${missing}, which is not an executable file: point it at the codex CLI, or unset it to use codex from PATH (install it with npm i -g @openai/codex).`;
      assert.equal((await webviewWait('[data-testid="gallery-readiness-missing-agent-cli"]')).trim(), `${reason}Install codex`);
      await webviewWait('[data-testid="gallery-run"][disabled]');
      assert.equal((await webviewWait('[data-testid="gallery-run-disabled-reason"]')).trim(), `Run is disabled: ${reason}`);
      await screenshot('gallery-readiness-missing-agent');

      assert.match(await webviewWait('[data-testid="gallery-fix-missing-agent-cli"]'), /Install codex/);
      await webviewClick('[data-testid="gallery-fix-missing-agent-cli"]');
      const hint = `Baton: ${reason}`;
      let texts: string[] = [];
      await waitUntil('the install hint in the notification center', async () => {
        texts = await notificationTexts();
        return texts.some((t) => t.includes(hint));
      }, 20_000);

      const terminalsBefore = new Set(vscode.window.terminals);
      await clickNotificationButton(`BATON_CODEX_PATH is set to ${missing}`, 'Open Terminal', 'gallery-readiness-install-hint');
      let terminal: vscode.Terminal | undefined;
      await waitUntil('the install terminal', () => {
        terminal = vscode.window.terminals.find((t) => !terminalsBefore.has(t) && t.name === 'Install codex');
        return terminal !== undefined;
      });
      const cwd = (terminal!.creationOptions as vscode.TerminalOptions).cwd;
      assert.equal(typeof cwd === 'string' ? cwd : cwd?.fsPath, workspaceDir(), 'the terminal opens in the workspace folder');
      await waitUntil('the install terminal shown', () => vscode.window.activeTerminal === terminal);
      await waitUntil('the install command typed into the terminal', () => existsSync(typed) && readFileSync(typed, 'utf8').length > 0, 20_000);
      // Give a stray Enter time to arrive before asserting there is none.
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(readFileSync(typed, 'utf8'), 'npm i -g @openai/codex', 'typed, not run: no newline');
      await screenshot('gallery-readiness-install-terminal');

      // The user installs the CLI (here: an executable appears where the variable points) and
      // closes the terminal: the gallery looks again, in place.
      mkdirSync(dirname(missing), { recursive: true });
      writeFileSync(missing, '#!/bin/sh\necho "codex 0.0.0"\n');
      chmodSync(missing, 0o755);
      installed = missing;
      await webviewWait('[data-testid="gallery-readiness-missing-agent-cli"]');
      terminal!.dispose();
      await webviewWait('[data-testid="gallery-ready"]');
      await webviewWait('[data-testid="gallery-run"]:not([disabled])');
    } finally {
      if (installed) rmSync(dirname(installed), { recursive: true, force: true });
      if (savedPath === undefined) delete process.env.BATON_CODEX_PATH;
      else process.env.BATON_CODEX_PATH = savedPath;
      await terminalSettings.update('defaultProfile.linux', undefined, vscode.ConfigurationTarget.Global);
      await terminalSettings.update('profiles.linux', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a missing MCP server: its fix opens .baton/mcp.json beside the gallery (unsaved, with the server to fill in); saving it, or another program writing it, re-checks in place', async () => {
    const config = join(templatesDir(), '..', 'mcp.json');
    assert.equal(existsSync(config), false, 'the workspace starts without .baton/mcp.json');
    written.push(config);
    await writeTemplate('e2e-needs-mcp', [
      'name: Needs an MCP server',
      'category: e2e',
      'steps:',
      '  - id: call',
      '    mcp:',
      '      server: e2e-tracker',
      '      tool: echo',
      '      args: { message: hi }',
    ]);
    await openGalleryOn('e2e-needs-mcp');
    assert.match(await webviewWait('[data-testid="gallery-readiness-missing-mcp-server"]'), /No MCP server "e2e-tracker" in \.baton\/mcp\.json\./);
    await webviewWait('[data-testid="gallery-run"][disabled]');

    await webviewClick('[data-testid="gallery-fix-missing-mcp-server"]');
    let editor: vscode.TextEditor | undefined;
    await waitUntil('an editor on .baton/mcp.json', () => {
      editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === config);
      return editor !== undefined && editor.document.getText() !== '';
    });
    assert.equal(editor!.document.uri.scheme, 'untitled', 'nothing is written before the user saves');
    await screenshot('gallery-readiness-mcp-editor');
    assert.deepEqual(JSON.parse(editor!.document.getText()), { mcpServers: { 'e2e-tracker': { command: '', args: [] } } });
    assert.equal(existsSync(config), false);

    // Saved as started, the entry has no command: the reason becomes the file's own error, in the same panel.
    // File: Save, as Ctrl+S in that editor: written to its path without a dialog, and the editor stays open on the file.
    await vscode.window.showTextDocument(editor!.document, editor!.viewColumn);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('.baton/mcp.json written', () => existsSync(config));
    await waitUntil('the saved file open beside the gallery', () =>
      vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'file' && e.document.uri.fsPath === config),
    );
    assert.match(await webviewWait('[data-testid="gallery-readiness-missing-mcp-server"] >> text=expected the program to start'), /mcpServers\.e2e-tracker\.command/);
    await screenshot('gallery-readiness-mcp-config');

    // Fixed by another program (no save in this window): the file watcher re-checks.
    writeFileSync(config, JSON.stringify({ mcpServers: { 'e2e-tracker': { command: 'node', args: ['tracker.js'] } } }, null, 2));
    await webviewWait('[data-testid="gallery-ready"]');
    await webviewWait('[data-testid="gallery-run"]:not([disabled])');
  });
});
