import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { systemClock } from '../../../src/core/engine';
import type { GateRecord, RunRecord } from '../../../src/core/model';
import { BatonStepTools } from '../../../src/mcp/step-tools';
import { clickNotificationButton, notificationTexts, screenshot, typeIntoQuickInput } from './bridge';
import { batonCli, outsideEngine, scriptTemplate, waitForRun, waitUntil, workspaceDir } from './helpers';

describe('gates', () => {
  const outside = outsideEngine();
  after(() => outside.opened.close());

  async function startGated(version: string): Promise<RunRecord> {
    const run = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'gated', { version });
    assert.ok(run);
    await waitForRun(outside.engine, run.id, ['waiting']);
    return run;
  }

  it('a waiting gate raises a notification; Approve with a comment and the form completes the run', async () => {
    const run = await startGated('7.7.7');
    await clickNotificationButton('Ship 7.7.7?', 'Approve', 'gate-notification');
    await typeIntoQuickInput('looks good', 'Comment');
    await typeIntoQuickInput('fixed the flux capacitor', 'notes');
    const done = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const gate = outside.engine.listGates(run.id)[0]!;
    assert.equal(gate.decision, 'approved');
    assert.equal(gate.comment, 'looks good');
    assert.deepEqual(gate.formInputs, { notes: 'fixed the flux capacitor' });
    const publish = outside.engine.getRun(run.id).steps.find((s) => s.stepId === 'publish')!;
    assert.equal(publish.outputs?.published, 'fixed the flux capacitor');
  });

  async function gateNotificationShown(text: string): Promise<boolean> {
    return (await notificationTexts()).some((message) => message.includes(text));
  }

  it('the gate notification goes away when `baton approve` in another process decides the gate', async () => {
    const run = await startGated('9.9.9');
    await waitUntil('the gate notification', () => gateNotificationShown('Ship 9.9.9?'));
    await screenshot('gate-notification-waiting');
    const cli = await batonCli(['approve', run.id, 'approve', '--comment', 'from the terminal']);
    assert.equal(cli.code, 0, `${cli.stdout}\n${cli.stderr}`);
    await waitUntil('the gate notification to close', async () => !(await gateNotificationShown('Ship 9.9.9?')), 10_000);
    assert.equal((await waitForRun(outside.engine, run.id, ['succeeded', 'failed'])).status, 'succeeded');
    assert.equal(outside.engine.listGates(run.id)[0]!.comment, 'from the terminal');
    await screenshot('gate-notification-closed');
  });

  it('Cancel on the gate notification only dismisses it: the gate keeps waiting and it does not come back', async () => {
    const run = await startGated('5.5.5');
    await waitUntil('the gate notification', () => gateNotificationShown('Ship 5.5.5?'));
    await clickNotificationButton('Ship 5.5.5?', 'Cancel');
    await waitUntil('the notification dismissed', async () => !(await gateNotificationShown('Ship 5.5.5?')), 10_000);
    // Something else happens in the database: the notifier looks at its gates again.
    outside.engine.addComment(run.id, { author: 'someone', body: 'still thinking' });
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(await gateNotificationShown('Ship 5.5.5?'), false, 'a dismissed gate does not notify again');
    assert.equal(outside.engine.getRun(run.id).run.status, 'waiting');
    assert.equal(outside.engine.listGates(run.id)[0]!.decision, null);
    outside.engine.cancelRun(run.id, { reason: 'test done' });
  });

  it('the gate notification goes away when its run is cancelled', async () => {
    const run = await startGated('6.6.6');
    await waitUntil('the gate notification', () => gateNotificationShown('Ship 6.6.6?'));
    outside.engine.cancelRun(run.id, { reason: 'not today' });
    await waitUntil('the gate notification to close', async () => !(await gateNotificationShown('Ship 6.6.6?')), 10_000);
  });

  it('the gate notification goes away when the gate times out and the run proceeds', async () => {
    const template = scriptTemplate('e2e-gate-timeout', [{ id: 'after', run: 'echo went ahead', needs: ['hold'] }]);
    template.steps.unshift({ kind: 'gate', id: 'hold', message: 'Hold the line?', approvers: [], gateTimeoutMs: 3_000, onTimeout: 'proceed', needs: [], env: {}, continueOnError: false });
    const run = outside.engine.startRun(template);
    await waitUntil('the gate notification', () => gateNotificationShown('Hold the line?'));
    assert.equal((await waitForRun(outside.engine, run.id, ['succeeded', 'failed'], 30_000)).status, 'succeeded');
    await waitUntil('the gate notification to close', async () => !(await gateNotificationShown('Hold the line?')), 10_000);
  });

  it('an agent step\'s request_approval raises the notification, and it goes away once `baton approve` answers it', async () => {
    const marker = join(workspaceDir(), 'agent-approval-answered');
    const run = outside.engine.startRun(scriptTemplate('e2e-agent-approval', [{ id: 'agentish', run: `while [ ! -f "${marker}" ]; do sleep 0.2; done` }]));
    await waitUntil('the step to run', () => outside.engine.getRun(run.id).steps[0]!.status === 'running');
    // What Baton's MCP server does for the agent: the step keeps running while it waits.
    const tools = new BatonStepTools({
      store: outside.opened.store,
      engine: outside.engine,
      clock: systemClock,
      runId: run.id,
      stepId: 'agentish',
      itemKey: null,
      stepDir: workspaceDir(),
      artifactsDir: workspaceDir(),
      cwd: workspaceDir(),
      approvalPollMs: 100,
    });
    const answered = tools.requestApproval('Delete the stale branches?');
    await waitUntil('the approval notification', () => gateNotificationShown('Delete the stale branches?'));
    const cli = await batonCli(['approve', run.id, 'agentish', '--comment', 'go ahead']);
    assert.equal(cli.code, 0, `${cli.stdout}\n${cli.stderr}`);
    assert.equal((await answered).decision, 'approved');
    await waitUntil('the approval notification to close', async () => !(await gateNotificationShown('Delete the stale branches?')), 10_000);
    writeFileSync(marker, '');
    assert.equal((await waitForRun(outside.engine, run.id, ['succeeded', 'failed'])).status, 'succeeded');
  });

  it('Reject Gate fails the run with the comment recorded', async () => {
    const run = await startGated('8.8.8');
    const gate = await vscode.commands.executeCommand<GateRecord>('baton.rejectGate', { runId: run.id, stepId: 'approve', comment: 'not this week' });
    assert.equal(gate?.decision, 'rejected');
    const done = await waitForRun(outside.engine, run.id, ['failed', 'succeeded']);
    assert.equal(done.status, 'failed');
    assert.equal(outside.engine.listGates(run.id)[0]!.comment, 'not this week');
    assert.ok(outside.engine.listComments(run.id).some((c) => c.body === 'not this week'));
    const publish = outside.engine.getRun(run.id).steps.find((s) => s.stepId === 'publish')!;
    assert.notEqual(publish.status, 'succeeded', 'nothing after a rejected gate runs');
  });

  it('only a listed approver can decide a gate that names approvers', async () => {
    const run = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'restricted', {});
    await waitForRun(outside.engine, run.id, ['waiting']);
    const refused = await vscode.commands.executeCommand('baton.approveGate', { runId: run.id, stepId: 'approve' });
    assert.equal(refused, undefined, 'the command reported the refusal instead of deciding');
    assert.equal(outside.engine.listGates(run.id)[0]!.decision, null, 'still undecided');

    await vscode.workspace.getConfiguration('baton').update('user', 'release-manager', vscode.ConfigurationTarget.Global);
    try {
      await waitUntil('the setting to apply', () => vscode.workspace.getConfiguration('baton').get('user') === 'release-manager');
      const gate = await vscode.commands.executeCommand<GateRecord>('baton.approveGate', { runId: run.id, stepId: 'approve' });
      assert.equal(gate?.decidedBy, 'release-manager');
      assert.equal((await waitForRun(outside.engine, run.id, ['succeeded', 'failed'])).status, 'succeeded');
    } finally {
      await vscode.workspace.getConfiguration('baton').update('user', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
