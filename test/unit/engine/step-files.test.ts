import assert from 'node:assert/strict';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../../../src/core/ports';
import { createMemoryEngine, drain, runStep, template } from '../../support/engine-fixtures';

type Harness = ReturnType<typeof createMemoryEngine>;

/** File names in a step's folder (MemoryRunFiles keys are full paths). */
function filesOf(h: Harness, runId: string, stepId: string): string[] {
  const prefix = `${h.files.stepDir(runId, stepId, null)}/`;
  return [...h.files.files.keys()].filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length)).sort();
}

function json(h: Harness, runId: string, stepId: string, name: string): unknown {
  const text = h.files.files.get(`${h.files.stepDir(runId, stepId, null)}/${name}`);
  assert.ok(text !== undefined, `${stepId}/${name} missing`);
  return JSON.parse(text);
}

describe('engine: step folders only for steps with something to show', () => {
  let h: Harness;
  beforeEach(() => {
    h = createMemoryEngine();
  });
  afterEach(() => h.close());

  it('a step without outputs, logs or failure leaves no files; one with outputs gets input.json and output.json', async () => {
    const run = h.engine.startRun(template('files', [runStep('quiet', 'ok'), runStep('loud', 'out answer=42', { needs: ['quiet'] })]));
    await drain(h.engine);
    assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    assert.deepEqual(filesOf(h, run.id, 'quiet'), []);
    assert.deepEqual(filesOf(h, run.id, 'loud'), ['input.json', 'output.json']);
    assert.deepEqual(json(h, run.id, 'loud', 'output.json'), { answer: '42' });
    assert.equal((json(h, run.id, 'loud', 'input.json') as { resolved: { run: string } }).resolved.run, 'out answer=42');
    // The database still has every step's outputs, files or not.
    assert.deepEqual(h.engine.getRun(run.id).steps.map((s) => s.outputs), [{}, { answer: '42' }]);
  });

  it("outputs an executor sets on every attempt (a script's exit_code) alone make no files", async () => {
    h.close();
    const exitCodeOnly: StepExecutor = {
      kind: 'run',
      builtinOutputs: ['exit_code'],
      execute: async (ctx: StepExecutionContext): Promise<StepExecutionResult> =>
        ({ kind: 'succeeded', outputs: ctx.resolved.run === 'more' ? { exit_code: 0, own: 'yes' } : { exit_code: 0 } }),
    };
    h = createMemoryEngine({ executors: [exitCodeOnly] });
    const run = h.engine.startRun(template('builtin', [runStep('plain', 'plain'), runStep('more', 'more')]));
    await drain(h.engine);
    assert.deepEqual(filesOf(h, run.id, 'plain'), []);
    assert.deepEqual(filesOf(h, run.id, 'more'), ['input.json', 'output.json']);
    assert.deepEqual(json(h, run.id, 'more', 'output.json'), { exit_code: 0, own: 'yes' });
    assert.deepEqual(h.engine.getRun(run.id).steps.find((s) => s.stepId === 'plain')?.outputs, { exit_code: 0 });
  });

  it('a step that logs gets input.json with its first line, before it finishes', async () => {
    const run = h.engine.startRun(template('logs', [runStep('talk', 'echo hello\nok')]));
    await drain(h.engine);
    assert.deepEqual(filesOf(h, run.id, 'talk'), ['events.jsonl', 'input.json', 'stdout.log']);
    assert.equal(h.files.files.get(h.engine.stepLogPath(run.id, 'talk')), 'hello\n');
  });

  it('a failed step keeps its input.json for whoever investigates', async () => {
    const run = h.engine.startRun(template('fails', [runStep('broken', 'fatal no such thing')]));
    await drain(h.engine);
    assert.equal(h.engine.getRun(run.id).run.status, 'failed');
    assert.deepEqual(filesOf(h, run.id, 'broken'), ['input.json']);
    assert.equal((json(h, run.id, 'broken', 'input.json') as { attempt: number }).attempt, 1);
  });

  it('a later attempt replaces the files of an earlier one even when it has nothing to show', async () => {
    h.close();
    // Fails (retryably) on its first attempt, succeeds with no outputs on the second.
    const secondTimeLucky: StepExecutor = {
      kind: 'run',
      execute: async (ctx: StepExecutionContext): Promise<StepExecutionResult> =>
        ctx.attempt === 1 ? { kind: 'failed', error: 'first try', retryable: true } : { kind: 'succeeded', outputs: {} },
    };
    h = createMemoryEngine({ executors: [secondTimeLucky] });
    const retry = { max: 2, backoff: 'fixed' as const, delayMs: 0, maxDelayMs: 0 };
    const run = h.engine.startRun(template('again', [runStep('flaky', 'ok', { retry })]));
    await drain(h.engine);
    assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    assert.equal(h.engine.listAttempts(run.id, 'flaky').length, 2);
    assert.equal((json(h, run.id, 'flaky', 'input.json') as { attempt: number }).attempt, 2);
    assert.deepEqual(json(h, run.id, 'flaky', 'output.json'), {});
  });
});
