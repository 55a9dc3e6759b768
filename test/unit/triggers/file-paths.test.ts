import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { FileTriggers, type TriggerHostPorts } from '../../../src/triggers';

/** FileTriggers.relativePath touches no port, so the ports can be empty here. */
const noPorts = {} as TriggerHostPorts;

describe('file trigger paths', () => {
  const workspace = resolve('/work/space');
  const files = new FileTriggers(noPorts, { workspaceDir: workspace, ignoredDirs: ['/var/baton-state', 'build/state'] });

  it('makes paths workspace-relative with / separators', () => {
    assert.equal(files.relativePath(join(workspace, 'src', 'a.ts')), 'src/a.ts');
    assert.equal(files.relativePath('src/b.ts'), 'src/b.ts');
    assert.equal(files.relativePath('./docs/../README.md'), 'README.md');
  });

  it("drops Baton's own files and anything outside the workspace", () => {
    for (const path of [
      join(workspace, '.baton', 'baton.db'),
      '.baton/runs/r/steps/s/stdout.log',
      '.baton',
      '/var/baton-state/baton.db',
      join(workspace, 'build', 'state', 'x'),
      '/elsewhere/file.ts',
      '../sibling/file.ts',
      workspace,
    ]) {
      assert.equal(files.relativePath(path), undefined, path);
    }
    assert.equal(files.relativePath('.batonrc'), '.batonrc', 'only the .baton folder itself is Baton’s');
  });
});
