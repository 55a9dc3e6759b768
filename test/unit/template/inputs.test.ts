import assert from 'node:assert/strict';
import { InputInvalidError } from '../../../src/core/errors';
import { coerceInputString, instantiate, secretInputNames } from '../../../src/core/template/inputs';
import { parseTemplateText } from '../../../src/core/template/load';

const definition = parseTemplateText(
  `id: inputs-demo
inputs:
  properties:
    name: { type: string, minLength: 2 }
    count: { type: integer, minimum: 1, default: 2 }
    ratio: { type: number }
    dry_run: { type: boolean, default: false }
    files: { type: array, items: { type: string } }
    sizes: { type: array, items: { type: integer } }
    options: { type: object }
    level: { enum: [low, high], default: low }
    token: { type: string, secret: true }
    email: { type: string, format: email }
  required: [name]
steps:
  - id: a
    run: echo
`,
  'inputs-demo.yml',
).definition!;

function problemsOf(fn: () => unknown): Array<{ field: string; message: string }> {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InputInvalidError, String(error));
    assert.equal(error.code, 'input_invalid');
    return [...error.problems];
  }
  assert.fail('expected InputInvalidError');
}

describe('instantiate', () => {
  it('applies defaults and keeps given values', () => {
    assert.deepEqual(instantiate(definition, { name: 'ann' }), { name: 'ann', count: 2, dry_run: false, level: 'low' });
    assert.deepEqual(instantiate(definition, { name: 'ann', count: 7, level: 'high' }), {
      name: 'ann',
      count: 7,
      dry_run: false,
      level: 'high',
    });
  });

  it('coerces command-line strings to the declared types', () => {
    const values = instantiate(
      definition,
      {
        name: 'ann',
        count: '3',
        ratio: '0.5',
        dry_run: 'yes',
        files: 'a.ts, b.ts',
        sizes: '[1, 2]',
        options: '{"deep": {"x": 1}}',
      },
      { fromStrings: true },
    );
    assert.deepEqual(values, {
      name: 'ann',
      count: 3,
      ratio: 0.5,
      dry_run: true,
      files: ['a.ts', 'b.ts'],
      sizes: [1, 2],
      options: { deep: { x: 1 } },
      level: 'low',
    });
  });

  it('does not coerce when values are not strings from a command line', () => {
    const problems = problemsOf(() => instantiate(definition, { name: 'ann', count: '3' }));
    assert.deepEqual(problems, [{ field: 'count', message: 'must be integer, got "3"' }]);
  });

  it('reports one problem per bad field, including unknown and missing ones', () => {
    const problems = problemsOf(() =>
      instantiate(
        definition,
        { count: 'many', dry_run: 'maybe', level: 'medium', cuont: '1', email: 'not-an-email', sizes: '1,x' },
        { fromStrings: true },
      ),
    );
    assert.deepEqual(
      problems.map((p) => p.field).sort(),
      ['count', 'cuont', 'dry_run', 'email', 'level', 'name', 'sizes.1'],
    );
    assert.match(problems.find((p) => p.field === 'cuont')!.message, /did you mean "count"\?/);
    assert.equal(problems.find((p) => p.field === 'name')!.message, 'is required');
    assert.equal(problems.find((p) => p.field === 'level')!.message, 'must be one of "low", "high"');
  });

  it('checks constraints such as minLength and minimum', () => {
    const problems = problemsOf(() => instantiate(definition, { name: 'a', count: 0 }));
    assert.deepEqual(
      problems.map((p) => p.field),
      ['name', 'count'],
    );
  });

  it('lists secret inputs', () => {
    assert.deepEqual(secretInputNames(definition), ['token']);
  });

  it('coerceInputString leaves unconvertible text for validation to report', () => {
    assert.equal(coerceInputString('12abc', { type: 'number' }), '12abc');
    assert.equal(coerceInputString('', { type: 'integer' }), '');
    assert.deepEqual(coerceInputString('', { type: 'array' }), []);
    assert.equal(coerceInputString('{bad', { type: 'object' }), '{bad');
    assert.equal(coerceInputString('off', { type: 'boolean' }), false);
    assert.equal(coerceInputString('42', undefined), '42');
    assert.equal(coerceInputString('2', { enum: [1, 2] }), 2);
    assert.equal(coerceInputString('true', { enum: ['true', true] }), 'true');
  });
});
