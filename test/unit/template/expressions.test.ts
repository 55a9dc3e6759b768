import assert from 'node:assert/strict';
import {
  collectReferences,
  conditionExpression,
  evaluateCondition,
  evaluateExpression,
  findExpressions,
  interpolate,
  parseExpression,
  resolveValue,
  scanExpressions,
  usesStatusFunction,
  type ExpressionContext,
  type StatusFunctions,
} from '../../../src/core/expressions';
import { ExpressionError } from '../../../src/core/errors';

const context: ExpressionContext = {
  inputs: { name: 'world', count: 3, flags: ['a', 'b'], nested: { deep: true } },
  steps: {
    build: { outputs: { artifact: 'out.tgz', size: 12 }, outcome: 'success', conclusion: 'success' },
    lint: { outputs: {}, outcome: 'failure', conclusion: 'success' },
  },
  env: { CI: 'true' },
  secrets: { TOKEN: 's3cret' },
  run: { id: 'run-1' },
  item: { file: 'a.ts' },
  trigger: { kind: 'manual' },
};

function status(state: 'ok' | 'failed' | 'cancelled'): StatusFunctions {
  return {
    success: () => state === 'ok',
    failure: () => state === 'failed',
    always: () => true,
    cancelled: () => state === 'cancelled',
  };
}

describe('expressions', () => {
  describe('findExpressions', () => {
    it('finds every ${{ }} with offsets of ${{ and after }}', () => {
      const text = 'a ${{ inputs.name }} b ${{steps.build.outputs.artifact}}';
      const found = findExpressions(text);
      assert.deepEqual(found, [
        { expression: 'inputs.name', start: 2, end: 20 },
        { expression: 'steps.build.outputs.artifact', start: 23, end: text.length },
      ]);
      assert.equal(text.slice(found[0]!.start, found[0]!.end), '${{ inputs.name }}');
    });

    it('does not end an expression at }} inside a string literal', () => {
      const found = findExpressions("${{ format('{0}}}', inputs.name) }}");
      assert.equal(found.length, 1);
      assert.equal(found[0]!.expression, "format('{0}}}', inputs.name)");
    });

    it('reports an unterminated ${{', () => {
      const scan = scanExpressions('ok ${{ inputs.a }} then ${{ broken');
      assert.equal(scan.expressions.length, 1);
      assert.equal(scan.unterminatedAt, 24);
    });
  });

  describe('parseExpression', () => {
    it('accepts known contexts and functions', () => {
      const parsed = parseExpression("contains(inputs.flags, 'a') && success() && fromJSON('[1]')[0] == 1");
      assert.equal(parsed.ok, true);
    });

    it('rejects an unknown context with its column', () => {
      const parsed = parseExpression('inputs.a == github.sha');
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.kind, 'unknown-context');
      assert.equal(parsed.column, 12);
      assert.match(parsed.message, /github/);
    });

    it('rejects an unknown function and a syntax error', () => {
      const fn = parseExpression('hashFiles(inputs.a)');
      assert.equal(fn.ok || fn.kind, 'unknown-function');
      const syntax = parseExpression('inputs.a ==');
      assert.equal(syntax.ok || syntax.kind, 'syntax');
      const args = parseExpression('success(1)');
      assert.equal(args.ok || args.kind, 'arguments');
    });

    it('restricts contexts to the given names', () => {
      assert.equal(parseExpression('item.x', ['inputs']).ok, false);
      assert.equal(parseExpression('item.x', ['inputs', 'item']).ok, true);
    });

    it('collects literal reference paths', () => {
      const parsed = parseExpression("steps.build.outputs['artifact'] && inputs.name || steps[inputs.x].outputs");
      assert.ok(parsed.ok);
      const refs = collectReferences(parsed.ast).map((r) => `${r.context}:${r.path.join('.')}`).sort();
      assert.deepEqual(refs, ['inputs:name', 'inputs:x', 'steps:', 'steps:build.outputs.artifact']);
    });

    it('detects status functions in any case', () => {
      const a = parseExpression('Failure() || inputs.a');
      const b = parseExpression('inputs.a');
      assert.ok(a.ok && b.ok);
      assert.equal(usesStatusFunction(a.ast), true);
      assert.equal(usesStatusFunction(b.ast), false);
    });
  });

  describe('evaluateExpression', () => {
    it('reads every context and keeps JSON types', () => {
      assert.equal(evaluateExpression('inputs.count', context), 3);
      assert.deepEqual(evaluateExpression('inputs.flags', context), ['a', 'b']);
      assert.deepEqual(evaluateExpression('inputs.nested', context), { deep: true });
      assert.equal(evaluateExpression('steps.build.outputs.artifact', context), 'out.tgz');
      assert.equal(evaluateExpression('steps.lint.outcome', context), 'failure');
      assert.equal(evaluateExpression('env.CI', context), 'true');
      assert.equal(evaluateExpression('secrets.TOKEN', context), 's3cret');
      assert.equal(evaluateExpression('item.file', context), 'a.ts');
      assert.equal(evaluateExpression('trigger.kind', context), 'manual');
      assert.equal(evaluateExpression('run.id', context), 'run-1');
      assert.equal(evaluateExpression('inputs.missing', context), null);
      assert.equal(evaluateExpression('needs', context), null);
    });

    it('runs the built-in functions', () => {
      assert.equal(evaluateExpression("format('hello {0}', inputs.name)", context), 'hello world');
      assert.equal(evaluateExpression("contains(inputs.flags, 'b')", context), true);
      assert.equal(evaluateExpression("startsWith(inputs.name, 'wor')", context), true);
      assert.equal(evaluateExpression("endsWith(inputs.name, 'x')", context), false);
      assert.equal(evaluateExpression("join(inputs.flags, '+')", context), 'a+b');
      assert.equal(evaluateExpression('toJSON(inputs.nested)', context), '{\n  "deep": true\n}');
      assert.deepEqual(evaluateExpression('fromJSON(\'{"a":[1,2]}\')', context), { a: [1, 2] });
      assert.equal(evaluateExpression('inputs.count > 2 && inputs.name == \'WORLD\'', context), true);
    });

    it('throws ExpressionError with the expression on a parse error', () => {
      assert.throws(
        () => evaluateExpression('inputs.a ==', context),
        (e: unknown) => e instanceof ExpressionError && e.expression === 'inputs.a ==' && e.code === 'expression_failed',
      );
    });

    it('throws ExpressionError when fromJSON gets bad JSON', () => {
      assert.throws(() => evaluateExpression("fromJSON('{nope')", context), ExpressionError);
    });

    it('refuses status functions without a status', () => {
      assert.throws(() => evaluateExpression('success()', context), /only available/);
      assert.equal(evaluateExpression('failure()', context, status('failed')), true);
    });
  });

  describe('interpolate and resolveValue', () => {
    it('replaces each expression; objects as JSON and null as empty', () => {
      assert.equal(
        interpolate('hi ${{ inputs.name }} x${{ inputs.missing }}y ${{ inputs.flags }} ${{ inputs.count }}', context),
        'hi world xy ["a","b"] 3',
      );
      assert.equal(interpolate('no expressions', context), 'no expressions');
    });

    it('throws on an unterminated ${{', () => {
      assert.throws(() => interpolate('a ${{ inputs.name', context), ExpressionError);
    });

    it('keeps the type of a value that is exactly one expression', () => {
      assert.deepEqual(resolveValue('${{ inputs.flags }}', context), ['a', 'b']);
      assert.deepEqual(resolveValue({ n: '${{ inputs.count }}', s: 'n=${{ inputs.count }}', l: [true] }, context), {
        n: 3,
        s: 'n=3',
        l: [true],
      });
    });
  });

  describe('evaluateCondition', () => {
    it('undefined means success()', () => {
      assert.equal(evaluateCondition(undefined, context, status('ok')), true);
      assert.equal(evaluateCondition(undefined, context, status('failed')), false);
    });

    it('accepts the condition with or without ${{ }}', () => {
      assert.equal(evaluateCondition('inputs.count == 3', context, status('ok')), true);
      assert.equal(evaluateCondition('${{ inputs.count == 4 }}', context, status('ok')), false);
      assert.equal(conditionExpression('  ${{ a }}  '), 'a');
      assert.equal(conditionExpression('x ${{ a }}'), undefined);
    });

    it('adds an implicit success() when no status function is named', () => {
      assert.equal(evaluateCondition('inputs.count == 3', context, status('failed')), false);
      assert.equal(evaluateCondition('always() && inputs.count == 3', context, status('failed')), true);
      assert.equal(evaluateCondition('failure()', context, status('failed')), true);
      assert.equal(evaluateCondition('${{ cancelled() }}', context, status('cancelled')), true);
      assert.equal(evaluateCondition('failure()', context, status('ok')), false);
    });

    it('treats text around ${{ }} as a non-empty (true) string, like GitHub', () => {
      assert.equal(evaluateCondition('${{ false }} == true', context, status('ok')), true);
    });
  });
});

describe('evaluateFilter', () => {
  it('evaluates a trigger filter with or without ${{ }}, empty meaning true', async () => {
    const { evaluateFilter } = await import('../../../src/core/expressions');
    const event = { trigger: { template: 'nightly', status: 'failed' } };
    assert.equal(evaluateFilter(undefined, event), true);
    assert.equal(evaluateFilter("trigger.template == 'nightly'", event), true);
    assert.equal(evaluateFilter("${{ trigger.status == 'succeeded' }}", event), false);
  });
});
