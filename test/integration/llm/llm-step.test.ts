/**
 * `llm` steps through the real @anthropic-ai/sdk against the mock Messages server, in real
 * engine runs on a real database: plain text, json_schema with a mismatch retried, errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretSource } from '../../../src/core/ports';
import type { LlmStep } from '../../../src/core/template/types';
import { LlmExecutor, extractJson } from '../../../src/executors/llm';
import { Worker, type Engine } from '../../../src/core/engine';
import { createEngineHarness, template, type EngineHarness } from '../../support/engine-fixtures';
import { MockModelServer, userTextOf } from '../../support/mock-model-server';

const API_KEY = 'sk-ant-test-0123456789abcdef';

function secrets(values: Record<string, string>): SecretSource {
  return { get: async (name) => values[name] };
}

/** Works the run until it finishes (retry delays included). */
async function runToEnd(engine: Engine, runId: string): Promise<void> {
  const done = () => ['succeeded', 'failed', 'cancelled'].includes(engine.getRun(runId).run.status);
  await new Worker(engine, { pollMs: 5 }).run({ until: done });
}

function llmStep(id: string, prompt: string, extras: Partial<Omit<LlmStep, 'kind' | 'id' | 'prompt'>> = {}): LlmStep {
  return { kind: 'llm', id, prompt, needs: [], env: {}, continueOnError: false, ...extras };
}

describe('llm steps against a mock Messages server', function () {
  this.timeout(20_000);
  let mock: MockModelServer;
  let harness: EngineHarness;

  beforeEach(async () => {
    mock = await MockModelServer.start();
  });
  afterEach(async () => {
    harness?.close();
    await mock.close();
  });

  function engineWith(keys: Record<string, string> = { ANTHROPIC_API_KEY: API_KEY }) {
    const source = secrets(keys);
    harness = createEngineHarness({
      executors: [new LlmExecutor({ secrets: source, baseUrl: mock.baseUrl })],
      secrets: source,
    });
    return harness.engine;
  }

  it('sends the resolved prompt, system and model with the key from the secret source; the text becomes outputs', async () => {
    const engine = engineWith();
    mock.enqueue({ type: 'text', text: 'Baton runs workflows.', usage: { inputTokens: 40, outputTokens: 7 } });
    const run = engine.startRun(
      template('summarize', [llmStep('sum', 'Summarize ${{ inputs.topic }} in one line.', { system: 'Be terse.', model: 'claude-haiku-4-5', maxTokens: 200 })]),
      { inputs: { topic: 'Baton' } },
    );
    await runToEnd(engine, run.id);
    const state = engine.getRun(run.id);
    assert.equal(state.run.status, 'succeeded');
    const step = state.steps[0]!;
    assert.deepEqual(step.outputs, { text: 'Baton runs workflows.', result: 'Baton runs workflows.' });

    const request = mock.modelTurns[0]!;
    assert.equal(userTextOf(request), 'Summarize Baton in one line.');
    const body = request.body as { model: string; max_tokens: number; system: unknown };
    assert.equal(body.model, 'claude-haiku-4-5');
    assert.equal(body.max_tokens, 200);
    assert.equal(JSON.stringify(body.system).includes('Be terse.'), true);
    // The SDK sends the key as `x-api-key` or (newer versions) a bearer token.
    const sentKey = request.headers['x-api-key'] ?? String(request.headers.authorization).replace(/^Bearer /, '');
    assert.equal(sentKey, API_KEY);

    const attempts = harness.opened.store.listAttempts(step.id);
    assert.equal(attempts.length, 1);
    assert.ok(Math.abs(attempts[0]!.costUsd! - (40 * 1 + 7 * 5) / 1e6) < 1e-12, `cost ${attempts[0]!.costUsd}`);
    const usage = harness.opened.store
      .listEvents(0, { runId: run.id })
      .filter((e) => e.type === 'step.progress')
      .flatMap((e) => JSON.stringify(e.payload));
    assert.ok(usage.some((p) => p.includes('"usage"') && p.includes('40')), usage.join('\n'));
    const stepDir = harness.opened.files.stepDir(run.id, 'sum', null);
    assert.equal(readFileSync(join(stepDir, 'prompt.md'), 'utf8').includes('Summarize Baton'), true);
    // The key is never written anywhere in the run folder or the database.
    assert.ok(!readFileSync(harness.dbPath).includes(API_KEY));
  });

  it('retries a reply that does not match json_schema, and the second attempt fills the outputs', async () => {
    const engine = engineWith();
    mock.enqueue(
      { type: 'text', text: '```json\n{"verdict": "maybe", "score": "high"}\n```' },
      { type: 'text', text: 'Here you go:\n```json\n{"verdict": "approve", "score": 8}\n```' },
    );
    const schema = {
      type: 'object',
      properties: { verdict: { enum: ['approve', 'reject'] }, score: { type: 'integer' } },
      required: ['verdict', 'score'],
    };
    const run = engine.startRun(
      template('review', [
        llmStep('judge', 'Judge the change.', { jsonSchema: schema, retry: { max: 2, backoff: 'fixed', delayMs: 10, maxDelayMs: 10 } }),
      ]),
    );
    await runToEnd(engine, run.id);
    const state = engine.getRun(run.id);
    assert.equal(state.run.status, 'succeeded', JSON.stringify(state.steps));
    const step = state.steps[0]!;
    assert.equal(step.outputs?.verdict, 'approve');
    assert.equal(step.outputs?.score, 8);
    assert.deepEqual(step.outputs?.result, { verdict: 'approve', score: 8 });
    const attempts = harness.opened.store.listAttempts(step.id);
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0]!.status, 'failed');
    assert.match(attempts[0]!.error ?? '', /does not match the schema/);
    assert.match(attempts[0]!.error ?? '', /\/verdict: must be equal to one of the allowed values/);
    assert.match(attempts[0]!.error ?? '', /\/score: must be integer/);
    assert.equal(attempts[1]!.status, 'succeeded');
    assert.equal(mock.modelTurns.length, 2);
    assert.match(userTextOf(mock.modelTurns[0]!), /matches this JSON Schema/);
  });

  it('fails without retrying on a rejected key (401), even with retries left', async () => {
    const engine = engineWith();
    mock.enqueue({ type: 'http_error', status: 401, message: 'invalid x-api-key', errorType: 'authentication_error' });
    const run = engine.startRun(template('auth', [llmStep('ask', 'hi', { retry: { max: 3, backoff: 'fixed', delayMs: 10, maxDelayMs: 10 } })]));
    await runToEnd(engine, run.id);
    const state = engine.getRun(run.id);
    assert.equal(state.run.status, 'failed');
    assert.match(state.steps[0]!.error ?? '', /key rejected \(401\): invalid x-api-key/);
    assert.equal(harness.opened.store.listAttempts(state.steps[0]!.id).length, 1);
  });

  it('retries a rate limit (429) and a server error (500)', async () => {
    const engine = engineWith();
    mock.enqueue(
      { type: 'http_error', status: 429, message: 'slow down', errorType: 'rate_limit_error' },
      { type: 'http_error', status: 500, message: 'boom', errorType: 'api_error' },
      { type: 'text', text: 'fine' },
    );
    const run = engine.startRun(template('flaky', [llmStep('ask', 'hi', { retry: { max: 3, backoff: 'fixed', delayMs: 10, maxDelayMs: 10 } })]));
    await runToEnd(engine, run.id);
    const state = engine.getRun(run.id);
    assert.equal(state.run.status, 'succeeded');
    const attempts = harness.opened.store.listAttempts(state.steps[0]!.id);
    assert.deepEqual(attempts.map((a) => a.status), ['failed', 'failed', 'succeeded']);
    assert.match(attempts[0]!.error ?? '', /429: slow down/);
    assert.match(attempts[1]!.error ?? '', /500: boom/);
  });

  it('says which secret to set when there is no API key', async () => {
    const engine = engineWith({});
    const run = engine.startRun(template('nokey', [llmStep('ask', 'hi')]));
    await runToEnd(engine, run.id);
    const state = engine.getRun(run.id);
    assert.equal(state.run.status, 'failed');
    assert.match(state.steps[0]!.error ?? '', /no Anthropic API key: set the secret ANTHROPIC_API_KEY/);
    assert.equal(mock.modelTurns.length, 0);
  });
});

describe('extractJson', () => {
  it('reads bare JSON and fenced JSON, and explains what is not JSON', () => {
    assert.deepEqual(extractJson(' {"a":1} '), { ok: true, value: { a: 1 } });
    assert.deepEqual(extractJson('Sure:\n```json\n[1,2]\n```\nDone.'), { ok: true, value: [1, 2] });
    const bad = extractJson('no json here');
    assert.equal(bad.ok, false);
  });
});
