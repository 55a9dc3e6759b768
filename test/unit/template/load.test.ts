import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateInvalidError } from '../../../src/core/errors';
import { parseDuration } from '../../../src/core/template/duration';
import { checkTemplateFile, checkTemplateObject, loadTemplateFile, parseTemplateText } from '../../../src/core/template/load';
import { templateSchema } from '../../../src/core/template/schema';
import type { AgentStep, GateStep, RunStep } from '../../../src/core/template/types';
import { evaluateTypeScriptTemplate } from '../../../src/loaders/typescript';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const validDir = join(import.meta.dirname, '..', '..', 'fixtures', 'templates', 'valid');

function load(file: string) {
  const result = parseTemplateText(readFileSync(join(validDir, file), 'utf8'), file);
  assert.deepEqual(result.problems, []);
  return result.definition!;
}

describe('template loader', () => {
  describe('durations', () => {
    it('accepts units, combinations and plain seconds', () => {
      assert.equal(parseDuration('30s'), 30_000);
      assert.equal(parseDuration('5m'), 300_000);
      assert.equal(parseDuration('2h'), 7_200_000);
      assert.equal(parseDuration('1h30m'), 5_400_000);
      assert.equal(parseDuration('500ms'), 500);
      assert.equal(parseDuration('1d'), 86_400_000);
      assert.equal(parseDuration('1.5m'), 90_000);
      assert.equal(parseDuration(45), 45_000);
    });

    it('rejects zero, negatives and unknown units', () => {
      for (const bad of ['0s', '5x', '2 hours', '', 'm', 0, -1, '1h 30m']) assert.equal(parseDuration(bad), undefined, String(bad));
    });
  });

  describe('normalization', () => {
    it('applies defaults: retry, timeout, agent and model, but not to gates', () => {
      const definition = load('defaults.yml');
      const [inherit, own, approve] = definition.steps as [AgentStep, AgentStep, GateStep];
      assert.equal(inherit.kind, 'agent');
      assert.equal(inherit.agent, 'gemini');
      assert.equal(inherit.model, 'gemini-2.5-flash');
      assert.deepEqual(inherit.retry, { max: 3, backoff: 'fixed', delayMs: 2000, maxDelayMs: 30_000 });
      assert.equal(inherit.timeoutMs, 600_000);
      assert.equal(own.agent, 'claude');
      assert.equal(own.model, 'claude-opus-4');
      assert.deepEqual(own.retry, { max: 5, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000 });
      assert.equal(own.timeoutMs, 90_000);
      assert.equal(approve.kind, 'gate');
      assert.equal(approve.timeoutMs, undefined);
      assert.equal(approve.retry, undefined);
      assert.equal(approve.onTimeout, 'cancel');
    });

    it('sets each step kind and its fields', () => {
      const definition = load('all-step-kinds.yml');
      assert.deepEqual(
        definition.steps.map((s) => s.kind),
        ['run', 'agent', 'llm', 'mcp', 'gate', 'workflow'],
      );
      assert.equal(definition.version, '2');
      assert.equal(definition.name, 'All step kinds');
      const gate = definition.steps[4] as GateStep;
      assert.equal(gate.gateTimeoutMs, 86_400_000);
      assert.equal(gate.onTimeout, 'escalate');
      assert.deepEqual(definition.steps[1]!.needs, ['script']);
      const agent = definition.steps[1] as AgentStep;
      assert.equal(agent.maxTurns, 20);
      assert.equal(agent.acceptance, 'All tests pass.');
    });

    it('normalizes triggers: lists, defaults and webhook', () => {
      const definition = load('triggers.yml');
      assert.equal(definition.on.manual, false);
      assert.equal(definition.on.schedule.length, 2);
      assert.deepEqual(definition.on.schedule[1], { cron: '@hourly', catchup: 'latest', overlap: 'skip' });
      assert.deepEqual(definition.on.file, [{ paths: ['src/**/*.ts', 'test/**/*.ts'], events: ['save'], debounceMs: 5000 }]);
      assert.deepEqual(definition.on.webhook, { secret: 'HOOK_KEY' });
      assert.deepEqual(definition.on.event, [{ type: 'run.failed', if: "trigger.template == 'nightly'" }]);
      assert.equal(load('minimal.yml').on.manual, true);
    });

    it('turns a literal foreach list into one expression and env values into strings', () => {
      const foreach = load('foreach.yml');
      assert.equal(foreach.steps[3]!.foreach, `\${{ fromJSON('["linux","it''s mac"]') }}`);
      const env = load('concurrency-env.yml');
      assert.deepEqual(env.env, { BRANCH: '${{ inputs.branch }}', RETRIES: '3', VERBOSE: 'true', RUN_ID: '${{ run.id }}' });
      assert.deepEqual(env.concurrency, { group: 'deploy-${{ inputs.branch }}', limit: 2 });
    });

    it('keeps numbers that become text (version, env) as written: 1.10 stays 1.10', () => {
      const result = parseTemplateText('id: v\nversion: 1.10\nenv: { A: 1.10, B: 0x1F }\nsteps:\n  - id: a\n    env: { C: 2.50 }\n    run: echo\n', 'v.yml');
      assert.equal(result.definition!.version, '1.10');
      assert.deepEqual(result.definition!.env, { A: '1.10', B: '0x1F' });
      assert.deepEqual(result.definition!.steps[0]!.env, { C: '2.50' });
    });

    it('honours YAML anchors and merge keys, and ignores x- fields', () => {
      const step = load('anchors-and-blocks.yml').steps[0] as RunStep;
      assert.equal(step.timeoutMs, 300_000);
      assert.equal(step.retry?.max, 2);
      assert.equal(step.run, 'echo "multi"\necho "${{ run.id }}"\n');
    });
  });

  describe('reporting', () => {
    it('reports every problem of a file, in line order, with hints', () => {
      const text = [
        'id: many',
        'steps:',
        '  - id: a',
        '    run: echo ${{ inputs.nope }}',
        '    timeout: soon',
        '  - id: b',
        '    needs: [c]',
        '    agent: claude',
        '    promt: hi',
      ].join('\n');
      const { problems, definition } = parseTemplateText(text, 'many.yml');
      assert.equal(definition, undefined);
      assert.deepEqual(
        problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.path}`),
        ['4:19 unknown-input steps[0].run', '5:14 bad-duration steps[0].timeout', '7:13 unknown-need steps[1].needs[0]', '9:5 unknown-key steps[1].promt'],
      );
      assert.equal(problems[3]!.hint, 'did you mean "prompt"?');
    });

    it('locates problems the same in files with CRLF line ends and a byte-order mark', () => {
      const text = '\uFEFFid: crlf\r\nsteps:\r\n  - id: a\r\n    nedds: b\r\n    run: echo ${{ inputs.x }}\r\n';
      assert.deepEqual(
        parseTemplateText(text, 'crlf.yml').problems.map((p) => `${p.line}:${p.column} ${p.code}`),
        ['4:5 unknown-key', '5:19 unknown-input'],
      );
    });

    it('loadTemplateFile throws TemplateInvalidError carrying every error', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-load-'));
      const file = join(dir, 'bad.yml');
      writeFileSync(file, 'id: bad\nsteps:\n  - id: a\n    needs: x\n  - id: a\n    run: y\n');
      await assert.rejects(loadTemplateFile(file), (error: unknown) => {
        assert.ok(error instanceof TemplateInvalidError);
        assert.equal(error.code, 'template_invalid');
        assert.deepEqual(
          error.problems.map((p) => p.code).sort(),
          ['duplicate-step-id', 'no-step-kind', 'unknown-need'],
        );
        assert.match(error.message, /bad\.yml:3:5: /);
        return true;
      });
    });

    it('loadTemplateFile returns source, path and a content hash', async () => {
      const loaded = await loadTemplateFile(join(validDir, 'minimal.yml'), { source: 'builtin' });
      assert.equal(loaded.definition.id, 'minimal');
      assert.equal(loaded.source, 'builtin');
      assert.match(loaded.hash, /^[0-9a-f]{64}$/);
    });
  });

  describe('TypeScript templates', () => {
    it('bundles defineWorkflow templates and checks them like YAML', async () => {
      const loaded = await loadTemplateFile(join(validDir, 'typescript-template.ts'), { evaluateTypeScript: evaluateTypeScriptTemplate });
      assert.deepEqual(
        loaded.definition.steps.map((s) => `${s.id}<-${s.needs.join(',')}`),
        ['test-core<-', 'test-cli<-', 'report<-test-core,test-cli'],
      );
      assert.equal(loaded.definition.steps[0]!.timeoutMs, 600_000);
    });

    it('reports the problems of a TypeScript template with their field path', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-ts-'));
      const file = join(dir, 'bad.ts');
      writeFileSync(
        file,
        "import { defineWorkflow } from 'baton';\nexport default defineWorkflow({ id: 'bad', steps: [{ id: 'a', run: 'x', needs: 'zz' }] });\n",
      );
      const result = await checkTemplateFile(file, { evaluateTypeScript: evaluateTypeScriptTemplate });
      assert.deepEqual(
        result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.path}`),
        ['2:80 unknown-need steps[0].needs'],
      );
    });

    it('locates expression problems in a TypeScript template by searching its source', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-ts-'));
      const file = join(dir, 'expr.ts');
      writeFileSync(
        file,
        [
          "import { defineWorkflow } from 'baton';",
          'export default defineWorkflow({',
          "  id: 'expr',",
          '  steps: [',
          "    { id: 'a', run: 'echo' },",
          "    { id: 'b', run: 'echo ${{ inputs.missing }}' },",
          "    { id: 'c', nedds: 'a', run: 'echo' },",
          '  ],',
          '});',
        ].join('\n'),
      );
      const result = await checkTemplateFile(file, { evaluateTypeScript: evaluateTypeScriptTemplate });
      assert.deepEqual(
        result.problems.map((p) => `${p.line}:${p.column} ${p.code}`),
        ['6:31 unknown-input', '7:16 unknown-key'],
      );
    });

    it('reports a syntax error at its line and column', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-ts-'));
      const file = join(dir, 'syntax.ts');
      writeFileSync(file, "export default {\n  id: 'x',,\n};\n");
      const result = await checkTemplateFile(file, { evaluateTypeScript: evaluateTypeScriptTemplate });
      assert.equal(result.problems.length, 1);
      assert.equal(result.problems[0]!.code, 'typescript-error');
      assert.equal(result.problems[0]!.line, 2);
      assert.equal(result.problems[0]!.column, 11);
    });

    it('reports a function where a script is expected without printing its source', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-ts-'));
      const file = join(dir, 'fn.ts');
      writeFileSync(file, "export default { id: 'fn', steps: [{ id: 'a', run: () => 'secret body' }] };\n");
      const result = await checkTemplateFile(file, { evaluateTypeScript: evaluateTypeScriptTemplate });
      assert.deepEqual(
        result.problems.map((p) => `${p.code} ${p.path}: ${p.message}`),
        ['wrong-type steps[0].run: must be a string, got a function'],
      );
    });

    it('reports a module without a default export', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-ts-'));
      const file = join(dir, 'none.ts');
      writeFileSync(file, 'export const x = 1;\n');
      const result = await checkTemplateFile(file, { evaluateTypeScript: evaluateTypeScriptTemplate });
      assert.equal(result.problems[0]!.code, 'no-default-export');
    });
  });

  describe('schema', () => {
    /** Every property reachable in the schema has a description (editors show it on hover). */
    it('describes every property', () => {
      const definitions = templateSchema.definitions as Record<string, Record<string, unknown>>;
      const missing: string[] = [];
      const described = (schema: Record<string, unknown>): boolean => {
        if (typeof schema.description === 'string') return true;
        const ref = schema.$ref as string | undefined;
        return ref !== undefined && typeof definitions[ref.replace('#/definitions/', '')]?.description === 'string';
      };
      const visit = (schema: Record<string, unknown>, where: string): void => {
        for (const [name, property] of Object.entries((schema.properties as Record<string, Record<string, unknown>>) ?? {})) {
          if (!described(property)) missing.push(`${where}.${name}`);
        }
      };
      visit(templateSchema, '(root)');
      for (const [name, definition] of Object.entries(definitions)) visit(definition, name);
      assert.deepEqual(missing, []);
    });

    it('offers editor snippets that are valid templates and steps once filled in', () => {
      // `${1:default}` and `${1|a,b|}` are snippet placeholders: use their default / first choice.
      const fill = (value: unknown): unknown =>
        JSON.parse(JSON.stringify(value).replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1'));
      const topSnippets = (templateSchema.defaultSnippets as Array<{ body: unknown }>).map((s) => fill(s.body));
      const definitions = templateSchema.definitions as { step: { defaultSnippets: Array<{ body: unknown }> } };
      const stepSnippets = definitions.step.defaultSnippets.map((s) => fill(s.body) as Record<string, unknown>);
      assert.equal(stepSnippets.length, 5);
      for (const template of topSnippets) assert.deepEqual(checkTemplateObject(template, 'snippet').problems, []);
      for (const step of stepSnippets) {
        const needed = typeof step.needs === 'string' ? [{ id: step.needs, run: 'echo' }] : [];
        const result = checkTemplateObject({ id: 'snippet', steps: [...needed, step] }, 'snippet');
        assert.deepEqual(result.problems, [], JSON.stringify(step));
      }
    });

    it('is the file package.json contributes to editors for .baton/templates', () => {
      const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));
      const contribution = manifest.contributes.yamlValidation.find((v: { url: string }) => v.url === './schemas/template.schema.json');
      assert.ok(contribution);
      assert.ok(contribution.fileMatch.includes('.baton/templates/*.yml'));
    });
  });
});

describe('TypeScript templates without esbuild', () => {
  it("loads a single-file template through Node's type stripping", async () => {
    const { evaluateTypeScriptTemplateWithoutBundler } = await import('../../../src/loaders/typescript');
    const source = readFileSync(join(validDir, 'typescript-template.ts'), 'utf8');
    const exported = (await evaluateTypeScriptTemplateWithoutBundler(join(validDir, 'typescript-template.ts'), source)) as {
      id: string;
      steps: Array<{ id: string }>;
    };
    assert.equal(exported.id, 'typescript-template');
    assert.deepEqual(
      exported.steps.map((s) => s.id),
      ['test-core', 'test-cli', 'report'],
    );
  });

  it('says that imports of other files need esbuild', async () => {
    const { evaluateTypeScriptTemplateWithoutBundler } = await import('../../../src/loaders/typescript');
    await assert.rejects(
      evaluateTypeScriptTemplateWithoutBundler('/x/t.ts', "import { steps } from './shared';\nexport default { id: 'x', steps };\n"),
      /imports "\.\/shared": templates that import other modules need esbuild/,
    );
  });
});
