import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot } from './bridge';
import { batonContainer, outsideEngine, scriptTemplate, waitForRun, waitUntil, workspaceDir } from './helpers';

describe('step terminals and status bar', () => {
  const outside = outsideEngine();
  after(() => outside.opened.close());

  it('Show Step Log streams a running step live and reports how it ended', async () => {
    const container = await batonContainer();
    // The step holds after its first line until the test has seen it in the terminal.
    const release = join(workspaceDir(), 'chatty-release');
    const run = outside.engine.startRun(
      scriptTemplate('e2e-chatty', [
        { id: 'talk', run: `echo "line 1"; while [ ! -f "${release}" ]; do sleep 0.1; done; echo "line 2"; echo "line 3"; echo "to stderr" >&2` },
      ]),
    );
    await waitUntil('the step to run', () => outside.engine.getRun(run.id).steps[0]!.status === 'running');
    const terminal = await vscode.commands.executeCommand<vscode.Terminal>('baton.showStepLog', { runId: run.id, stepId: 'talk' });
    assert.ok(terminal);
    assert.match(terminal.name, /e2e-chatty › talk/);
    const pty = container.terminals.ptyOf(terminal)!;
    await waitUntil('line 1 while the step still runs', () => pty.transcript.includes('line 1'));
    assert.equal(outside.engine.getRun(run.id).steps[0]!.status, 'running', 'output arrived live, before the step ended');
    writeFileSync(release, '');
    await waitUntil('the end of the step', () => pty.transcript.includes('[succeeded]'), 20_000);
    // Lines in the order the step printed them (stderr is another pipe: its place among them is not fixed).
    const stdout = pty.transcript.split('\r\n').filter((line) => /^line \d$/.test(line));
    assert.deepEqual(stdout, ['line 1', 'line 2', 'line 3'], JSON.stringify(pty.transcript));
    assert.match(pty.transcript, /to stderr/);
    await new Promise((r) => setTimeout(r, 500));
    await screenshot('step-terminal');
  });

  it('re-opening a finished step shows its whole log', async () => {
    const container = await batonContainer();
    const run = outside.engine.startRun(scriptTemplate('e2e-finished', [{ id: 'done', run: 'echo "finished output"' }]));
    await waitForRun(outside.engine, run.id, ['succeeded']);
    const terminal = await vscode.commands.executeCommand<vscode.Terminal>('baton.showStepLog', { runId: run.id, stepId: 'done' });
    const pty = container.terminals.ptyOf(terminal)!;
    await waitUntil('the log', () => pty.transcript.includes('finished output') && pty.transcript.includes('[succeeded]'));
  });

  it('Ctrl+C in a step terminal cancels the step', async () => {
    const marker = join(workspaceDir(), 'ctrl-c-started');
    const run = outside.engine.startRun(scriptTemplate('e2e-ctrl-c', [{ id: 'forever', run: `touch "${marker}"; sleep 120` }]));
    await waitUntil('the step to start', () => existsSync(marker));
    const terminal = await vscode.commands.executeCommand<vscode.Terminal>('baton.showStepLog', { runId: run.id, stepId: 'forever' });
    terminal.sendText('\x03', false);
    const cancelled = await waitForRun(outside.engine, run.id, ['cancelled'], 15_000);
    assert.equal(cancelled.status, 'cancelled');
    await waitUntil('the step cancelled', () => outside.engine.getRun(run.id).steps[0]!.status === 'cancelled', 15_000);
  });

  it('the status bar counts running and waiting runs', async () => {
    const container = await batonContainer();
    const run = await vscode.commands.executeCommand<{ id: string }>('baton.runTemplate', 'restricted', {});
    await waitForRun(outside.engine, run.id, ['waiting']);
    await waitUntil('the waiting count', () => /\$\(bell\) [1-9]/.test(container.statusBar.item.text), 10_000);
    assert.equal(container.statusBar.item.command, 'baton.runs.focus');
    outside.engine.cancelRun(run.id, { reason: 'test done' });
    await waitUntil('the count to drop', () => !/\$\(bell\)/.test(container.statusBar.item.text) || container.statusBar.counts().waiting === 0, 10_000);
  });
});
