import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { outsideEngine, waitForRun, waitUntil, workspaceDir } from './helpers';

describe('triggers', () => {
  it('saving a matching file starts one run (not two for one save, none for other files)', async () => {
    const notes = join(workspaceDir(), 'notes');
    mkdirSync(notes, { recursive: true });
    const file = join(notes, 'today.txt');
    writeFileSync(file, 'first line\n');
    writeFileSync(join(workspaceDir(), 'other.txt'), 'not a note\n');
    const outside = outsideEngine();
    try {
      const before = outside.engine.listRuns({ templateId: 'on-save' }).length;
      // Let the window open the database and start the folder's triggers.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(outside.engine.listRuns({ templateId: 'on-save' }).length, before, 'creating files is not a save');

      const other = await vscode.workspace.openTextDocument(join(workspaceDir(), 'other.txt'));
      const otherEdit = new vscode.WorkspaceEdit();
      otherEdit.insert(other.uri, new vscode.Position(0, 0), 'x');
      await vscode.workspace.applyEdit(otherEdit);
      await other.save();

      const document = await vscode.workspace.openTextDocument(file);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(document.uri, new vscode.Position(1, 0), 'second line\n');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(await document.save());

      await waitUntil('a run of on-save', () => outside.engine.listRuns({ templateId: 'on-save' }).length > before, 20_000);
      const [run] = outside.engine.listRuns({ templateId: 'on-save' });
      assert.equal(run!.trigger.kind, 'file');
      assert.match(JSON.stringify(run!.trigger.payload), /notes\/today\.txt/);
      assert.doesNotMatch(JSON.stringify(run!.trigger.payload), /other\.txt/);
      await waitForRun(outside.engine, run!.id, ['succeeded']);
      // The run's own writes (.baton/) and the debounce window must not start another.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(outside.engine.listRuns({ templateId: 'on-save' }).length, before + 1, 'exactly one run for one save');
    } finally {
      outside.opened.close();
    }
  });
});
