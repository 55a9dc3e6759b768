import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTemplateFile, checkTemplateObject, parseTemplateText } from '../../../src/core/template/load';
import { serializeTemplate } from '../../../src/core/template/normalize';
import { evaluateTypeScriptTemplate } from '../../../src/loaders/typescript';

const root = join(import.meta.dirname, '..', '..', 'fixtures', 'templates');
const invalidDir = join(root, 'invalid');
const validDir = join(root, 'valid');

/** Every check the validator makes; each must be covered by at least one invalid fixture. */
const CHECK_CODES = [
  'yaml-syntax',
  'duplicate-key',
  'empty-template',
  'not-a-mapping',
  'missing-field',
  'unknown-key',
  'wrong-type',
  'bad-value',
  'bad-id',
  'bad-duration',
  'out-of-range',
  'too-few-items',
  'duplicate-item',
  'bad-name',
  'duplicate-step-id',
  'unknown-need',
  'self-need',
  'cycle',
  'unknown-phase',
  'no-step-kind',
  'multiple-step-kinds',
  'field-not-for-kind',
  'expression-syntax',
  'unknown-context',
  'context-not-available',
  'unknown-function',
  'expression-arguments',
  'unterminated-expression',
  'unknown-input',
  'not-a-dependency',
  'unknown-step',
  'self-reference',
  'unknown-step-property',
  'unknown-output',
  'not-a-need',
  'item-outside-foreach',
  'if-mixed-text',
  'bad-step-result',
  'expression-not-allowed',
  'bad-cron',
  'bad-timezone',
  'bad-default',
  'unknown-required-input',
  'bad-input-schema',
];

interface Expectation {
  file: string;
  code: string;
  line: number;
  column: number;
}

function expectations(): Expectation[] {
  return readdirSync(invalidDir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((file) => {
      const header = readFileSync(join(invalidDir, file), 'utf8').split('\n')[0]!;
      const match = /^# expect: (\S+) (\d+):(\d+)$/.exec(header);
      if (!match) throw new Error(`${file}: first line must be "# expect: <code> <line>:<column>"`);
      return { file, code: match[1]!, line: Number(match[2]), column: Number(match[3]) };
    });
}

describe('template fixtures', () => {
  describe('invalid templates: one mistake each, reported with its code, line and column', () => {
    const all = expectations();

    it('has at least 40 broken templates covering every check', () => {
      assert.ok(all.length >= 40, `only ${all.length} invalid fixtures`);
      const covered = new Set(all.map((e) => e.code));
      assert.deepEqual(
        CHECK_CODES.filter((c) => !covered.has(c)),
        [],
      );
    });

    for (const expected of all) {
      it(`${expected.file}: ${expected.code} at ${expected.line}:${expected.column}`, () => {
        const text = readFileSync(join(invalidDir, expected.file), 'utf8');
        const result = parseTemplateText(text, expected.file);
        const errors = result.problems.filter((p) => p.severity === 'error');
        assert.equal(result.definition, undefined, 'a broken template yields no definition');
        assert.deepEqual(
          errors.map((p) => ({ code: p.code, line: p.line, column: p.column })),
          [{ code: expected.code, line: expected.line, column: expected.column }],
          errors.map((p) => `${p.line}:${p.column} ${p.message} [${p.code}]`).join('\n'),
        );
        const [problem] = errors;
        assert.equal(problem!.file, expected.file);
        assert.ok(problem!.message.length > 0);
        assert.ok(problem!.path.length > 0);
        assert.ok(problem!.hint && problem!.hint.length > 0, 'every problem says how to fix it');
      });
    }
  });

  describe('valid templates load and round-trip', () => {
    const files = readdirSync(validDir).sort();

    it('has at least 10 valid templates', () => {
      assert.ok(files.length >= 10);
    });

    for (const file of files) {
      it(`${file} loads without problems and survives serialize -> check -> normalize`, async () => {
        const result = await checkTemplateFile(join(validDir, file), { evaluateTypeScript: evaluateTypeScriptTemplate });
        assert.deepEqual(result.problems, []);
        const definition = result.definition!;
        assert.ok(definition, 'a definition');
        const serialized = serializeTemplate(definition);
        // Through JSON, as a stored snapshot would be.
        const reloaded = checkTemplateObject(JSON.parse(JSON.stringify(serialized)), `${file}.json`);
        assert.deepEqual(reloaded.problems, []);
        assert.deepEqual(reloaded.definition, definition);
      });
    }
  });
});
