import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Workspace, runIdFrom } from './harness';

const PARENT = `id: release
steps:
  - id: build
    workflow: compile-all
    with:
      target: linux
  - id: announce
    needs: [build]
    run: echo "released \${{ steps.build.outputs.compile.artifact }}"
`;

const CHILD = `id: compile-all
inputs:
  properties:
    target: { type: string }
steps:
  - id: fetch
    run: |
      echo x >> fetch.ran
      echo "fetching for \${{ inputs.target }}"
  - id: compile
    needs: [fetch]
    run: |
      echo x >> compile.ran
      echo "compiling \${{ inputs.target }}"
      test -f fixed || { echo "error: undefined symbol main" >&2; exit 1; }
      echo "artifact=app-\${{ inputs.target }}" >> "$BATON_OUTPUT"
`;

describe('child runs (workflow: steps) in the CLI', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.template('release.yml', PARENT);
    ws.template('compile-all.yml', CHILD);
  });
  afterEach(() => ws.cleanup());

  it("shows the child run's steps and, on failure, the child step's log tail; resume finishes it", async () => {
    const failed = await ws.baton(['run', 'release']);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /build › fetch \| fetching for linux/);
    assert.match(failed.stdout, /✗ build › compile: script exited with code 1: error: undefined symbol main/);
    assert.match(failed.stdout, /step build › compile failed: script exited with code 1: error: undefined symbol main\n--- last 2 lines of .*stdout\.log ---\n {2}compiling linux\n {2}error: undefined symbol main\n---/);
    const runId = runIdFrom(failed.stdout);

    writeFileSync(ws.file('fixed'), '');
    const resumed = await ws.baton(['resume', runId]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, /announce \| released app-linux/);
    assert.equal(ws.read('fetch.ran'), 'x\n', "the child's finished step is not run again");
    assert.equal(ws.read('compile.ran'), 'x\nx\n');

    const shown = await ws.baton(['show', runId]);
    const childId = /build +succeeded .*→ run (\S+)/.exec(shown.stdout)?.[1];
    assert.ok(childId, shown.stdout);
    const logs = await ws.baton(['logs', runId, 'build']);
    assert.equal(logs.stderr, `(no output from build: it is succeeded — it ran as child run ${childId}: baton show ${childId})\n`);
    assert.equal((await ws.baton(['logs', childId, 'compile'])).stdout, 'compiling linux\nerror: undefined symbol main\ncompiling linux\n');
  });

  it('nests the child run under its workflow step in the live view', async () => {
    writeFileSync(ws.file('fixed'), '');
    ws.template('compile-all.yml', CHILD.replace('echo x >> fetch.ran', 'echo x >> fetch.ran; sleep 0.8'));
    const result = await ws.baton(['run', 'release'], { isTTY: true });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, / {2}⏸ build +waiting[^\n]*\n {6}▶ fetch +running/);
  });
});
