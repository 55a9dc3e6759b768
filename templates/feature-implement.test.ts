import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputInvalidError } from '../src/core/errors';
import { interpolate } from '../src/core/expressions';
import { instantiate, loadTemplateFile, type AgentStep, type GateStep } from '../src/core/template';

describe('built-in template feature-implement', () => {
  const load = () => loadTemplateFile(join(import.meta.dirname, 'feature-implement.yml'), { source: 'builtin' });

  it('is plan -> approve-plan -> implement -> test -> review -> ship across its four phases', async () => {
    const { definition } = await load();
    assert.deepEqual(definition.phases, ['plan', 'implement', 'review', 'ship']);
    assert.deepEqual(
      definition.steps.map((s) => `${s.phase}/${s.id}<-${s.needs.join(',')}`),
      [
        'plan/plan<-',
        'plan/approve-plan<-plan',
        'implement/implement<-approve-plan',
        'implement/test<-implement',
        'review/review<-implement,test',
        'ship/ship<-review',
      ],
    );
  });

  it('writes no code before a person approves the plan, and a different agent reviews', async () => {
    const { definition } = await load();
    const byId = new Map(definition.steps.map((s) => [s.id, s]));
    const plan = byId.get('plan') as AgentStep;
    const implement = byId.get('implement') as AgentStep;
    const review = byId.get('review') as AgentStep;
    assert.equal(plan.permission, 'read-only');
    assert.equal(byId.get('approve-plan')!.kind, 'gate');
    assert.equal(implement.permission, 'edit');
    assert.notEqual(review.agent, implement.agent);
    assert.equal(review.permission, 'read-only');
    assert.equal((byId.get('ship') as GateStep).kind, 'gate');
    assert.equal(implement.timeoutMs, 30 * 60_000, 'the template default timeout applies');
  });

  it('requires a feature description and defaults the test command', async () => {
    const { definition } = await load();
    assert.throws(() => instantiate(definition, {}), InputInvalidError);
    assert.throws(() => instantiate(definition, { feature: 'short' }), InputInvalidError);
    assert.deepEqual(instantiate(definition, { feature: 'Add a --json flag to baton runs' }), {
      feature: 'Add a --json flag to baton runs',
      test_command: 'npm test',
    });
  });

  it("gives the implementer the feature, the plan and the reviewer's notes", async () => {
    const { definition } = await load();
    const implement = definition.steps.find((s) => s.id === 'implement') as AgentStep;
    const prompt = interpolate(implement.prompt, {
      inputs: { feature: 'Add dark mode', test_command: 'npm test' },
      steps: {
        plan: { outputs: { result: '1. add a theme toggle' }, outcome: 'succeeded', conclusion: 'succeeded' },
        'approve-plan': { outputs: { notes: 'keep the default light' }, outcome: 'succeeded', conclusion: 'succeeded' },
      },
    });
    assert.match(prompt, /Implement this feature: Add dark mode/);
    assert.match(prompt, /1\. add a theme toggle/);
    assert.match(prompt, /Reviewer notes: keep the default light/);
  });
});
