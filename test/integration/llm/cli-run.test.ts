/** An `llm` step through `baton run` (the CLI's runtime wires the executor, key and endpoint). */
import assert from 'node:assert/strict';
import { Workspace, runIdFrom } from '../cli/harness';
import { MockModelServer, userTextOf } from '../../support/mock-model-server';

describe('llm steps through baton run', function () {
  this.timeout(30_000);
  let ws: Workspace;
  let mock: MockModelServer;
  beforeEach(async () => {
    ws = new Workspace('baton-llm-cli-');
    mock = await MockModelServer.start();
  });
  afterEach(async () => {
    await mock.close();
    ws.cleanup();
  });

  it('parses the reply into outputs the next step uses', async () => {
    ws.template(
      'triage.yml',
      `id: triage
inputs:
  properties:
    issue: { type: string }
steps:
  - id: classify
    llm:
      prompt: "Classify: \${{ inputs.issue }}"
      json_schema:
        type: object
        properties:
          label: { enum: [bug, feature] }
        required: [label]
  - id: act
    needs: classify
    run: echo "label is \${{ steps.classify.outputs.label }}"
`,
    );
    mock.enqueue({ type: 'text', text: '{"label": "bug"}' });
    const result = await ws.baton(['run', 'triage', '--input', 'issue=it crashes'], {
      env: { BATON_SECRET_ANTHROPIC_API_KEY: 'sk-ant-cli-key', BATON_ANTHROPIC_BASE_URL: mock.baseUrl },
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /act \| label is bug/);
    assert.match(userTextOf(mock.modelTurns[0]!), /^Classify: it crashes/);
    const shown = JSON.parse((await ws.baton(['show', runIdFrom(result.stdout), '--json'])).stdout) as {
      steps: Array<{ stepId: string; outputs: Record<string, unknown> }>;
    };
    assert.deepEqual(shown.steps.find((s) => s.stepId === 'classify')!.outputs.result, { label: 'bug' });
  });
});
