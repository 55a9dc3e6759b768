import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { isLoopbackHostHeader, signWebhookBody, verifyWebhookSignature, webhookSecretName } from '../../../src/triggers';

describe('webhook checks', () => {
  const body = Buffer.from('{"ref":"main"}');

  it('signs like GitHub: sha256=<hex HMAC-SHA256 of the raw body>', () => {
    assert.equal(signWebhookBody('k', body), `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
  });

  it('verifies only the exact body with the exact secret', () => {
    const good = signWebhookBody('k', body);
    assert.equal(verifyWebhookSignature('k', body, good), true);
    assert.equal(verifyWebhookSignature('k', body, good.toUpperCase().replace('SHA256=', 'sha256=')), true, 'hex case does not matter');
    assert.equal(verifyWebhookSignature('other', body, good), false);
    assert.equal(verifyWebhookSignature('k', Buffer.from('{"ref":"evil"}'), good), false);
    assert.equal(verifyWebhookSignature('k', body, good.replace('sha256=', 'sha1=')), false);
    assert.equal(verifyWebhookSignature('k', body, good.slice(0, -2)), false, 'a short digest is refused, not compared');
    assert.equal(verifyWebhookSignature('k', body, ''), false);
  });

  it('accepts only loopback Host names with the listening port', () => {
    for (const host of ['127.0.0.1:8123', 'localhost:8123', 'LOCALHOST:8123', '[::1]:8123']) assert.equal(isLoopbackHostHeader(host, 8123), true, host);
    for (const host of [undefined, '', 'localhost', '127.0.0.1:80', 'evil.example:8123', '127.0.0.1.evil.example:8123', 'localhost:81234', '0.0.0.0:8123']) {
      assert.equal(isLoopbackHostHeader(host, 8123), false, String(host));
    }
    assert.equal(isLoopbackHostHeader('localhost', 80), true, 'port 80 may be left out');
  });

  it('names the secret per template', () => {
    assert.equal(webhookSecretName('deploy'), 'webhook:deploy');
  });
});
