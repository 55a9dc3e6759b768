import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { batonContainer, outsideEngine, scriptTemplate, waitForRun } from './helpers';

describe('comments and secrets', () => {
  const outside = outsideEngine();
  after(() => outside.opened.close());

  it('Add Comment records a comment on a run by the configured user', async () => {
    const run = outside.engine.startRun(scriptTemplate('e2e-comment', [{ id: 'one', run: 'true' }]));
    await waitForRun(outside.engine, run.id, ['succeeded']);
    await vscode.workspace.getConfiguration('baton').update('user', 'reviewer-ann', vscode.ConfigurationTarget.Global);
    try {
      const comment = await vscode.commands.executeCommand<{ id: number }>('baton.addComment', { runId: run.id, stepId: 'one', body: 'checked the output' });
      assert.ok(comment);
      const [stored] = outside.engine.listComments(run.id);
      assert.equal(stored?.body, 'checked the output');
      assert.equal(stored?.author, 'reviewer-ann');
      assert.equal(stored?.stepId, 'one');
    } finally {
      await vscode.workspace.getConfiguration('baton').update('user', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a secret set in VS Code reaches the step and is redacted from its log; Clear Secret removes it', async () => {
    const container = await batonContainer();
    await vscode.commands.executeCommand('baton.setSecret', { name: 'E2E_TOKEN', value: 's3cret-value-123' });
    assert.equal(await container.context.secrets.get('baton.secret.E2E_TOKEN'), 's3cret-value-123');
    const run = outside.engine.startRun(
      scriptTemplate('e2e-secret', [{ id: 'use', run: 'test "${{ secrets.E2E_TOKEN }}" = "s3cret-value-123" && echo "token is ${{ secrets.E2E_TOKEN }}"' }]),
    );
    const done = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', `the step saw the secret: ${done.error ?? ''}`);
    await outside.opened.files.flush();
    const stepDir = container.runtimes.open()[0]!.opened.files.stepDir(run.id, 'use', null);
    await container.runtimes.open()[0]!.opened.files.flush();
    const log = readFileSync(join(stepDir, 'stdout.log'), 'utf8');
    assert.match(log, /token is \*\*\*/);
    assert.doesNotMatch(log, /s3cret-value-123/);

    assert.equal(await vscode.commands.executeCommand('baton.clearSecret', 'E2E_TOKEN'), 'E2E_TOKEN');
    assert.equal(await container.context.secrets.get('baton.secret.E2E_TOKEN'), undefined);
  });
});
