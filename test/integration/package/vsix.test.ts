import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a VSIX may hold (paths inside `extension/`). */
const ALLOWED = [/^dist\/(extension|cli)\.cjs$/, /^dist\/webview\//, /^media\//, /^templates\//, /^schemas\//, /^README\.md$/i, /^LICENSE(\.txt)?$/i, /^package\.json$/, /^changelog\.md$/i];

describe('npm run package', function () {
  this.timeout(180_000);
  let dir: string;
  let vsix: string;
  let entries: string[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-vsix-'));
    vsix = join(dir, 'baton.vsix');
    const packed = spawnSync(process.execPath, ['scripts/package.mjs', vsix], { encoding: 'utf8' });
    assert.equal(packed.status, 0, `${packed.stdout}\n${packed.stderr}`);
    assert.match(packed.stdout, /KiB/, 'the script prints the VSIX size');
    const listed = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    entries = listed.stdout.split('\n').filter(Boolean);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('produces a VSIX under 2 MB', () => {
    const bytes = statSync(vsix).size;
    assert.ok(bytes < 2 * 1024 * 1024, `VSIX is ${bytes} bytes`);
  });

  it('holds the bundles, templates and schema but no sources, tests, maps or node_modules', () => {
    const files = entries.filter((e) => e.startsWith('extension/') && !e.endsWith('/')).map((e) => e.slice('extension/'.length));
    const lower = files.map((f) => f.toLowerCase());
    for (const needed of ['dist/extension.cjs', 'dist/cli.cjs', 'schemas/template.schema.json', 'package.json', 'readme.md']) {
      assert.ok(lower.includes(needed), `${needed} is in the VSIX`);
    }
    assert.ok(files.some((f) => f.startsWith('templates/') && f.endsWith('.yml')), 'built-in templates are packaged');
    const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)) || f.endsWith('.map') || f.endsWith('.test.ts'));
    assert.deepEqual(stray, []);
    assert.ok(!entries.some((e) => /(^|\/)(src|test|node_modules)\//.test(e)), 'no src/, test/ or node_modules/');
  });
});
