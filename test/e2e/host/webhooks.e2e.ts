import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { signWebhookBody } from '../../../src/triggers';
import { outsideEngine, waitForRun, waitUntil } from './helpers';

describe('webhooks', () => {
  const port = Number(process.env.BATON_E2E_WEBHOOK_PORT);
  const url = `http://127.0.0.1:${port}/hooks/hooked`;
  const post = (body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('a signed POST starts a run; bad signature 401, oversized 413, replay 409, and none of those start one', async () => {
    assert.ok(port > 0, 'the harness set baton.webhook.port for this folder');
    assert.equal(await vscode.commands.executeCommand('baton.setWebhookSecret', { templateId: 'hooked', value: 'hook-key' }), 'webhook:hooked');
    await waitUntil('the webhook listener', () => fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false), 20_000);
    const outside = outsideEngine();
    try {
      const body = JSON.stringify({ ref: 'main' });
      const accepted = await post(body, { 'x-baton-signature-256': signWebhookBody('hook-key', body), 'x-baton-delivery': 'delivery-1' });
      assert.equal(accepted.status, 202, await accepted.clone().text());
      const { runId } = (await accepted.json()) as { runId: string };
      const run = await waitForRun(outside.engine, runId, ['succeeded', 'failed']);
      assert.equal(run.status, 'succeeded');
      assert.equal(run.trigger.kind, 'webhook');

      const replay = await post(body, { 'x-baton-signature-256': signWebhookBody('hook-key', body), 'x-baton-delivery': 'delivery-1' });
      assert.equal(replay.status, 409);
      const forged = await post(body, { 'x-baton-signature-256': signWebhookBody('wrong-key', body), 'x-baton-delivery': 'delivery-2' });
      assert.equal(forged.status, 401);
      const huge = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
      const oversized = await post(huge, { 'x-baton-signature-256': signWebhookBody('hook-key', huge), 'x-baton-delivery': 'delivery-3' });
      assert.equal(oversized.status, 413);

      assert.deepEqual(
        outside.engine.listRuns({ templateId: 'hooked' }).map((r) => r.id),
        [runId],
        'only the signed delivery started a run',
      );
    } finally {
      outside.opened.close();
    }
  });
});
