import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { openStore } from '../../../src/store';
import { signWebhookBody } from '../../../src/triggers';
import { waitUntil } from '../../support/engine-fixtures';
import { Workspace } from '../cli/harness';

const TEMPLATE = `id: on-things
name: On things
on:
  webhook: true
  file:
    paths: ['docs/**/*.md']
    events: [save, create]
    debounce: 100ms
steps:
  - id: hello
    run: echo "from \${{ toJSON(trigger) }}"
`;

function post(port: number, body: string, secret: string, delivery: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/hooks/on-things',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Baton-Signature-256': signWebhookBody(secret, body), 'X-Baton-Delivery': delivery },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('baton worker --triggers --webhook-port', function () {
  this.timeout(30_000);

  it('hosts the webhook and file triggers and executes the runs they start', async () => {
    const ws = new Workspace('baton-cli-triggers-');
    ws.template('on-things.yml', TEMPLATE);
    const stop = new AbortController();
    let output = '';
    try {
      const finished = ws.baton(['worker', '--triggers', '--webhook-port', '0'], {
        signal: stop.signal,
        env: { BATON_SECRET_WEBHOOK_ON_THINGS: 'cli-secret' },
        onStdout: (_text, all) => (output = all),
      });
      await waitUntil('the listener', () => /webhooks on http:\/\/127\.0\.0\.1:(\d+)\//.test(output), 15_000);
      const port = Number(/webhooks on http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)![1]);

      assert.equal((await post(port, '{"x":1}', 'wrong', 'd1')).status, 401);
      const accepted = await post(port, '{"x":1}', 'cli-secret', 'd2');
      assert.equal(accepted.status, 202, accepted.text);
      const runId = (JSON.parse(accepted.text) as { runId: string }).runId;
      await waitUntil('the webhook run to succeed', () => output.includes(`${runId} run.succeeded`), 15_000);

      mkdirSync(join(ws.dir, 'docs'), { recursive: true });
      writeFileSync(join(ws.dir, 'docs', 'a.md'), '# a');
      await waitUntil('a file-triggered run', () => (output.match(/run\.succeeded/g) ?? []).length >= 2, 15_000);

      stop.abort();
      const result = await finished;
      assert.equal(result.code, 0, result.stderr);
      const opened = openStore(ws.dbPath);
      try {
        const runs = opened.store.listRuns({});
        assert.deepEqual(runs.map((r) => r.trigger.kind).sort(), ['file', 'webhook']);
        const fileRun = runs.find((r) => r.trigger.kind === 'file')!;
        assert.deepEqual((fileRun.trigger.payload as { paths: string[] }).paths, ['docs/a.md']);
        assert.deepEqual(runs.find((r) => r.trigger.kind === 'webhook')!.trigger.payload, { x: 1 });
      } finally {
        opened.close();
      }
    } finally {
      stop.abort();
      ws.cleanup();
    }
  });
});
