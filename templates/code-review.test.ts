import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluateCondition, resolveValue, type ExpressionContext } from '../src/core/expressions';
import { loadTemplateFile, type AgentStep, type LlmStep } from '../src/core/template';

const ok = { success: () => true, failure: () => false, always: () => true as const, cancelled: () => false };

function afterListing(files: string[]): ExpressionContext {
  return {
    inputs: { base: 'main', focus: 'bugs', max_parallel_reviews: 3 },
    steps: {
      'changed-files': { outputs: { files: JSON.stringify(files), count: String(files.length) }, outcome: 'succeeded', conclusion: 'succeeded' },
    },
  };
}

describe('built-in template code-review', () => {
  const load = () => loadTemplateFile(join(import.meta.dirname, 'code-review.yml'), { source: 'builtin' });

  it('collects, reviews each file in parallel (read-only), then reports', async () => {
    const { definition } = await load();
    assert.deepEqual(definition.phases, ['collect', 'review', 'report']);
    assert.deepEqual(
      definition.steps.map((s) => `${s.id}:${s.kind}<-${s.needs.join(',')}`),
      ['changed-files:run<-', 'review-file:agent<-changed-files', 'summary:llm<-review-file'],
    );
    const review = definition.steps[1] as AgentStep;
    assert.equal(review.permission, 'read-only');
    assert.equal(review.maxParallel, 3);
  });

  it('fans out over the changed files and skips the review when there are none', async () => {
    const { definition } = await load();
    const review = definition.steps[1] as AgentStep;
    const files = ['src/a.ts', 'src/b.ts'];
    assert.deepEqual(resolveValue(review.foreach!, afterListing(files)), files);
    assert.equal(evaluateCondition(review.if, afterListing(files), ok), true);
    assert.equal(evaluateCondition(review.if, afterListing([]), ok), false);
    const prompt = resolveValue(review.prompt, { ...afterListing(files), item: 'src/a.ts' });
    assert.match(String(prompt), /git diff main\.\.\.HEAD -- src\/a\.ts/);
  });

  it('asks the model for a report and a severity', async () => {
    const { definition } = await load();
    const summary = definition.steps[2] as LlmStep;
    assert.deepEqual((summary.jsonSchema as { required: string[] }).required, ['report', 'severity']);
  });
});
