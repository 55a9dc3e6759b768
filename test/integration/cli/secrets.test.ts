import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace, runIdFrom } from './harness';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets through the CLI', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
  });
  afterEach(() => ws.cleanup());

  it('reach the script but never the terminal, the database, the events or the run folder', async () => {
    const secret = 'tok-9f8e7d6c5b4a';
    ws.template(
      'deploy.yml',
      `id: deploy
steps:
  - id: push
    env:
      TOKEN: \${{ secrets.API_TOKEN }}
    run: |
      echo "using $TOKEN"
      echo "inline \${{ secrets.API_TOKEN }}"
      echo "length \${#TOKEN}"
      echo "token=$TOKEN" >> "$BATON_OUTPUT"
      echo "deployed with $TOKEN" >> "$BATON_SUMMARY"
      echo "failing with $TOKEN" >&2
      exit 2
`,
    );
    const result = await ws.baton(['run', 'deploy'], { env: { BATON_SECRET_API_TOKEN: secret } });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /push \| using \*\*\*/);
    assert.match(result.stdout, /push \| length 16/, 'the script saw the real value');
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), result.stdout);

    const runId = runIdFrom(result.stdout);
    for (const argv of [['show', runId, '--json'], ['events', '--json'], ['logs', runId, 'push']]) {
      const shown = await ws.baton(argv);
      assert.ok(!shown.stdout.includes(secret), `${argv[0]} shows the secret`);
    }
    // The database file and WAL, byte for byte, and every file of the run folder.
    for (const file of filesUnder(join(ws.dir, '.baton'))) {
      assert.ok(!readFileSync(file).includes(secret), `${file} contains the secret`);
    }
  });
});
