import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace, databaseFingerprint, runIdFrom } from './harness';

/** Three steps in a chain; each appends to `<id>.ran` so the test can count executions. */
const CHAIN = `id: chain
name: Chain
inputs:
  properties:
    greeting:
      type: string
      default: hello
    times:
      type: integer
      default: 1
steps:
  - id: prepare
    run: |
      echo x >> prepare.ran
      echo "prepared \${{ inputs.greeting }} x\${{ inputs.times }}"
      echo "word=\${{ inputs.greeting }}" >> "$BATON_OUTPUT"
  - id: build
    needs: [prepare]
    run: |
      echo x >> build.ran
      for i in $(seq 1 30); do echo "build line $i"; done
      if [ ! -f fixed ]; then echo "compiler says: missing semicolon" >&2; exit 4; fi
      echo "built with \${{ steps.prepare.outputs.word }}"
  - id: publish
    needs: [build]
    run: |
      echo x >> publish.ran
      echo published
`;

function count(ws: Workspace, step: string): number {
  return ws.read(`${step}.ran`).split('\n').filter(Boolean).length;
}

describe('baton run / resume (in-process CLI, real SQLite, real bash)', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.template('chain.yml', CHAIN);
  });
  afterEach(() => ws.cleanup());

  it('exits 1 on a failing run and prints the failed step and its log tail', async () => {
    const result = await ws.baton(['run', 'chain', '--input', 'greeting=hi']);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.equal(result.stderr, '');
    const runId = runIdFrom(result.stdout);
    assert.match(result.stdout, /✓ prepare\n/);
    assert.match(result.stdout, /✗ build: script exited with code 4: compiler says: missing semicolon/);
    assert.match(result.stdout, /- publish skipped/);
    assert.match(result.stdout, new RegExp(`✗ run ${runId} failed`));
    assert.match(result.stdout, /step build failed: script exited with code 4: compiler says: missing semicolon/);
    // The log tail: the last 20 lines of the step's log, ending with the stderr line.
    const tail = result.stdout.slice(result.stdout.indexOf('--- last 20 lines'));
    assert.match(tail, /^--- last 20 lines of .*steps\/build\/stdout\.log ---\n/);
    assert.ok(!tail.includes('build line 11\n'), 'only the tail is printed');
    assert.match(tail, / {2}build line 12\n[\s\S]* {2}build line 30\n {2}compiler says: missing semicolon\n---\n/);
    assert.match(result.stdout, new RegExp(`baton resume ${runId}`));
    assert.equal(count(ws, 'prepare'), 1);
    assert.equal(count(ws, 'publish'), 0);
  });

  it('resumes a failed run after the fix without re-running finished steps', async () => {
    const failed = await ws.baton(['run', 'chain']);
    assert.equal(failed.code, 1);
    const runId = runIdFrom(failed.stdout);
    assert.deepEqual([count(ws, 'prepare'), count(ws, 'build'), count(ws, 'publish')], [1, 1, 0]);

    writeFileSync(ws.file('fixed'), '');
    const resumed = await ws.baton(['resume', runId]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, /▶ build \(attempt 2\)/);
    assert.match(resumed.stdout, /build \| built with hello/, 'upstream outputs survive the resume');
    assert.match(resumed.stdout, new RegExp(`✓ run ${runId} succeeded`));
    assert.ok(!/▶ prepare/.test(resumed.stdout), 'prepare must not start again');
    assert.deepEqual([count(ws, 'prepare'), count(ws, 'build'), count(ws, 'publish')], [1, 2, 1]);

    const shown = await ws.baton(['show', runId, '--json']);
    const detail = JSON.parse(shown.stdout);
    assert.equal(detail.run.status, 'succeeded');
    assert.deepEqual(
      detail.steps.map((s: { stepId: string; status: string; attempts: number }) => [s.stepId, s.status, s.attempts]),
      [['prepare', 'succeeded', 1], ['build', 'succeeded', 2], ['publish', 'succeeded', 1]],
    );

    // Resuming a succeeded run is a conflict and changes nothing.
    const before = databaseFingerprint(ws.dbPath);
    const again = await ws.baton(['resume', runId]);
    assert.equal(again.code, 4);
    assert.equal(
      again.stderr,
      `baton resume: error: run ${runId} already succeeded; run it again with \`baton rerun ${runId}\` or \`baton retry ${runId} --from <step>\` [invalid_transition]\n`,
    );
    assert.equal(databaseFingerprint(ws.dbPath).hash, before.hash);
  });

  it('retry --from reruns that step and what follows, keeping upstream outputs', async () => {
    writeFileSync(ws.file('fixed'), '');
    const first = await ws.baton(['run', 'chain']);
    assert.equal(first.code, 0, first.stdout);
    const runId = runIdFrom(first.stdout);
    const retried = await ws.baton(['retry', runId, '--from', 'build']);
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.match(retried.stdout, /built with hello/);
    assert.deepEqual([count(ws, 'prepare'), count(ws, 'build'), count(ws, 'publish')], [1, 2, 2]);
  });

  it('rerun starts a new run with the same inputs', async () => {
    writeFileSync(ws.file('fixed'), '');
    const first = await ws.baton(['run', 'chain', '--input', 'greeting=bonjour', '--input', 'times=3']);
    const runId = runIdFrom(first.stdout);
    const second = await ws.baton(['rerun', runId]);
    assert.equal(second.code, 0, second.stdout);
    const newId = runIdFrom(second.stdout);
    assert.notEqual(newId, runId);
    assert.match(second.stdout, new RegExp(`rerun of ${runId}`));
    assert.match(second.stdout, /prepared bonjour x3/);
    const list = JSON.parse((await ws.baton(['runs', '--json'])).stdout) as { id: string; inputs: unknown; trigger: { kind: string } }[];
    assert.deepEqual(list.map((r) => r.id).sort(), [runId, newId].sort());
    assert.deepEqual(list.find((r) => r.id === newId)?.inputs, { greeting: 'bonjour', times: 3 });
    assert.equal(list.find((r) => r.id === newId)?.trigger.kind, 'rerun');
  });

  it('retries a flaky step after its delay and times out a hanging one', async () => {
    ws.template(
      'flaky.yml',
      `id: flaky
steps:
  - id: flaky
    retry:
      max: 3
      backoff: fixed
      delay: 300ms
    run: |
      echo x >> flaky.ran
      [ "$(wc -l < flaky.ran)" -ge 2 ] || { echo "first try fails" >&2; exit 1; }
      echo "second try works"
  - id: hang
    timeout: 500ms
    run: sleep 30
`,
    );
    const started = Date.now();
    const result = await ws.baton(['run', 'flaky']);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /↻ flaky attempt 1 failed: script exited with code 1: first try fails; retrying in \d+ms/);
    assert.match(result.stdout, /flaky \| second try works/);
    assert.match(result.stdout, /step hang failed: step timed out after 500 ms/);
    assert.equal(count(ws, 'flaky'), 2);
    assert.ok(Date.now() - started < 10_000, 'the hanging step was stopped at its timeout');
    const detail = JSON.parse((await ws.baton(['show', runIdFrom(result.stdout), '--json'])).stdout);
    const attempts = detail.attempts.map((a: { stepId: string; status: string }) => `${a.stepId}:${a.status}`);
    assert.deepEqual(attempts.sort(), ['flaky:failed', 'flaky:succeeded', 'hang:timed_out']);
  });

  it('runs a template given as a file path, typed inputs included', async () => {
    writeFileSync(ws.file('fixed'), '');
    const path = join(ws.dir, 'elsewhere.yml');
    writeFileSync(path, CHAIN.replace('id: chain', 'id: elsewhere'));
    const result = await ws.baton(['run', './elsewhere.yml', '-i', 'times=7', '--json']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const detail = JSON.parse(result.stdout);
    assert.equal(detail.run.templateId, 'elsewhere');
    assert.deepEqual(detail.run.inputs, { greeting: 'hello', times: 7 });
  });

  it('reads multi-line inputs from files with --input-file', async () => {
    ws.template(
      'note.yml',
      'id: note\ninputs:\n  properties:\n    body: { type: string }\n  required: [body]\nsteps:\n  - id: save\n    env:\n      BODY: ${{ inputs.body }}\n    run: printf "%s" "$BODY" > got.txt\n',
    );
    writeFileSync(ws.file('body.txt'), 'line one\nline "two"\n');
    const result = await ws.baton(['run', 'note', '--input-file', 'body=body.txt', '--json']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(JSON.parse(result.stdout).run.inputs.body, 'line one\nline "two"\n');
    assert.equal(ws.read('got.txt'), 'line one\nline "two"\n');
    const missing = await ws.baton(['run', 'chain', '--input-file', 'greeting=nope.txt']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^baton run: --input-file greeting=nope\.txt: cannot read .*nope\.txt: no such file\n/);
    const both = await ws.baton(['run', 'chain', '--input', 'greeting=a', '--input-file', 'greeting=greeting.txt']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /input "greeting" is given both by --input and --input-file/);
  });

  it('--detach only creates the run; a worker executes it', async () => {
    writeFileSync(ws.file('fixed'), '');
    const detached = await ws.baton(['run', 'chain', '--detach']);
    assert.equal(detached.code, 0);
    const runId = detached.stdout.trim();
    assert.match(runId, /^[a-z0-9]+-[0-9a-f]{8}$/);
    assert.equal(count(ws, 'prepare'), 0, 'nothing runs with --detach');
    assert.equal(JSON.parse((await ws.baton(['show', runId, '--json'])).stdout).run.status, 'running');

    const stop = new AbortController();
    const worker = ws.baton(['worker'], {
      signal: stop.signal,
      onStdout: (_t, all) => {
        if (all.includes('run.succeeded')) stop.abort();
      },
    });
    const result = await worker;
    assert.equal(result.code, 0);
    assert.match(result.stdout, /step\.started prepare/);
    assert.match(result.stdout, /worker stopped: 3 attempts started, 3 succeeded, 0 failed/);
    assert.equal(JSON.parse((await ws.baton(['show', runId, '--json'])).stdout).run.status, 'succeeded');
  });

  it('draws a live step list on a terminal, with the last output line of running steps', async () => {
    writeFileSync(ws.file('fixed'), '');
    ws.template('slowish.yml', 'id: slowish\nsteps:\n  - id: talk\n    run: |\n      echo "warming up"; sleep 0.6; echo "almost"; sleep 0.4\n');
    const result = await ws.baton(['run', 'slowish'], { isTTY: true, env: { COLUMNS: '60' } });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /\x1b\[\d+A\x1b\[0J/, 'redraws in place with cursor movement');
    assert.match(result.stdout, / {2}▶ talk +running/);
    assert.match(result.stdout, /› warming up/);
    assert.match(result.stdout, / {2}✓ talk +succeeded/);
    assert.ok(!result.stdout.includes('talk | '), 'no raw output lines in the live view');
    // Every redrawn line (not the header with the template path) fits the terminal.
    const redrawn = result.stdout.split('\n').slice(1).map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''));
    const widest = Math.max(...redrawn.map((l) => l.length));
    assert.ok(widest <= 60, `lines fit the terminal width (widest ${widest})`);
  });

  it('rejects bad inputs before creating anything (exit 2)', async () => {
    const result = await ws.baton(['run', 'chain', '--input', 'times=many']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^baton run: error: invalid inputs for chain: times: .*\[input_invalid\]\n$/);
    assert.equal(existsSync(ws.dbPath), false, 'no database is created for a run that never started');
    const malformed = await ws.baton(['run', 'chain', '--input', 'oops']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--input expects key=value, got "oops"/);
  });

  it('reports an unknown template with exit 3 and why a file did not load', async () => {
    ws.template('broken.yml', 'id: broken\nsteps:\n  - id: a\n    runn: echo\n');
    const result = await ws.baton(['run', 'nope']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /note: template file not loaded: .*broken\.yml:\d+:\d+: step "a" /);
    assert.match(result.stderr, /baton run: error: template not found: nope \[template_not_found\]\n$/);
    const missingFile = await ws.baton(['run', './missing.yml']);
    assert.equal(missingFile.code, 3);
  });
});
