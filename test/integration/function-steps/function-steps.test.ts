/**
 * TypeScript templates written as code (`execute(ctx)` with `ctx.step(id, fn)`), loaded from a
 * real file and run by a real engine on a real database: finished `ctx.step`s are recorded and
 * not run again when the body is retried or the failed run is resumed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type Engine } from '../../../src/core/engine';
import { loadTemplateFile } from '../../../src/core/template';
import { FunctionExecutor } from '../../../src/executors/function';
import { evaluateTypeScriptTemplate } from '../../../src/loaders/typescript';
import { createEngineHarness, type EngineHarness } from '../../support/engine-fixtures';

async function runToEnd(engine: Engine, runId: string): Promise<void> {
  const done = () => ['succeeded', 'failed', 'cancelled'].includes(engine.getRun(runId).run.status);
  await new Worker(engine, { pollMs: 5 }).run({ until: done });
}

/** A code template: steps a and b append to a counter file, then the first attempt crashes. */
const TEMPLATE = `import { appendFileSync } from 'node:fs';
import { defineWorkflow } from 'baton';

export default defineWorkflow({
  id: 'code-flow',
  name: 'Code flow',
  inputs: { properties: { dir: { type: 'string' } }, required: ['dir'] },
  defaults: { retry: RETRY },
  async execute(ctx) {
    const dir = ctx.inputs.dir as string;
    const a = await ctx.step('a', () => {
      appendFileSync(dir + '/calls.txt', 'a\\n');
      return { n: 20 };
    });
    const b = await ctx.step('b', async () => {
      appendFileSync(dir + '/calls.txt', 'b\\n');
      return a.n + 1;
    });
    if (ctx.attempt === 1) throw new Error('crashed after b (attempt ' + ctx.attempt + ')');
    const c = await ctx.step('c', () => {
      appendFileSync(dir + '/calls.txt', 'c\\n');
      return b * 2;
    });
    ctx.log('c is ' + c);
    return { total: c, attempt: ctx.attempt };
  },
});
`;

describe('function steps (TypeScript templates with execute)', function () {
  this.timeout(30_000);
  let harness: EngineHarness;

  beforeEach(() => {
    harness = createEngineHarness();
    harness.engine.registerExecutor(new FunctionExecutor({ store: harness.opened.store, evaluate: evaluateTypeScriptTemplate }));
  });
  afterEach(() => harness.close());

  async function load(retry: string) {
    const path = join(harness.dir, 'code-flow.ts');
    writeFileSync(path, TEMPLATE.replace('RETRY', retry));
    return (await loadTemplateFile(path, { evaluateTypeScript: evaluateTypeScriptTemplate })).definition;
  }

  const calls = () => (existsSync(join(harness.dir, 'calls.txt')) ? readFileSync(join(harness.dir, 'calls.txt'), 'utf8') : '');

  it('loads as one function step that keeps the module path', async () => {
    const definition = await load('1');
    assert.deepEqual(definition.steps.map((s) => [s.kind, s.id]), [['function', 'execute']]);
    assert.equal((definition.steps[0] as { module: string }).module, join(harness.dir, 'code-flow.ts'));
    assert.deepEqual(definition.inputs.required, ['dir']);
  });

  it('a retried body reuses the recorded results of a and b instead of calling them again', async () => {
    const definition = await load("{ max: 2, delay: '10ms' }");
    const run = harness.engine.startRun(definition, { inputs: { dir: harness.dir } });
    await runToEnd(harness.engine, run.id);

    const state = harness.engine.getRun(run.id);
    const step = state.steps[0]!;
    assert.equal(state.run.status, 'succeeded', step.error ?? '');
    assert.equal(calls(), 'a\nb\nc\n', 'a and b ran once, c once');
    assert.deepEqual(step.outputs, { total: 42, attempt: 2, result: { total: 42, attempt: 2 } });
    const attempts = harness.opened.store.listAttempts(step.id);
    assert.equal(attempts.length, 2);
    assert.match(attempts[0]!.error ?? '', /execute\(ctx\) threw: crashed after b \(attempt 1\)/);
  });

  it('a failed run resumed later does not call finished steps again', async () => {
    const definition = await load('1');
    const run = harness.engine.startRun(definition, { inputs: { dir: harness.dir } });
    await runToEnd(harness.engine, run.id);
    assert.equal(harness.engine.getRun(run.id).run.status, 'failed');
    assert.equal(calls(), 'a\nb\n');

    harness.engine.resumeRun(run.id);
    await runToEnd(harness.engine, run.id);
    const state = harness.engine.getRun(run.id);
    assert.equal(state.run.status, 'succeeded', state.steps[0]!.error ?? '');
    assert.equal(calls(), 'a\nb\nc\n');
    assert.equal(state.steps[0]!.outputs?.total, 42);
    const log = readFileSync(harness.opened.files.stepLogPath(run.id, 'execute', null), 'utf8');
    assert.match(log, /c is 42/);
  });

  it('refuses a template with both steps and execute', async () => {
    const path = join(harness.dir, 'both.ts');
    writeFileSync(path, `export default { id: 'both', steps: [{ id: 'x', run: 'true' }], execute: async () => 1 };\n`);
    await assert.rejects(loadTemplateFile(path, { evaluateTypeScript: evaluateTypeScriptTemplate }), /either "steps" or "execute"/);
  });
});
