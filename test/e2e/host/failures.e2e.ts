import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/model';
import { clickNotificationButton, notificationTexts } from './bridge';
import { batonCli, batonContainer, outsideEngine, waitForRun, waitUntil } from './helpers';

const FAILED_TEXT = 'Baton: Failing failed — step break failed';

async function failureNotifications(): Promise<number> {
  return (await notificationTexts()).filter((text) => text.includes(FAILED_TEXT)).length;
}

/** Waits for one failure notification, then long enough for any duplicate to show up too (the poll runs every second). */
async function expectOneFailureNotification(): Promise<void> {
  await waitUntil('the failure notification', async () => (await failureNotifications()) > 0);
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(await failureNotifications(), 1, (await notificationTexts()).join('\n'));
}

describe('run failure notifications', () => {
  const outside = outsideEngine();
  after(() => outside.opened.close());

  it('a run the CLI starts and fails raises one notification; Show Log opens the failed step\'s terminal', async () => {
    const container = await batonContainer();
    const cli = await batonCli(['run', 'failing', '--json']);
    assert.equal(cli.code, 1, `baton run exits 1 for a failed run:\n${cli.stdout}\n${cli.stderr}`);
    const run = outside.engine.listRuns({ templateId: 'failing', limit: 1 })[0]!;
    assert.equal(run.status, 'failed');
    assert.equal(run.trigger.kind, 'cli');

    await expectOneFailureNotification();
    await clickNotificationButton(FAILED_TEXT, 'Show Log', 'failure-notification');
    await waitUntil('the failed step\'s terminal', () => container.terminals.openSteps().some((s) => s.runId === run.id && s.stepId === 'break'));
    const terminal = vscode.window.terminals.find((t) => /Failing › break/.test(t.name));
    assert.ok(terminal, vscode.window.terminals.map((t) => t.name).join(', '));
    const pty = container.terminals.ptyOf(terminal)!;
    await waitUntil('the step log with its end', () => pty.transcript.includes('about to fail') && pty.transcript.includes('[failed'));
    assert.equal(await failureNotifications(), 0, 'the clicked notification is gone');
  });

  it('a run started from the palette that fails notifies once, and Retry from the notification retries it', async () => {
    const run = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'failing', {});
    assert.ok(run);
    await waitForRun(outside.engine, run.id, ['failed', 'succeeded']);
    await expectOneFailureNotification();
    await clickNotificationButton(FAILED_TEXT, 'Retry');
    await waitUntil('the retried step to fail again', () => outside.engine.getRun(run.id).steps.find((s) => s.stepId === 'break')!.attempts === 2 && outside.engine.getRun(run.id).run.status === 'failed');
    const prepare = outside.engine.getRun(run.id).steps.find((s) => s.stepId === 'prepare')!;
    assert.equal(prepare.attempts, 1, 'Retry kept the finished step');
    // The second failure is a new failure: one new notification.
    await expectOneFailureNotification();
  });
});
