import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluateCondition, interpolate, type ExpressionContext, type StatusFunctions } from '../src/core/expressions';
import { instantiate, loadTemplateFile, type AgentStep, type RunStep } from '../src/core/template';

const succeeded: StatusFunctions = { success: () => true, failure: () => false, always: () => true, cancelled: () => false };

function afterTests(outcome: 'succeeded' | 'failed'): ExpressionContext {
  return {
    inputs: { test_command: 'npm test' },
    // continue_on_error: the step concludes success even when its outcome is failure.
    steps: { 'run-tests': { outputs: { exit_code: outcome === 'failed' ? 1 : 0, stdout_tail: '1 failing' }, outcome, conclusion: 'succeeded' } },
  };
}

describe('built-in template fix-failing-tests', () => {
  const load = () => loadTemplateFile(join(import.meta.dirname, 'fix-failing-tests.yml'), { source: 'builtin' });

  it('runs the tests, then fix, then verify, one per phase', async () => {
    const { definition } = await load();
    assert.deepEqual(
      definition.steps.map((s) => `${s.phase}/${s.id}<-${s.needs.join(',')}:${s.kind}`),
      ['detect/run-tests<-:run', 'fix/fix<-run-tests:agent', 'verify/verify<-fix:run'],
    );
    assert.equal(definition.steps[0]!.continueOnError, true, 'a failing suite must not fail the run before the fix');
    assert.equal((definition.steps[1] as AgentStep).agent, 'claude');
  });

  it('fixes and verifies only when the first test run failed', async () => {
    const { definition } = await load();
    const [, fix, verify] = definition.steps;
    for (const step of [fix!, verify!]) {
      assert.equal(evaluateCondition(step.if, afterTests('failed'), succeeded), true, step.id);
      assert.equal(evaluateCondition(step.if, afterTests('succeeded'), succeeded), false, step.id);
    }
  });

  it('runs the command given as input and shows the agent the failures', async () => {
    const { definition } = await load();
    const inputs = instantiate(definition, { test_command: 'pytest -x' }, { fromStrings: true });
    const context = { ...afterTests('failed'), inputs };
    assert.equal(interpolate((definition.steps[0] as RunStep).run, context), 'pytest -x');
    const prompt = interpolate((definition.steps[1] as AgentStep).prompt, context);
    assert.match(prompt, /`pytest -x` fails/);
    assert.match(prompt, /1 failing/);
  });
});
