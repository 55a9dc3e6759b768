/**
 * Agent steps through the CLI wiring: a stand-in `claude` that replays a stream captured from
 * the real CLI (test/fixtures/agent-streams), so this checks that `baton run` registers the
 * agent executor and hands its result to the next step. The real CLIs are covered in
 * test/integration/agent.
 */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Workspace, runIdFrom } from './harness';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'agent-streams', 'claude');

const TEMPLATE = `id: greet
steps:
  - id: hello
    agent: claude
    prompt: Say hello.
  - id: echo
    needs: [hello]
    run: echo "agent said \${{ steps.hello.outputs.result }}"
`;

describe('agent steps from the CLI', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.template('greet.yml', TEMPLATE);
  });
  afterEach(() => ws.cleanup());

  it('runs an agent step and passes its result downstream', async () => {
    const fake = join(ws.dir, 'fake-claude');
    writeFileSync(fake, `#!/bin/sh\necho "$@" > "${join(ws.dir, 'claude-args')}"\ncat "${join(FIXTURES, 'success.jsonl')}"\n`);
    chmodSync(fake, 0o755);
    const result = await ws.baton(['run', 'greet'], { env: { BATON_CLAUDE_PATH: fake } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /echo \| agent said Hello from the mock model\./);
    assert.match(ws.read('claude-args'), /-p /, 'the CLI was invoked headless');
    const detail = JSON.parse((await ws.baton(['show', runIdFrom(result.stdout), '--json'])).stdout);
    const hello = detail.steps.find((s: { stepId: string }) => s.stepId === 'hello');
    assert.equal(hello.outputs.result, 'Hello from the mock model.');
    assert.equal(hello.sessionId, '0c4c9190-c6af-4953-a7c8-9880f7a9a207');
  });

  it('fails at once, without retrying, when the agent CLI is not installed', async () => {
    ws.template('greet.yml', TEMPLATE.replace('    prompt: Say hello.', '    prompt: Say hello.\n    retry:\n      max: 3'));
    const result = await ws.baton(['run', 'greet'], { env: { BATON_CLAUDE_PATH: '', PATH: '/nonexistent' } });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /step hello failed: claude not found: install it with npm i -g @anthropic-ai\/claude-code/);
    const detail = JSON.parse((await ws.baton(['show', runIdFrom(result.stdout), '--json'])).stdout);
    assert.equal(detail.attempts.filter((a: { stepId: string }) => a.stepId === 'hello').length, 1, 'a missing binary is not retried');
  });
});
