/**
 * `baton ask` through the CLI (fake IO) with the real Anthropic SDK against the mock Messages
 * server: the model sees the catalogue, its choice is checked, confirmed, and the run executes.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Workspace, runIdFrom } from '../cli/harness';
import { MockModelServer, userTextOf } from '../../support/mock-model-server';

describe('baton ask', function () {
  this.timeout(30_000);
  let ws: Workspace;
  let mock: MockModelServer;

  beforeEach(async () => {
    ws = new Workspace('baton-ask-');
    mock = await MockModelServer.start();
    ws.template(
      'greet.yml',
      `id: greet
name: Greet someone
description: Writes a greeting for a person into a file
inputs:
  properties:
    who: { type: string, description: name of the person }
    times: { type: integer, default: 1, minimum: 1 }
  required: [who]
steps:
  - id: write
    run: for i in $(seq \${{ inputs.times }}); do echo "hello \${{ inputs.who }}" >> greeting.txt; done
`,
    );
    ws.template(
      'cleanup.yml',
      `id: cleanup
name: Clean the build folder
description: Deletes build output
steps:
  - id: rm
    run: echo cleaning
`,
    );
  });
  afterEach(async () => {
    await mock.close();
    ws.cleanup();
  });

  const env = () => ({ BATON_SECRET_ANTHROPIC_API_KEY: 'sk-ant-ask-test', BATON_ANTHROPIC_BASE_URL: mock.baseUrl });

  it('picks a template, fills its inputs, asks, and runs it after "y"', async () => {
    mock.enqueue({ type: 'text', text: '```json\n{"template": "greet", "inputs": {"who": "Ada", "times": 2}, "reason": "a greeting was asked for"}\n```' });
    const result = await ws.baton(['ask', 'say hello to Ada twice'], { env: env(), stdin: Readable.from(['y\n']) });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /template: greet {2}\(Greet someone\)/);
    assert.match(result.stdout, /who = "Ada"/);
    assert.match(result.stdout, /times = 2/);
    assert.match(result.stdout, /Start this run\? \[y\/N\]/);
    runIdFrom(result.stdout.slice(result.stdout.indexOf('run ')));
    assert.equal(ws.read('greeting.txt'), 'hello Ada\nhello Ada\n');

    const prompt = userTextOf(mock.modelTurns[0]!);
    assert.match(prompt, /say hello to Ada twice/);
    assert.match(prompt, /"id": "cleanup"/);
    assert.match(prompt, /"description": "name of the person"/);
  });

  it('does not start anything when the answer is not yes', async () => {
    mock.enqueue({ type: 'text', text: '{"template": "cleanup", "inputs": {}, "reason": "cleaning"}' });
    const result = await ws.baton(['ask', 'clean up'], { env: env(), stdin: Readable.from(['n\n']) });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /not started/);
    assert.equal(existsSync(ws.dbPath), false);
  });

  it('reports inputs that do not fit the template instead of running it', async () => {
    mock.enqueue({ type: 'text', text: '{"template": "greet", "inputs": {"times": 0}, "reason": "greeting"}' });
    const result = await ws.baton(['ask', 'greet', '--yes'], { env: env() });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /the model chose greet but its inputs do not fit/);
    assert.match(result.stderr, /who: is required/);
    assert.match(result.stderr, /times: /);
    assert.equal(existsSync(ws.dbPath), false);
  });

  it('says when no template fits, and when the model names one that does not exist', async () => {
    mock.enqueue(
      { type: 'text', text: '{"template": null, "inputs": {}, "reason": "nothing deploys"}' },
      { type: 'text', text: '{"template": "deploy", "inputs": {}, "reason": "deploying"}' },
    );
    const none = await ws.baton(['ask', 'deploy to prod', '--yes'], { env: env() });
    assert.equal(none.code, 3);
    assert.match(none.stderr, /no template fits: nothing deploys/);
    const unknown = await ws.baton(['ask', 'deploy to prod', '--yes'], { env: env() });
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /chose "deploy", which is not a template here \(cleanup, greet\)/);
  });
});
