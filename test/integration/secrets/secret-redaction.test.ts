/**
 * Secrets end to end through `baton run`: given with `--secret NAME` on stdin and referenced
 * from the template-level `env`, seen by the script, and then nowhere on disk — not in the
 * database file or its WAL (byte for byte), not in any file of the run folder.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Workspace, runIdFrom } from '../cli/harness';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets given with --secret and used from template env', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace('baton-secrets-');
  });
  afterEach(() => ws.cleanup());

  it('reach the script, and their values are redacted from the terminal, the database, its WAL and the run folder', async () => {
    const token = 'stdin-tok-31415926535';
    const other = 'env-tok-27182818284';
    ws.template(
      'ship.yml',
      `id: ship
env:
  TOKEN: \${{ secrets.DEPLOY_TOKEN }}
steps:
  - id: push
    run: |
      echo "token is $TOKEN"
      echo "length \${#TOKEN}"
      echo "other \${{ secrets.OTHER }}"
      echo "token=$TOKEN" >> "$BATON_OUTPUT"
      echo "both=$TOKEN/\${{ secrets.OTHER }}" >> "$BATON_OUTPUT"
      printf '## shipped with %s\\n' "$TOKEN" >> "$BATON_SUMMARY"
      echo "warning $TOKEN" >&2
  - id: next
    needs: push
    run: echo "got \${{ steps.push.outputs.token }}"; echo "seen=\${{ steps.push.outputs.token }}" >> "$BATON_OUTPUT"
`,
    );
    const result = await ws.baton(['run', 'ship', '--secret', 'DEPLOY_TOKEN'], {
      stdin: Readable.from([`${token}\n`]),
      env: { BATON_SECRET_OTHER: other },
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /length 21/, 'the script saw the real value from the template env');
    assert.match(result.stdout, /token is \*\*\*/);
    assert.match(result.stdout, /other \*\*\*/);
    for (const secret of [token, other]) {
      assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'printed');
    }
    const runId = runIdFrom(result.stdout);
    const shown = await ws.baton(['show', runId, '--json']);
    const run = JSON.parse(shown.stdout) as { steps: Array<{ stepId: string; outputs: Record<string, string> }> };
    const push = run.steps.find((s) => s.stepId === 'push')!;
    assert.equal(push.outputs.token, '***');
    assert.equal(push.outputs.both, '***/***');

    const files = filesUnder(join(ws.dir, '.baton'));
    assert.ok(files.some((f) => f.endsWith('baton.db')));
    assert.ok(files.some((f) => f.endsWith(join('push', 'summary.md'))), files.join('\n'));
    for (const walOrShm of ['baton.db-wal', 'baton.db-shm']) {
      const path = join(ws.dir, '.baton', walOrShm);
      if (existsSync(path)) assert.ok(files.includes(path));
    }
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of [token, other]) assert.ok(!bytes.includes(secret), `${file} contains a secret value`);
    }
  });

  it('are not handed to steps as BATON_SECRET_* variables (only through secrets.NAME, which is redacted)', async () => {
    const value = 'raw-env-secret-1618033';
    ws.template('peek.yml', 'id: peek\nsteps:\n  - id: look\n    run: echo "raw=[$BATON_SECRET_PEEK]"\n');
    const result = await ws.baton(['run', 'peek'], { env: { BATON_SECRET_PEEK: value } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /look \| raw=\[\]/);
    for (const file of filesUnder(join(ws.dir, '.baton'))) assert.ok(!readFileSync(file).includes(value), file);
  });

  it('refuses --secret without a value on stdin, naming the secret, before creating a run', async () => {
    ws.template('noop.yml', 'id: noop\nsteps:\n  - id: a\n    run: "true"\n');
    const result = await ws.baton(['run', 'noop', '--secret', 'A', '--secret', 'B'], { stdin: Readable.from(['only-one\n']) });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--secret B: no value on stdin/);
    assert.equal(existsSync(ws.dbPath), false);
  });
});
