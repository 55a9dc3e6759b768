/** The webview's interpreting validator must agree with ajv (what the host re-validates with). */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { RJSFSchema } from '@rjsf/utils';
import assert from 'node:assert/strict';
import { interpretingValidator, validateSchema } from '../../../webview-ui/shared/schemaValidator';

// The host validates with ajv + ajv-formats; the webview must agree with that.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

const schema = {
  type: 'object',
  properties: {
    branch: { type: 'string', minLength: 1, maxLength: 20, pattern: '^[a-z/-]+$' },
    depth: { type: 'string', enum: ['quick', 'thorough'] },
    maxFiles: { type: 'integer', minimum: 1, maximum: 100 },
    ratio: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.5 },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
    dryRun: { type: 'boolean' },
    email: { type: 'string', format: 'email' },
    nested: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false },
  },
  required: ['branch'],
};

const cases: Array<Record<string, unknown>> = [
  { branch: 'feature/login' },
  {},
  { branch: '' },
  { branch: 'UPPER' },
  { branch: 'x'.repeat(21) },
  { branch: 'a', depth: 'deep' },
  { branch: 'a', depth: 'quick', maxFiles: 0 },
  { branch: 'a', maxFiles: 1.5 },
  { branch: 'a', maxFiles: '3' },
  { branch: 'a', ratio: 0 },
  { branch: 'a', ratio: 1.25 },
  { branch: 'a', ratio: 2.5 },
  { branch: 'a', tags: [] },
  { branch: 'a', tags: ['x', 'x'] },
  { branch: 'a', tags: ['x', 3] },
  { branch: 'a', dryRun: 'yes' },
  { branch: 'a', email: 'someone@example.com' },
  { branch: 'a', email: 'nope' },
  { branch: 'a', nested: {} },
  { branch: 'a', nested: { a: 'x', b: 1 } },
  { branch: 'a', nested: { a: 'x' }, extra: 1 },
];

describe('webview schema validator', () => {
  const validate = ajv.compile(schema);
  for (const data of cases) {
    it(`agrees with ajv on ${JSON.stringify(data)}`, () => {
      const ours = validateSchema(schema, data);
      assert.equal(ours.length === 0, validate(data), `ours: ${JSON.stringify(ours)} ajv: ${JSON.stringify(validate.errors)}`);
      const ajvKeywords = new Set((validate.errors ?? []).map((e) => e.keyword));
      assert.deepEqual(new Set(ours.map((e) => e.keyword)), ajvKeywords);
    });
  }

  it('reports a missing required field on the field itself (so RJSF shows it inline)', () => {
    const { errors, errorSchema } = interpretingValidator.validateFormData({}, schema as RJSFSchema);
    assert.equal(errors[0]!.property, '.branch');
    assert.deepEqual((errorSchema as Record<string, { __errors: string[] }>).branch!.__errors, ['is required']);
  });
});
