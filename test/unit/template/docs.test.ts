import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseTemplateText } from '../../../src/core/template/load';
import { lineOneLocator, ProblemList } from '../../../src/core/template/problems';
import { checkTemplateSchema } from '../../../src/core/template/schema';

const docs = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'templates.md'), 'utf8');
const yamlBlocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** Wraps a documentation snippet into a whole template so the schema can check it. */
function asTemplate(snippet: string): unknown {
  const parsed: unknown = parse(snippet, { merge: true });
  if (Array.isArray(parsed)) return { id: 'docs-example', steps: parsed };
  const record = parsed as Record<string, unknown>;
  if ('steps' in record || 'id' in record || 'on' in record || 'inputs' in record || 'env' in record || 'defaults' in record || 'concurrency' in record) {
    return { id: 'docs-example', steps: [{ id: 'x', run: 'echo' }], ...record };
  }
  // A step field on its own, e.g. `run: …`.
  return { id: 'docs-example', steps: [{ id: 'x', ...record }] };
}

describe('docs/templates.md', () => {
  it('has examples', () => {
    assert.ok(yamlBlocks.length >= 15);
  });

  it('opens with a complete template that loads without problems', () => {
    const result = parseTemplateText(yamlBlocks[0]!, 'docs/templates.md');
    assert.deepEqual(result.problems, []);
  });

  yamlBlocks.forEach((block, index) => {
    it(`example ${index + 1} follows the schema`, () => {
      const problems = new ProblemList('docs', lineOneLocator);
      checkTemplateSchema(asTemplate(block), problems);
      assert.deepEqual(
        problems.items.map((p) => `${p.path}: ${p.message}`),
        [],
        block,
      );
    });
  });

  it('documents every top-level and step field of the schema', async () => {
    const { templateSchema } = await import('../../../src/core/template/schema');
    const top = Object.keys(templateSchema.properties as object).filter((k) => k !== '$schema');
    const step = Object.keys((templateSchema.definitions as { step: { properties: object } }).step.properties);
    const missing = [...top, ...step].filter((field) => !docs.includes(`\`${field}\``));
    assert.deepEqual(missing, []);
  });
});

describe('README.md', () => {
  it('shows a template that loads without problems', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    const templates = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^id:/m.test(b) && /^steps:/m.test(b));
    assert.ok(templates.length >= 1, 'the README shows a template');
    for (const text of templates) assert.deepEqual(parseTemplateText(text, 'README.md').problems, []);
  });
});
