import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateRegistry } from '../../../src/core/template/registry';
import { watchTemplateFolders } from '../../../src/loaders/template-watch';

describe('watchTemplateFolders', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-watch-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reloads the registry when a template file appears, once per burst', async () => {
    const registry = new TemplateRegistry({
      sources: [{ kind: 'workspace', dir }],
      changes: watchTemplateFolders([dir, join(dir, 'does-not-exist')], 50),
    });
    await registry.reload();
    assert.deepEqual(registry.list(), []);
    let reloads = 0;
    const reloaded = new Promise<void>((resolve) => {
      registry.onDidChange(() => {
        reloads += 1;
        if (registry.find('watched')) resolve();
      });
    });
    writeFileSync(join(dir, 'watched.yml'), 'id: watched\nsteps:\n  - id: a\n    run: echo\n');
    writeFileSync(join(dir, 'watched.yml'), 'id: watched\nsteps:\n  - id: a\n    run: echo again\n');
    await Promise.race([reloaded, new Promise((_, reject) => setTimeout(() => reject(new Error('no reload within 3s')), 3000))]);
    assert.equal(registry.get('watched').source, 'workspace');
    assert.ok(reloads <= 2, `one reload per burst, got ${reloads}`);
    registry.dispose();
  });
});
