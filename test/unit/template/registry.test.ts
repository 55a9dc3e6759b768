import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateNotFoundError } from '../../../src/core/errors';
import { TemplateRegistry, type TemplateChangeSource } from '../../../src/core/template/registry';
import { evaluateTypeScriptTemplate } from '../../../src/loaders/typescript';

function template(id: string, extra = ''): string {
  return `id: ${id}\nname: ${id} template\n${extra}steps:\n  - id: a\n    run: echo ${id}\n`;
}

class ManualChanges implements TemplateChangeSource {
  private listener: (() => void) | undefined;
  onDidChange(listener: () => void) {
    this.listener = listener;
    return { dispose: () => (this.listener = undefined) };
  }
  fire(): void {
    this.listener?.();
  }
}

describe('TemplateRegistry', () => {
  let root: string;
  let builtin: string;
  let user: string;
  let workspace: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'baton-registry-'));
    builtin = join(root, 'builtin');
    user = join(root, 'user');
    workspace = join(root, 'workspace', '.baton', 'templates');
    for (const dir of [builtin, user, workspace]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(builtin, 'review.yml'), template('review', 'category: review\ntags: [quality]\ndescription: Reviews a diff\n'));
    writeFileSync(join(builtin, 'nightly.yml'), template('nightly', 'category: maintenance\non:\n  schedule:\n    cron: "0 3 * * *"\n'));
    writeFileSync(join(builtin, 'nightly.test.ts'), '// a test beside a template is not a template\n');
    writeFileSync(join(user, 'mine.yaml'), template('mine', 'category: review\non:\n  webhook: true\n'));
    writeFileSync(join(workspace, 'review.yml'), template('review', 'category: review\ndescription: Our own review\n'));
    writeFileSync(join(workspace, 'broken.yml'), 'id: broken\nsteps:\n  - id: a\n    nedds: b\n    run: x\n');
    writeFileSync(
      join(workspace, 'typed.ts'),
      "import { defineWorkflow } from 'baton';\nexport default defineWorkflow({ id: 'typed', tags: ['ts'], steps: [{ id: 'a', run: 'echo' }] });\n",
    );
    writeFileSync(join(workspace, 'notes.md'), '# not a template\n');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function registry(changes?: TemplateChangeSource): TemplateRegistry {
    return new TemplateRegistry({
      sources: [
        { kind: 'workspace', dir: workspace },
        { kind: 'builtin', dir: builtin },
        { kind: 'user', dir: user },
        { kind: 'user', dir: join(root, 'missing') },
      ],
      evaluateTypeScript: evaluateTypeScriptTemplate,
      ...(changes ? { changes } : {}),
    });
  }

  it('lists templates from every source; the workspace overrides a built-in and says so', async () => {
    const r = registry();
    await r.reload();
    assert.deepEqual(
      r.list().map((t) => `${t.definition.id}:${t.source}`),
      ['mine:user', 'nightly:builtin', 'review:workspace', 'typed:workspace'],
    );
    assert.equal(r.get('review').definition.description, 'Our own review');
    assert.deepEqual(
      r.notices().map((n) => ({ code: n.code, id: n.templateId, winner: n.sourcePath, hidden: n.hiddenPath })),
      [{ code: 'template-overridden', id: 'review', winner: join(workspace, 'review.yml'), hidden: join(builtin, 'review.yml') }],
    );
  });

  it('keeps invalid files with their problems instead of dropping them silently', async () => {
    const r = registry();
    await r.reload();
    assert.equal(r.find('broken'), undefined);
    assert.deepEqual(
      r.invalid().map((i) => ({ path: i.sourcePath, codes: i.problems.map((p) => p.code) })),
      [{ path: join(workspace, 'broken.yml'), codes: ['unknown-key'] }],
    );
  });

  it('filters by category, tag, trigger kind and source, and searches text', async () => {
    const r = registry();
    await r.reload();
    const ids = (list: { definition: { id: string } }[]) => list.map((t) => t.definition.id);
    assert.deepEqual(ids(r.list({ category: 'Review' })), ['mine', 'review']);
    assert.deepEqual(ids(r.list({ tag: 'ts' })), ['typed']);
    assert.deepEqual(ids(r.list({ trigger: 'schedule' })), ['nightly']);
    assert.deepEqual(ids(r.list({ trigger: 'webhook' })), ['mine']);
    assert.deepEqual(ids(r.list({ source: 'workspace' })), ['review', 'typed']);
    assert.deepEqual(ids(r.search('own REVIEW')), ['review']);
    assert.deepEqual(ids(r.search('nothing-matches')), []);
    assert.deepEqual(r.categories(), ['maintenance', 'review']);
  });

  it('get throws TemplateNotFoundError; resolve serves workflow steps', async () => {
    const r = registry();
    assert.equal((await r.resolve('nightly')).id, 'nightly');
    assert.throws(() => r.get('nope'), TemplateNotFoundError);
  });

  it('reloads when the change port fires and tells listeners', async () => {
    const changes = new ManualChanges();
    const r = registry(changes);
    await r.reload();
    let notified = 0;
    r.onDidChange(() => (notified += 1));
    rmSync(join(workspace, 'review.yml'));
    writeFileSync(join(workspace, 'added.yml'), template('added'));
    changes.fire();
    await r.reload();
    assert.ok(notified >= 1);
    assert.equal(r.get('review').source, 'builtin');
    assert.equal(r.get('added').source, 'workspace');
    assert.deepEqual(r.notices(), []);
    r.dispose();
  });

  it('reports two files with one id in the same source', async () => {
    writeFileSync(join(workspace, 'review-copy.yml'), template('review'));
    const r = registry();
    await r.reload();
    const duplicate = r.notices().find((n) => n.code === 'duplicate-template-id');
    assert.ok(duplicate);
    assert.equal(duplicate.hiddenPath, join(workspace, 'review.yml'));
  });

  it('reports workflow steps naming unknown templates and templates that start each other', async () => {
    const workflowStep = (id: string, target: string) => `id: ${id}\nsteps:\n  - id: child\n    workflow: ${target}\n`;
    writeFileSync(join(workspace, 'ping.yml'), workflowStep('ping', 'pong'));
    writeFileSync(join(workspace, 'pong.yml'), workflowStep('pong', 'ping'));
    writeFileSync(join(workspace, 'lost.yml'), workflowStep('lost', 'nowhere'));
    writeFileSync(join(workspace, 'dynamic.yml'), workflowStep('dynamic', '"${{ inputs.which }}"').replace('steps:', 'inputs:\n  properties:\n    which: { type: string }\nsteps:'));
    const r = registry();
    await r.reload();
    const notices = r.notices().filter((n) => n.code !== 'template-overridden');
    assert.deepEqual(
      notices.map((n) => `${n.code} ${n.templateId} ${n.message}`),
      [
        'unknown-workflow lost step "child" of template "lost" runs workflow "nowhere", which is not a known template',
        'workflow-cycle ping templates start each other in a cycle: ping -> pong -> ping',
      ],
    );
    assert.equal(notices[0]!.hiddenPath, join(workspace, 'lost.yml'));
  });
});
