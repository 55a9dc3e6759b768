import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/model';
import type { TemplatesNode } from '../../../src/vscode/templatesTree';
import type { ValidationSummary } from '../../../src/vscode/validateTemplates';
import { screenshot } from './bridge';
import { batonContainer, outsideEngine, waitForRun, waitUntil, workspaceDir } from './helpers';

describe('templates', () => {
  const templatesDir = () => join(workspaceDir(), '.baton', 'templates');

  async function viewTemplates(): Promise<{ category: string; id: string; name: string }[]> {
    const { templatesTree } = await batonContainer();
    const result: { category: string; id: string; name: string }[] = [];
    for (const top of await templatesTree.getChildren()) {
      if (top.kind !== 'category') continue;
      for (const node of await templatesTree.getChildren(top)) {
        if (node.kind === 'template') result.push({ category: top.category, id: node.template.definition.id, name: String(templatesTree.getTreeItem(node).label) });
      }
    }
    return result;
  }

  it('lists the workspace templates by category; a click opens the source', async () => {
    const container = await batonContainer();
    await waitUntil('hello in the Templates view', async () => (await viewTemplates()).some((t) => t.id === 'hello'));
    assert.deepEqual(
      (await viewTemplates()).find((t) => t.id === 'hello'),
      { category: 'e2e', id: 'hello', name: 'Hello' },
    );
    const category = (await container.templatesTree.getChildren()).find((n) => n.kind === 'category' && n.category === 'e2e')!;
    const node = (await container.templatesTree.getChildren(category)).find(
      (n): n is Extract<TemplatesNode, { kind: 'template' }> => n.kind === 'template' && n.template.definition.id === 'hello',
    )!;
    const item = container.templatesTree.getTreeItem(node);
    assert.equal(item.contextValue, 'baton.template', 'the inline Run button matches this');
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    await waitUntil('hello.yml open', () => vscode.window.activeTextEditor?.document.uri.fsPath === join(templatesDir(), 'hello.yml'));
    await vscode.commands.executeCommand('baton.templates.focus');
    await new Promise((r) => setTimeout(r, 500));
    await screenshot('templates-view');
  });

  it('shows when a scheduled template runs next', async () => {
    const { templatesTree } = await batonContainer();
    let description = '';
    await waitUntil('the next run in the view', async () => {
      for (const top of await templatesTree.getChildren()) {
        for (const node of top.kind === 'category' ? await templatesTree.getChildren(top) : []) {
          if (node.kind === 'template' && node.template.definition.id === 'scheduled') description = String(templatesTree.getTreeItem(node).description);
        }
      }
      return description.includes('next');
    }, 20_000);
    const next = new Date();
    next.setHours(3, 0, 0, 0);
    if (next.getTime() <= Date.now()) next.setDate(next.getDate() + 1);
    assert.ok(description.includes(next.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })), description);
  });

  it('picks up a template file created on disk without a reload', async () => {
    writeFileSync(join(templatesDir(), 'later.yml'), 'id: later\nname: Added Later\ncategory: e2e\nsteps:\n  - id: only\n    run: echo later\n');
    await waitUntil('the new template in the view', async () => (await viewTemplates()).some((t) => t.id === 'later'), 15_000);
  });

  it('Validate Templates puts each problem of a broken file into the Problems panel at its line', async () => {
    const broken = join(templatesDir(), 'broken.yml');
    writeFileSync(broken, 'id: broken\nname: Broken\nsteps:\n  - id: a\n    run: echo a\n  - id: b\n    needs: [missing-step]\n    run: echo b\n');
    const summary = await vscode.commands.executeCommand<ValidationSummary>('baton.validateTemplates');
    assert.equal(summary.invalid, 1, JSON.stringify(summary));
    assert.equal(summary.files[0]!.path, broken);
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(broken));
    assert.ok(diagnostics.length > 0, 'diagnostics published');
    const needs = diagnostics.find((d) => /missing-step/.test(d.message));
    assert.ok(needs, diagnostics.map((d) => d.message).join('\n'));
    assert.equal(needs.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(needs.range.start.line, 6, 'points at the needs line (0-based 6)');
    assert.equal(needs.source, 'baton');
    // The invalid file is listed in the view, not silently missing.
    const { templatesTree } = await batonContainer();
    assert.ok((await templatesTree.getChildren()).some((n) => n.kind === 'invalid' && n.invalid.sourcePath === broken));

    rmSync(broken);
    await waitUntil('diagnostics cleared after the file is gone', () => vscode.languages.getDiagnostics(vscode.Uri.file(broken)).length === 0, 30_000);
  });

  it('Run Workflow Template starts a run with checked inputs that VS Code executes to the end', async () => {
    const outside = outsideEngine();
    try {
      const run = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'hello', { who: 'baton', times: 3 });
      assert.ok(run, 'a run was started');
      assert.equal(run.templateId, 'hello');
      assert.equal(run.trigger.kind, 'manual');
      const done = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
      assert.equal(done.status, 'succeeded', done.error ?? '');
      assert.deepEqual(done.inputs, { who: 'baton', times: 3 });
      const greet = outside.engine.getRun(run.id).steps.find((s) => s.stepId === 'greet')!;
      assert.equal(greet.outputs?.greeting, 'hello baton');
    } finally {
      outside.opened.close();
    }
  });

  it('Run Workflow Template refuses inputs that break the schema and starts nothing', async () => {
    const outside = outsideEngine();
    try {
      const before = outside.engine.listRuns({ templateId: 'hello' }).length;
      const run = await vscode.commands.executeCommand<RunRecord | undefined>('baton.runTemplate', 'hello', { who: 'Not Lower', times: 9 });
      assert.equal(run, undefined);
      assert.equal(outside.engine.listRuns({ templateId: 'hello' }).length, before);
    } finally {
      outside.opened.close();
    }
  });
});
