import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CliIO } from '../../src/cli/commands';
import { runCli } from '../../src/cli/main';

function fakeIO(cwd: string, env: NodeJS.ProcessEnv = {}, isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd,
    env,
    isTTY,
    stdin: Readable.from([]),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const THREE_MISTAKES = `id: three-mistakes
steps:
  - id: build
    run: make
    timeout: 5 minutes
  - id: test
    nedds: build
    run: make test
  - id: publish
    needs: [build]
    run: upload \${{ inputs.target }}
`;

describe('baton validate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-validate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints three located errors for a file with three independent mistakes and exits 1', async () => {
    writeFileSync(join(dir, 'three.yml'), THREE_MISTAKES);
    const { io, stdout, stderr } = fakeIO(dir);
    const code = await runCli(['validate', 'three.yml'], io);
    assert.equal(code, 1);
    assert.deepEqual(stdout().trimEnd().split('\n'), [
      'three.yml:5:14: error: invalid duration "5 minutes" (write a number of seconds, or units such as 30s, 5m, 2h, 1h30m) [bad-duration]',
      'three.yml:7:5: error: unknown field "nedds" (did you mean "needs"?) [unknown-key]',
      'three.yml:11:21: error: input "target" is not declared (declare it under inputs.properties) [unknown-input]',
    ]);
    assert.match(stderr(), /3 errors in 1 of 1 template file/);
  });

  it('on a terminal, shows the source line with a caret under the column', async () => {
    writeFileSync(join(dir, 'three.yml'), THREE_MISTAKES);
    const { io, stdout } = fakeIO(dir, {}, true);
    assert.equal(await runCli(['validate', 'three.yml'], io), 1);
    const lines = stdout().split('\n');
    assert.deepEqual(lines.slice(1, 3), ['        timeout: 5 minutes', '                 ^']);
    assert.deepEqual(lines.slice(4, 6), ['        nedds: build', '        ^']);
  });

  it('checks the workspace .baton/templates by default and prints an ok line', async () => {
    const templates = join(dir, '.baton', 'templates');
    mkdirSync(templates, { recursive: true });
    writeFileSync(join(templates, 'a.yml'), 'id: a\nsteps:\n  - id: s\n    run: echo\n');
    writeFileSync(join(templates, 'b.ts'), "import { defineWorkflow } from 'baton';\nexport default defineWorkflow({ id: 'b', steps: [{ id: 's', run: 'echo' }] });\n");
    writeFileSync(join(templates, 'README.md'), 'not a template');
    const { io, stdout } = fakeIO(dir);
    assert.equal(await runCli(['validate'], io), 0);
    assert.equal(stdout(), 'ok: 2 templates valid\n');
  });

  it('validates folders and several paths, and reports a missing path', async () => {
    mkdirSync(join(dir, 'more'));
    writeFileSync(join(dir, 'more', 'good.yaml'), 'id: good\nsteps:\n  - id: s\n    run: echo\n');
    writeFileSync(join(dir, 'more', 'bad.yml'), 'id: bad\nsteps:\n  - id: s\n');
    const { io, stdout } = fakeIO(dir);
    assert.equal(await runCli(['validate', 'more', 'nope.yml'], io), 1);
    const lines = stdout().trimEnd().split('\n');
    assert.ok(lines.some((l) => l.endsWith('nope.yml:1:1: error: no such file or folder [not-found]')), lines.join('\n'));
    assert.ok(lines.includes('more/bad.yml:3:5: error: step "s" has no kind (give it exactly one of run, agent, llm, mcp, gate, workflow) [no-step-kind]'), lines.join('\n'));
    assert.equal(lines.length, 2);
  });

  it('warns about two files with the same id but stays valid', async () => {
    writeFileSync(join(dir, 'one.yml'), 'id: same\nsteps:\n  - id: s\n    run: echo\n');
    writeFileSync(join(dir, 'two.yml'), 'id: same\nsteps:\n  - id: s\n    run: echo\n');
    const { io, stdout } = fakeIO(dir);
    assert.equal(await runCli(['validate', 'one.yml', 'two.yml'], io), 0);
    assert.match(stdout(), /^two\.yml:1:1: warning: template id "same" is also used by one\.yml \[duplicate-template-id\]\nok: 2 templates valid\n$/);
  });

  it('warns about workflow steps naming unknown templates, at the workflow field', async () => {
    writeFileSync(join(dir, 'parent.yml'), 'id: parent\nsteps:\n  - id: a\n    run: echo\n  - id: b\n    workflow: no-such-template\n  - id: c\n    workflow: fix-failing-tests\n');
    const { io, stdout } = fakeIO(dir, { HOME: dir, BATON_BUILTIN_TEMPLATES: join(import.meta.dirname, '..', '..', 'templates') });
    assert.equal(await runCli(['validate', 'parent.yml'], io), 0);
    assert.equal(
      stdout(),
      'parent.yml:6:15: warning: workflow "no-such-template" is not a known template [unknown-workflow]\nok: 1 template valid\n',
    );
  });

  it('prints JSON with --json', async () => {
    writeFileSync(join(dir, 'three.yml'), THREE_MISTAKES);
    const { io, stdout } = fakeIO(dir);
    assert.equal(await runCli(['validate', '--json', 'three.yml'], io), 1);
    const reports = JSON.parse(stdout());
    assert.equal(reports.length, 1);
    assert.equal(reports[0].valid, false);
    assert.deepEqual(
      reports[0].problems.map((p: { code: string; path: string }) => `${p.code}@${p.path}`),
      ['bad-duration@steps[0].timeout', 'unknown-key@steps[1].nedds', 'unknown-input@steps[2].run'],
    );
  });

  it('rejects unknown flags with usage help', async () => {
    const { io, stderr } = fakeIO(dir);
    assert.equal(await runCli(['validate', '--strict'], io), 2);
    assert.match(stderr(), /Usage: baton validate/);
  });
});

describe('baton templates', () => {
  let dir: string;
  let builtin: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-templates-'));
    builtin = join(dir, 'builtin');
    mkdirSync(builtin);
    mkdirSync(join(dir, 'ws', '.baton', 'templates'), { recursive: true });
    writeFileSync(join(builtin, 'review.yml'), 'id: review\nname: Review\ncategory: review\nsteps:\n  - id: s\n    run: echo\n');
    writeFileSync(
      join(builtin, 'nightly.yml'),
      'id: nightly\nname: Nightly\ncategory: maintenance\non:\n  schedule:\n    cron: "0 3 * * *"\nsteps:\n  - id: s\n    run: echo\n',
    );
    writeFileSync(join(dir, 'ws', '.baton', 'templates', 'review.yml'), 'id: review\nname: Our review\ncategory: review\nsteps:\n  - id: s\n    run: echo\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function io() {
    return fakeIO(join(dir, 'ws'), { BATON_BUILTIN_TEMPLATES: builtin, BATON_USER_TEMPLATES: join(dir, 'user'), HOME: dir });
  }

  it('lists id, name, category, source and path, and reports the override', async () => {
    const { io: cli, stdout, stderr } = io();
    assert.equal(await runCli(['templates'], cli), 0);
    const lines = stdout().trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+NAME\s+CATEGORY\s+SOURCE\s+PATH$/);
    assert.match(lines[1]!, /^nightly\s+Nightly\s+maintenance\s+builtin\s+\S+nightly\.yml$/);
    assert.match(lines[2]!, /^review\s+Our review\s+review\s+workspace\s+\S+ws\/\.baton\/templates\/review\.yml$/);
    assert.equal(lines.length, 3);
    assert.match(stderr(), /workspace template "review" .* overrides the builtin one .* \[template-overridden\]/);
  });

  it('filters by category and prints JSON', async () => {
    const { io: cli, stdout } = io();
    assert.equal(await runCli(['templates', '--category', 'maintenance', '--json'], cli), 0);
    const list = JSON.parse(stdout());
    assert.deepEqual(
      list.map((t: { id: string; source: string; triggers: string[] }) => [t.id, t.source, t.triggers]),
      [['nightly', 'builtin', ['manual', 'schedule']]],
    );
  });

  it('rejects an unknown trigger kind', async () => {
    const { io: cli, stderr } = io();
    assert.equal(await runCli(['templates', '--trigger', 'cron'], cli), 2);
    assert.match(stderr(), /--trigger must be one of/);
  });
});
