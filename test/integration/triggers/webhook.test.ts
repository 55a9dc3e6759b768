import assert from 'node:assert/strict';
import { request } from 'node:http';
import { signWebhookBody, WebhookServer } from '../../../src/triggers';
import { runStep, template } from '../../support/engine-fixtures';
import { createTriggerEnv, type TriggerEnv } from './harness';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** A raw POST on 127.0.0.1 with exactly these headers (fetch would not let us set Host). */
function post(port: number, path: string, body: string | Buffer, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    // The server may close the connection before it has read everything we send (413).
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

const SECRET = 's3cret-key';
const hooked = template('deploy', [runStep('go', 'ok')], {
  on: { manual: true, schedule: [], file: [], event: [], webhook: {} },
  inputs: { properties: { env: { type: 'string', enum: ['staging', 'prod'], default: 'staging' } }, required: [] },
});
const named = template('named-secret', [runStep('go', 'ok')], {
  on: { manual: true, schedule: [], file: [], event: [], webhook: { secret: 'ci-hook' } },
});
const manualOnly = template('manual-only', [runStep('go', 'ok')]);

describe('webhook trigger (real HTTP on 127.0.0.1)', () => {
  let env: TriggerEnv;
  let server: WebhookServer;
  let port: number;
  let delivery = 0;

  const signed = (body: string, extra: Record<string, string> = {}) => ({
    'Content-Type': 'application/json',
    'X-Baton-Signature-256': signWebhookBody(SECRET, body),
    'X-Baton-Delivery': `d-${++delivery}`,
    ...extra,
  });

  beforeEach(async () => {
    env = createTriggerEnv({ templates: [hooked, named, manualOnly] });
    env.secrets.set('webhook:deploy', SECRET);
    env.secrets.set('ci-hook', 'other-key');
    server = new WebhookServer(env.ports);
    port = await server.start({ port: 0 });
  });
  afterEach(async () => {
    await server.stop();
    env.close();
  });

  it('starts a run for a signed POST: 202 with the run id, the body as trigger payload and body.inputs as inputs', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', inputs: { env: 'prod' } });
    const reply = await post(port, '/hooks/deploy', body, signed(body));
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const runId = reply.body.runId as string;
    const run = env.engine.getRun(runId).run;
    assert.equal(run.templateId, 'deploy');
    assert.deepEqual(run.trigger, { kind: 'webhook', payload: { ref: 'refs/heads/main', inputs: { env: 'prod' } } });
    assert.deepEqual(run.inputs, { env: 'prod' });
    assert.equal(env.runCount(), 1);
  });

  it("accepts GitHub's X-Hub-Signature-256 and X-GitHub-Delivery, and a secret named by on.webhook.secret", async () => {
    const body = JSON.stringify({ action: 'opened' });
    const reply = await post(port, '/hooks/named-secret', body, {
      'Content-Type': 'application/json',
      'X-Hub-Signature-256': signWebhookBody('other-key', body),
      'X-GitHub-Delivery': 'gh-1',
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    assert.equal(env.engine.getRun(reply.body.runId as string).run.templateId, 'named-secret');
  });

  it('rejects bad requests without creating a run', async () => {
    const body = JSON.stringify({ x: 1 });
    const cases: Array<[string, Promise<Reply>, number]> = [
      ['bad signature', post(port, '/hooks/deploy', body, signed(body, { 'X-Baton-Signature-256': signWebhookBody('wrong', body) })), 401],
      ['signature of another body', post(port, '/hooks/deploy', body, signed(body, { 'X-Baton-Signature-256': signWebhookBody(SECRET, '{}') })), 401],
      ['no signature', post(port, '/hooks/deploy', body, { 'Content-Type': 'application/json', 'X-Baton-Delivery': 'nosig' }), 401],
      ['wrong Host (DNS rebinding)', post(port, '/hooks/deploy', body, signed(body, { Host: `evil.example:${port}` })), 403],
      ['loopback Host with another port', post(port, '/hooks/deploy', body, signed(body, { Host: `localhost:${port + 1}` })), 403],
      ['not JSON', post(port, '/hooks/deploy', body, signed(body, { 'Content-Type': 'text/plain' })), 415],
      ['unknown template', post(port, '/hooks/nope', body, signed(body)), 404],
      ['template without on.webhook', post(port, '/hooks/manual-only', body, signed(body)), 404],
      ['bad JSON', post(port, '/hooks/deploy', '{oops', signed('{oops')), 400],
      ['invalid inputs', post(port, '/hooks/deploy', '{"inputs":{"env":"moon"}}', signed('{"inputs":{"env":"moon"}}')), 422],
      ['no delivery id', post(port, '/hooks/deploy', body, { 'Content-Type': 'application/json', 'X-Baton-Signature-256': signWebhookBody(SECRET, body) }), 400],
    ];
    for (const [what, reply, status] of cases) {
      const got = await reply;
      assert.equal(got.status, status, `${what}: ${JSON.stringify(got.body)}`);
      assert.equal(typeof got.body.error, 'string', what);
    }
    assert.equal(env.runCount(), 0);
  });

  it('accepts localhost and [::1] Host names with the right port', async () => {
    for (const host of [`localhost:${port}`, `[::1]:${port}`]) {
      const body = JSON.stringify({ host });
      assert.equal((await post(port, '/hooks/deploy', body, signed(body, { Host: host }))).status, 202, host);
    }
    assert.equal(env.runCount(), 2);
  });

  it('answers 413 to a body over 1 MB (declared or streamed) and starts nothing', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) });
    assert.equal((await post(port, '/hooks/deploy', big, signed(big))).status, 413);
    // Chunked, so the server only finds out while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/hooks/deploy', method: 'POST', headers: { ...signed(big), Host: `127.0.0.1:${port}`, 'Transfer-Encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      for (let i = 0; i < 20; i++) req.write('x'.repeat(64 * 1024));
      req.end();
    });
    assert.equal(chunked, 413);
    assert.equal(env.runCount(), 0);
  });

  it('answers 409 to a replayed delivery id, also after a restart on the same database', async () => {
    const body = JSON.stringify({ n: 1 });
    const headers = signed(body);
    assert.equal((await post(port, '/hooks/deploy', body, headers)).status, 202);
    assert.equal((await post(port, '/hooks/deploy', body, headers)).status, 409);
    await server.stop();
    const again = createTriggerEnv({ templates: [hooked], dir: env.dir });
    again.secrets.set('webhook:deploy', SECRET);
    const second = new WebhookServer(again.ports);
    const secondPort = await second.start({ port: 0 });
    try {
      assert.equal((await post(secondPort, '/hooks/deploy', body, { ...headers, Host: `127.0.0.1:${secondPort}` })).status, 409);
    } finally {
      await second.stop();
      again.opened.close();
    }
    assert.equal(env.runCount(), 1);
  });

  it('answers 403 in an untrusted workspace and starts nothing', async () => {
    env.trust.verdict = { trusted: false, reason: 'Restricted Mode' };
    const body = JSON.stringify({ n: 1 });
    const reply = await post(port, '/hooks/deploy', body, signed(body));
    assert.equal(reply.status, 403);
    assert.match(reply.body.error as string, /Restricted Mode/);
    assert.equal(env.runCount(), 0);
  });

  it('answers 401 when no secret is set for the template', async () => {
    env.secrets.delete('webhook:deploy');
    const body = JSON.stringify({ n: 1 });
    const reply = await post(port, '/hooks/deploy', body, signed(body));
    assert.equal(reply.status, 401);
    assert.match(reply.body.error as string, /webhook:deploy/);
    assert.equal(env.runCount(), 0);
  });
});
