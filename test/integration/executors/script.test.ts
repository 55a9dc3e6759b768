import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StepTimeoutError } from '../../../src/core/errors';
import type { StepExecutionContext, StepExecutionResult, StepProgress } from '../../../src/core/ports';
import type { RunStep, TemplateDefinition } from '../../../src/core/template/types';
import { ScriptExecutor, STDOUT_TAIL_LINES } from '../../../src/executors/script';
import { isAlive, waitUntil } from '../../support/proc-helpers';

interface Harness {
  ctx: StepExecutionContext;
  progress: StepProgress[];
  controller: AbortController;
}

function stdoutOf(progress: StepProgress[], stream: 'stdout' | 'stderr' = 'stdout'): string {
  return progress.map((p) => (p.kind === 'output' && p.stream === stream ? p.text : '')).join('');
}

describe('ScriptExecutor (real bash)', function () {
  this.timeout(20_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-script-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function harness(script: string, extra: Partial<RunStep> = {}, over: Partial<StepExecutionContext> = {}): Harness {
    const step: RunStep = { kind: 'run', id: 'build', run: script, needs: [], env: {}, continueOnError: false, ...extra };
    const template: TemplateDefinition = {
      id: 't',
      name: 'T',
      tags: [],
      phases: [],
      inputs: { properties: {}, required: [] },
      on: { manual: true, schedule: [], file: [], event: [] },
      env: {},
      defaults: {},
      steps: [step],
    };
    const progress: StepProgress[] = [];
    const controller = new AbortController();
    const ctx: StepExecutionContext = {
      runId: 'run-1',
      step,
      attempt: 2,
      template,
      resolved: { run: script },
      env: {},
      cwd: dir,
      stepDir: join(dir, '.baton', 'runs', 'run-1', 'steps', 'build'),
      artifactsDir: join(dir, '.baton', 'runs', 'run-1', 'artifacts'),
      signal: controller.signal,
      secrets: [],
      progress: (event) => progress.push(event),
      upstream: {},
      inputs: {},
      ...over,
    };
    return { ctx, progress, controller };
  }

  const executor = new ScriptExecutor({ killGraceMs: 500 });

  it('runs the resolved script in cwd with env and BATON_* variables, and collects outputs', async () => {
    const { ctx, progress } = harness('unused', {}, {
      resolved: {
        run: [
          'echo "cwd=$PWD"',
          'echo "greeting=$GREETING" >> "$BATON_OUTPUT"',
          'echo "ids=$BATON_RUN_ID/$BATON_STEP_ID/$BATON_ATTEMPT" >> "$BATON_OUTPUT"',
          'echo "report<<EOF" >> "$BATON_OUTPUT"',
          'printf "line 1\\nline 2\\n" >> "$BATON_OUTPUT"',
          'echo "EOF" >> "$BATON_OUTPUT"',
          'echo "## Done" >> "$BATON_SUMMARY"',
        ].join('\n'),
      },
      env: { GREETING: 'hello world' },
    });
    const result = await executor.execute(ctx);
    assert.equal(result.kind, 'succeeded', JSON.stringify(result));
    assert.deepEqual(result.outputs, {
      greeting: 'hello world',
      ids: 'run-1/build/2',
      report: 'line 1\nline 2',
      exit_code: 0,
      stdout_tail: `cwd=${dir}`,
    });
    assert.equal(result.summary, '## Done\n');
    assert.equal(stdoutOf(progress), `cwd=${dir}\n`);
  });

  it('fails with pipefail semantics: a failing command in a pipeline fails the step', async () => {
    const marker = join(dir, 'after');
    const { ctx } = harness(`false | cat\ntouch ${marker}\n`);
    const result = await executor.execute(ctx);
    assert.equal(result.kind, 'failed');
    assert.equal(existsSync(marker), false, 'bash -e should stop at the failing pipeline');
  });

  it('reports a non-zero exit as a retryable failure with exit code, last stderr line and stdout tail', async () => {
    const { ctx, progress } = harness('for i in $(seq 1 80); do echo "line $i"; done\necho "something broke" >&2\nexit 3');
    const result = await executor.execute(ctx);
    assert.equal(result.kind, 'failed');
    if (result.kind !== 'failed') return;
    assert.equal(result.retryable, true);
    assert.equal(result.exitCode, 3);
    assert.equal(result.error, 'script exited with code 3: something broke');
    assert.equal(result.outputs?.exit_code, 3);
    const tail = String(result.outputs?.stdout_tail).split('\n');
    assert.equal(tail.length, STDOUT_TAIL_LINES);
    assert.equal(tail[0], 'line 31');
    assert.equal(tail.at(-1), 'line 80');
    assert.match(stdoutOf(progress, 'stderr'), /something broke/);
    assert.equal(stdoutOf(progress).split('\n').length, 81);
  });

  it('keeps stdout_tail small when the script prints a huge line without newline', async () => {
    const { ctx, progress } = harness("head -c 300000 /dev/zero | tr '\\0' x");
    const result = await executor.execute(ctx);
    assert.ok(result.kind === 'succeeded', JSON.stringify(result).slice(0, 300));
    const tail = String(result.outputs.stdout_tail);
    assert.ok(tail.length <= 16 * 1024, `tail is ${tail.length} chars`);
    assert.ok(/^…x+$/.test(tail), `tail starts with an ellipsis: ${tail.slice(0, 20)}`);
    assert.equal(stdoutOf(progress).length, 300000, 'the log still gets every byte');
  });

  it('times out, kills the script tree and reports a retryable timeout', async () => {
    const { ctx } = harness('sleep 305 &\necho "pid=$!"\nwait', {}, { timeoutMs: 400 });
    const started = Date.now();
    const result = await executor.execute(ctx);
    assert.ok(Date.now() - started < 4_000);
    assert.equal(result.kind, 'failed');
    if (result.kind !== 'failed') return;
    assert.equal(result.retryable, true);
    assert.equal(result.error, 'step timed out after 400 ms');
    const pid = Number(/pid=(\d+)/.exec(String(result.outputs?.stdout_tail))?.[1]);
    assert.ok(pid > 0);
    assert.ok(await waitUntil(() => !isAlive(pid), 2_000), 'the background sleep must be gone');
  });

  it('treats an abort whose reason is a StepTimeoutError as a timeout', async () => {
    const { ctx, controller } = harness('sleep 30');
    setTimeout(() => controller.abort(new StepTimeoutError(1234)), 200);
    const result = await executor.execute(ctx);
    assert.deepEqual(
      result.kind === 'failed' ? [result.error, result.retryable] : result,
      ['step timed out after 1234 ms', true],
    );
  });

  it('reports a cancel as a failure that is not retried', async () => {
    const { ctx, controller } = harness('echo started\nsleep 30');
    const pending = executor.execute(ctx);
    setTimeout(() => controller.abort(), 200);
    const result = await pending;
    assert.equal(result.kind, 'failed');
    if (result.kind !== 'failed') return;
    assert.equal(result.retryable, false);
    assert.match(result.error, /^cancelled/);
    assert.equal(result.outputs?.stdout_tail, 'started');
  });

  it('redacts secrets from progress, outputs, summary and errors', async () => {
    const secret = 'hunter2-TOKEN';
    const { ctx, progress } = harness(
      [
        'echo "token is $TOKEN"',
        'printf "partial $TOKEN" # no newline, flushed at exit',
        'echo "tok=$TOKEN" >> "$BATON_OUTPUT"',
        'echo "summary $TOKEN" >> "$BATON_SUMMARY"',
        'echo "failed with $TOKEN" >&2',
        'exit 1',
      ].join('\n'),
      {},
      { env: { TOKEN: secret }, secrets: [secret] },
    );
    const result = await executor.execute(ctx);
    const everything = JSON.stringify({ result, progress });
    assert.ok(!everything.includes(secret), everything);
    assert.ok(result.kind === 'failed');
    assert.equal(result.error, 'script exited with code 1: failed with ***');
    assert.equal(result.outputs?.tok, '***');
    assert.equal(stdoutOf(progress), 'token is ***\npartial ***');
    for (const file of readdirSync(ctx.stepDir)) {
      const text = readFileSync(join(ctx.stepDir, file), 'utf8');
      assert.ok(!text.includes(secret), `${file} keeps the secret on disk: ${text}`);
    }
    assert.equal(readFileSync(join(ctx.stepDir, 'baton-output.txt'), 'utf8'), 'tok=***\n');
  });

  it('runs a plain script inline and leaves the step folder empty when the script writes nothing there', async () => {
    const { ctx, progress } = harness('echo "hi from $0"');
    assert.equal((await executor.execute(ctx)).kind, 'succeeded');
    assert.equal(stdoutOf(progress), 'hi from bash\n');
    assert.deepEqual(readdirSync(ctx.stepDir), []);
  });

  it('passes a script holding a secret through a private file, never argv, and removes the file after the run', async () => {
    const secret = 's3cr3t-value';
    const { ctx, progress } = harness(`echo "$0" && ps -o args= -p $$ && echo ${secret} >/dev/null`, {}, { secrets: [secret] });
    const result = await executor.execute(ctx);
    assert.equal(result.kind, 'succeeded');
    const [scriptPath, args] = stdoutOf(progress).split('\n');
    assert.equal(scriptPath, join(ctx.stepDir, 'script.sh'));
    assert.ok(args && !args.includes(secret), `the secret is in argv: ${args}`);
    assert.deepEqual(readdirSync(ctx.stepDir), []);
  });

  it('runs a script too long for argv through a file', async () => {
    const script = `# ${'x'.repeat(40 * 1024)}\necho "from=$0" >> "$BATON_OUTPUT"`;
    const { ctx } = harness(script);
    const result = await executor.execute(ctx);
    assert.ok(result.kind === 'succeeded');
    assert.equal(result.outputs.from, join(ctx.stepDir, 'script.sh'));
    assert.deepEqual(readdirSync(ctx.stepDir), ['baton-output.txt']);
  });

  it('does not tear a secret split across output chunks', async () => {
    const secret = 'abcdefghij';
    const { ctx, progress } = harness('printf abcde; sleep 0.05; printf "fghij\\n"', {}, { secrets: [secret] });
    await executor.execute(ctx);
    assert.equal(stdoutOf(progress), '***\n');
  });

  it('fails, not retryable, on a malformed outputs file, naming file and line', async () => {
    const { ctx } = harness('echo "ok=1" >> "$BATON_OUTPUT"\necho "not an output" >> "$BATON_OUTPUT"');
    const result = await executor.execute(ctx);
    assert.ok(result.kind === 'failed');
    assert.equal(result.retryable, false);
    assert.match(result.error, /baton-output\.txt\):2: expected "name=value"/);
  });

  it('refuses outputs that would overwrite exit_code or stdout_tail', async () => {
    const { ctx } = harness('echo "exit_code=0" >> "$BATON_OUTPUT"');
    const result = await executor.execute(ctx);
    assert.ok(result.kind === 'failed');
    assert.match(result.error, /output name "exit_code" is reserved/);
  });

  it('never lets an attempt see the outputs or summary of the previous one', async () => {
    const first = harness('echo "stale=1" >> "$BATON_OUTPUT"; echo "# old" >> "$BATON_SUMMARY"', {}, { attempt: 1 });
    assert.equal((await executor.execute(first.ctx)).kind, 'succeeded');
    const second = harness('echo fresh', {}, { attempt: 2 });
    const result = await executor.execute(second.ctx);
    assert.ok(result.kind === 'succeeded');
    assert.equal('stale' in result.outputs, false);
    assert.equal(result.summary, undefined);
    assert.equal(existsSync(join(second.ctx.stepDir, 'baton-output.txt')), false);
    assert.equal(existsSync(join(second.ctx.stepDir, 'summary.md')), false);
  });

  it('honours shell: sh, python and a custom command line with {0}', async () => {
    const sh: StepExecutionResult = await executor.execute(harness('echo "v=$0" >> "$BATON_OUTPUT"', { shell: 'sh' }).ctx);
    assert.ok(sh.kind === 'succeeded');
    assert.equal(sh.outputs.v, 'sh');
    const py = await executor.execute(
      harness('import os\nopen(os.environ["BATON_OUTPUT"], "a").write("lang=python\\n")', { shell: 'python' }).ctx,
    );
    assert.deepEqual(py.kind === 'succeeded' ? py.outputs.lang : py, 'python');
    const custom = await executor.execute(
      harness('echo "custom=yes" >> "$BATON_OUTPUT"', { shell: 'bash --noprofile --norc -x {0}' }).ctx,
    );
    assert.deepEqual(custom.kind === 'succeeded' ? custom.outputs.custom : custom, 'yes');
  });

  it('fails without retry when the shell is not installed', async () => {
    const result = await executor.execute(harness('echo hi', { shell: 'baton-missing-shell {0}' }).ctx);
    assert.ok(result.kind === 'failed');
    assert.equal(result.retryable, false);
    assert.match(result.error, /baton-missing-shell not found/);
  });
});
