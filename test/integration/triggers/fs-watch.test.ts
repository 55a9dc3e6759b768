import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFileEventSource, type FileEvent } from '../../../src/triggers';
import { tempDir, waitUntil } from '../../support/engine-fixtures';

describe('NodeFileEventSource (node:fs watch)', () => {
  it("reports creations, saves and deletions in subfolders, never Baton's own folder", async () => {
    const temp = tempDir('baton-fswatch-');
    mkdirSync(join(temp.dir, '.baton'), { recursive: true });
    mkdirSync(join(temp.dir, 'src', 'deep'), { recursive: true });
    const source = new NodeFileEventSource(temp.dir);
    const seen: FileEvent[] = [];
    const subscription = source.onFileEvent((event) => seen.push(event));
    try {
      await new Promise((r) => setTimeout(r, 100)); // let the recursive watcher settle
      const file = join(temp.dir, 'src', 'deep', 'a.ts');
      writeFileSync(join(temp.dir, '.baton', 'baton.db'), 'x');
      writeFileSync(file, 'one');
      await waitUntil('create', () => seen.some((e) => e.path === file && e.kind === 'create'), 3000);
      writeFileSync(file, 'two');
      await waitUntil('save', () => seen.some((e) => e.path === file && e.kind === 'save'), 3000);
      rmSync(file);
      await waitUntil('delete', () => seen.some((e) => e.path === file && e.kind === 'delete'), 3000);
      assert.ok(!seen.some((e) => e.path.includes(`${join(temp.dir, '.baton')}`)), JSON.stringify(seen));
    } finally {
      subscription.dispose();
      temp.cleanup();
    }
  });
});
