/** A code template (`execute(ctx)`) through `baton run` and `baton resume`, as a user runs it. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Workspace, runIdFrom } from '../cli/harness';

describe('function steps through the CLI', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace('baton-fn-cli-');
  });
  afterEach(() => ws.cleanup());

  it('baton run fails after two recorded steps; baton resume finishes without calling them again', async () => {
    ws.template(
      'tally.ts',
      `import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineWorkflow } from 'baton';

export default defineWorkflow({
  id: 'tally',
  description: 'counts with side effects',
  async execute(ctx) {
    const file = join(ctx.cwd, 'calls.txt');
    const one = await ctx.step('one', () => { appendFileSync(file, 'one\\n'); return 1; });
    const two = await ctx.step('two', () => { appendFileSync(file, 'two\\n'); return one + 1; });
    if (!existsSync(join(ctx.cwd, 'go'))) throw new Error('not yet');
    const three = await ctx.step('three', () => { appendFileSync(file, 'three\\n'); return two + 1; });
    return { three };
  },
});
`,
    );
    const first = await ws.baton(['run', 'tally']);
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stdout, /execute\(ctx\) threw: not yet/);
    const runId = runIdFrom(first.stdout);
    assert.equal(readFileSync(ws.file('calls.txt'), 'utf8'), 'one\ntwo\n');

    writeFileSync(ws.file('go'), '');
    const resumed = await ws.baton(['resume', runId]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.equal(readFileSync(ws.file('calls.txt'), 'utf8'), 'one\ntwo\nthree\n');
    const shown = JSON.parse((await ws.baton(['show', runId, '--json'])).stdout) as { steps: Array<{ outputs: Record<string, unknown> }> };
    assert.equal(shown.steps[0]!.outputs.three, 3);
  });
});
