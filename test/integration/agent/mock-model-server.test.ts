/**
 * The mock model server against the real @anthropic-ai/sdk (the client `llm` steps use), so the
 * Messages API it speaks is checked by an independent parser, streaming and not.
 */
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { MockModelServer, userTextOf } from '../../support/mock-model-server';

describe('MockModelServer with the real Anthropic SDK', () => {
  let mock: MockModelServer;
  let client: Anthropic;

  beforeEach(async () => {
    mock = await MockModelServer.start();
    client = new Anthropic({ baseURL: mock.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
  });
  afterEach(() => mock.close());

  it('answers a non-streaming Messages call with the scripted text and usage, and records the request', async () => {
    mock.enqueue({ type: 'text', text: '{"ok":true}', usage: { inputTokens: 11, outputTokens: 4 } });
    const message = await client.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Reply with JSON' }],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: '{"ok":true}' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.input_tokens, 11);
    assert.equal(message.usage.output_tokens, 4);
    assert.equal(mock.modelTurns.length, 1);
    assert.equal(userTextOf(mock.modelTurns[0]!), 'Reply with JSON');
    assert.equal((mock.modelTurns[0]!.body as { max_tokens: number }).max_tokens, 100);
  });

  it('streams a tool call the SDK assembles into a tool_use block', async () => {
    mock.enqueue({ type: 'tool_call', name: 'lookup', input: { q: 'baton' }, text: 'Let me look.' });
    const stream = client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] });
    const message = await stream.finalMessage();
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.content[0]?.type, 'text');
    const tool = message.content[1];
    assert.ok(tool?.type === 'tool_use');
    assert.equal(tool.name, 'lookup');
    assert.deepEqual(tool.input, { q: 'baton' });
  });

  it('turns an http_error reply into the SDK error with status and message; an empty queue answers the fallback', async () => {
    mock.enqueue({ type: 'http_error', status: 429, errorType: 'rate_limit_error', message: 'slow down' });
    await assert.rejects(
      client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.APIError && error.status === 429 && /slow down/.test(error.message),
    );
    const fallback = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    assert.deepEqual(fallback.content, [{ type: 'text', text: 'mock model server: no scripted reply left' }]);
    assert.equal(mock.modelTurns.length, 1, 'only the scripted reply counts as a model turn');
  });

  it('lets a reply be computed from the request', async () => {
    mock.enqueue((request) => ({ type: 'text', text: `you said: ${userTextOf(request)}` }));
    const message = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] });
    assert.deepEqual(message.content, [{ type: 'text', text: 'you said: hello' }]);
  });
});
