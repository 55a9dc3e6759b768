import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/model';
import type { RunsNode } from '../../../src/vscode/runsTree';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickNotificationButton, screenshot, webviewClick, webviewFill, webviewImageLoaded, webviewWait } from './bridge';
import { batonContainer, outsideEngine, scriptTemplate, waitForRun, waitUntil, workspaceDir } from './helpers';

/** CSS attribute selector value, quoted. */
const q = (value: string) => JSON.stringify(value);

describe('webviews', () => {
  const outside = outsideEngine();
  before(async () => {
    // Room for the panels in the screenshots.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    outside.opened.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  async function openPanels() {
    return (await batonContainer()).webviews.openPanels();
  }

  it('Open Board shows the database runs live: a run started outside appears and turns succeeded', async () => {
    await vscode.commands.executeCommand('baton.openBoard');
    await waitUntil('the board panel', async () => (await openPanels()).some((p) => p.viewType === 'baton.board' && p.visible));
    await webviewWait('[data-testid="board-total"]');
    // Started by "the CLI": another connection; VS Code's worker executes it.
    const run = outside.engine.startRun(
      scriptTemplate('board-live', [
        { id: 'slow', run: 'sleep 2; echo slow done' },
        { id: 'after', run: 'echo after', needs: ['slow'] },
      ]),
      { trigger: { kind: 'cli' } },
    );
    await webviewWait(`[data-run-id=${q(run.id)}]`);
    await screenshot('webview-board-running');
    const finished = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(finished.status, 'succeeded', finished.error ?? '');
    // No reload: the card turns succeeded through the change feed.
    const card = await webviewWait(`[data-run-id=${q(run.id)}][data-status="succeeded"]`);
    assert.match(card, /2\/2 steps/);
    assert.match(card, /via cli/);
    await screenshot('webview-board');
  });

  it('the board lists a waiting run under Waiting on you; Approve on its card decides the gate', async () => {
    const run = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'gated', { version: '5.5.5' });
    assert.ok(run);
    await waitForRun(outside.engine, run.id, ['waiting']);
    await vscode.commands.executeCommand('baton.openBoard');
    await webviewWait(`[data-run-id=${q(run.id)}][data-status="waiting"]`);
    await screenshot('webview-board-waiting');
    await webviewClick(`[data-run-id=${q(run.id)}] [data-testid^="board-approve-"]`);
    const done = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const gates = outside.engine.listGates(run.id);
    assert.equal(gates.length, 1);
    assert.equal(gates[0]!.decision, 'approved');
    await webviewWait(`[data-run-id=${q(run.id)}][data-status="succeeded"]`);
  });

  it('archived run ids an older Baton kept in workspaceState move into the database when the board opens', async () => {
    const { context } = await batonContainer();
    const key = `baton.archivedRuns:${vscode.workspace.workspaceFolders![0]!.uri.toString()}`;
    const done = outside.engine.startRun(scriptTemplate('legacy-archive', [{ id: 'only', run: 'echo archived before' }]), { trigger: { kind: 'cli' } });
    assert.equal((await waitForRun(outside.engine, done.id, ['succeeded', 'failed'])).status, 'succeeded');
    const held = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'gated', { version: '6.6.6' });
    assert.ok(held);
    await waitForRun(outside.engine, held.id, ['waiting']);
    await context.workspaceState.update(key, [done.id, held.id, 'run-that-is-gone']);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    await vscode.commands.executeCommand('baton.openBoard');
    await waitUntil('the ids to leave workspaceState', () => context.workspaceState.get(key) === undefined);
    assert.notEqual(outside.engine.getRun(done.id).run.archivedAt, null, 'the finished run is archived in the database');
    assert.equal(outside.engine.getRun(held.id).run.archivedAt, null, 'a waiting run is not archived');
    // The Runs view puts it away too.
    const tree = (await batonContainer()).runsTree;
    const listed = () => tree.getChildren().flatMap((n) => (n.kind === 'run' ? [n.run.id] : n.kind === 'group' ? n.runs.map((r) => r.id) : []));
    await waitUntil('the archived run to leave the Runs view', () => !listed().includes(done.id) && listed().includes(held.id));
    // The board hides it, and @archived finds it again.
    await webviewWait(`[data-run-id=${q(held.id)}]`);
    await webviewFill('[data-testid="board-filter"]', done.id);
    await waitUntil('the archived run to be hidden', async () => /^0 shown/.test(await webviewWait('[data-testid="board-total"]')));
    await webviewFill('[data-testid="board-filter"]', `${done.id} @archived`);
    await webviewWait(`[data-run-id=${q(done.id)}][data-status="succeeded"]`);
    await screenshot('webview-board-archived-imported');
    await webviewFill('[data-testid="board-filter"]', '');
    outside.engine.cancelRun(held.id);
  });

  it('Open Gallery: pick a template, fill its inputs, Run starts it and opens the run detail', async () => {
    await vscode.commands.executeCommand('baton.openGallery');
    await webviewClick('[data-testid="gallery-card-hello"]');
    await webviewWait('[data-testid="gallery-ready"]');
    await webviewFill('[data-testid="gallery-input-who"]', 'gallery');
    await screenshot('webview-gallery');
    const before = new Set(outside.engine.listRuns({ templateId: 'hello', limit: 100 }).map((r) => r.id));
    await webviewClick('[data-testid="gallery-run"]');
    let run: RunRecord | undefined;
    await waitUntil('the gallery to start a run', () => {
      run = outside.engine.listRuns({ templateId: 'hello', limit: 100 }).find((r) => !before.has(r.id));
      return run !== undefined;
    });
    assert.equal(run!.inputs.who, 'gallery');
    assert.equal(run!.inputs.times, 2, 'defaults applied on the host');
    await waitUntil('the run detail panel', async () => (await openPanels()).some((p) => p.context.panel === 'run' && p.context.runId === run!.id && p.visible));
    assert.equal((await waitForRun(outside.engine, run!.id, ['succeeded', 'failed'])).status, 'succeeded');
    const title = await webviewWait('[data-testid="run-title"]');
    assert.match(title, /Hello/);
    assert.match(await webviewWait('[data-testid="run-progress"]'), /2\/2/);
    // The log of a step, read from the run folder through GetLog.
    await webviewClick('[data-testid="run-dag-node-shout"]');
    await webviewWait('[data-testid="log-scroll"] >> text=hello gallery x2');
    await screenshot('webview-run-detail');
  });

  it('the gallery lists a template file that does not load; its problem opens the file at that line', async () => {
    const file = join(workspaceDir(), '.baton', 'templates', 'e2e-broken.yml');
    // Line 5, column 12: `needs` names a step that does not exist.
    writeFileSync(file, 'id: e2e-broken\nname: Broken\nsteps:\n  - id: build\n    needs: [biuld]\n    run: echo hi\n');
    try {
      await vscode.commands.executeCommand('baton.openGallery');
      const card = '[data-testid="gallery-broken-baton-templates-e2e-broken-yml"]';
      assert.match(await webviewWait(card), /biuld/);
      await screenshot('webview-gallery-broken');
      await webviewClick(`${card} [data-testid$="-problem-0"]`);
      await waitUntil('the template open at the problem', () => {
        const editor = vscode.window.activeTextEditor;
        return editor?.document.uri.fsPath === file && editor.selection.active.line === 4;
      });
      assert.equal(vscode.window.activeTextEditor!.document.lineAt(vscode.window.activeTextEditor!.selection.active.line).text.trim(), 'needs: [biuld]');
    } finally {
      rmSync(file, { force: true });
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('a run in the Runs view opens its details on click and from its context menu', async () => {
    const container = await batonContainer();
    const run = outside.engine.startRun(scriptTemplate('tree-click', [{ id: 'only', run: 'echo clicked' }]));
    await waitForRun(outside.engine, run.id, ['succeeded']);
    let node: RunsNode | undefined;
    await waitUntil('the run in the tree', () => {
      node = container.runsTree.getChildren().find((n) => n.kind === 'run' && n.run.id === run.id);
      return node !== undefined;
    });
    const item = container.runsTree.getTreeItem(node!);
    assert.equal(item.command?.command, 'baton.openRunDetails');
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    await waitUntil('the run detail panel', async () => (await openPanels()).some((p) => p.context.panel === 'run' && p.context.runId === run.id));
    await webviewWait(`[data-testid="run-title"]`);
  });

  it('run detail previews an image artifact of the run from its run folder', async () => {
    const run = outside.engine.startRun(scriptTemplate('with-picture', [{ id: 'draw', run: 'echo drawn' }]), { trigger: { kind: 'cli' } });
    await waitForRun(outside.engine, run.id, ['succeeded']);
    const dir = outside.opened.files.artifactsDir(run.id);
    mkdirSync(dir, { recursive: true });
    // A 2x2 red PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==', 'base64');
    writeFileSync(join(dir, 'chart.png'), png);
    outside.engine.addArtifact(run.id, { name: 'chart.png', path: join(dir, 'chart.png'), stepId: 'draw', mediaType: 'image/png', sizeBytes: png.length });
    await vscode.commands.executeCommand('baton.openRunDetails', run.id, 'draw');
    await waitUntil('the run detail panel', async () => (await openPanels()).some((p) => p.context.panel === 'run' && p.context.runId === run.id && p.visible));
    await webviewClick('[data-testid="run-tab-artifacts"]');
    await webviewImageLoaded('img.artifact-preview[alt="chart.png"]');
    await screenshot('webview-run-artifact');
  });

  it('a waiting gate: the notification\'s Review opens the gate dialog; Approve there stores one decision', async () => {
    const run = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'gated', { version: '9.9.9' });
    assert.ok(run);
    await waitForRun(outside.engine, run.id, ['waiting']);
    await clickNotificationButton('Ship 9.9.9?', 'Review', 'webview-gate-notification');
    const gate = outside.engine.listGates(run.id)[0]!;
    await waitUntil('the gate dialog', async () => (await openPanels()).some((p) => p.context.panel === 'gate' && p.context.gateId === gate.id && p.visible));
    assert.match(await webviewWait('[data-testid="gate-title"]'), /approve/);
    assert.match(await webviewWait('[data-testid="gate-message"]'), /Ship 9\.9\.9\?/);
    await webviewFill('[data-testid="gate-comment"]', 'approved in the dialog');
    await screenshot('webview-gate');
    await webviewClick('[data-testid="gate-approve"]');
    const done = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const stored = outside.engine.listGates(run.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.decision, 'approved');
    assert.equal(stored[0]!.comment, 'approved in the dialog');
    assert.deepEqual(stored[0]!.formInputs, { notes: 'none' }, 'the form default was submitted');
    assert.equal(outside.engine.listEvents(0, { runId: run.id, limit: 1000 }).filter((e) => e.type === 'gate.decided').length, 1);
    await webviewWait('[data-testid="gate-decision"]');
    await screenshot('webview-gate-decided');
  });
});
