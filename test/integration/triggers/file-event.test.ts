import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { EventTrigger, FileTrigger } from '../../../src/core/template/types';
import { EventTriggers, FileTriggers, MAX_WAIT_FACTOR, type EventTriggerPayload, type FileTriggerPayload } from '../../../src/triggers';
import { drain, runStep, template } from '../../support/engine-fixtures';
import { createTriggerEnv, type TriggerEnv } from './harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function onFile(id: string, file: Partial<FileTrigger> = {}) {
  return template(id, [runStep('go', 'ok')], {
    on: { manual: true, schedule: [], event: [], file: [{ paths: ['src/**/*.ts'], events: ['save', 'create'], debounceMs: 60, ...file }] },
  });
}

function onEvent(id: string, ...event: EventTrigger[]) {
  return template(id, [runStep('go', 'ok')], { on: { manual: true, schedule: [], file: [], event } });
}

describe('file trigger (debounced, through the file event port)', () => {
  let env: TriggerEnv;
  let files: FileTriggers;
  afterEach(() => {
    files?.dispose();
    env?.close();
  });
  const setup = (...templates: ReturnType<typeof onFile>[]) => {
    env = createTriggerEnv({ templates });
    files = new FileTriggers(env.ports, { workspaceDir: env.dir, ignoredDirs: [join(env.dir, 'state')] });
    files.sync();
  };

  it('a burst of saves within the debounce starts one run with every changed path, deduplicated', async () => {
    setup(onFile('lint'));
    files.handle({ path: join(env.dir, 'src', 'a.ts'), kind: 'save' });
    await sleep(20);
    files.handle({ path: 'src/deep/b.ts', kind: 'create' });
    await sleep(20);
    files.handle({ path: join(env.dir, 'src', 'a.ts'), kind: 'save' });
    assert.equal(env.runCount(), 0, 'nothing starts before the burst settles');
    await sleep(150);
    const runs = env.engine.listRuns();
    assert.equal(runs.length, 1);
    const payload = runs[0]!.trigger.payload as FileTriggerPayload;
    assert.equal(runs[0]!.trigger.kind, 'file');
    assert.deepEqual(payload.paths, ['src/a.ts', 'src/deep/b.ts']);
    assert.equal(payload.changes.length, 3);
    // A later save is a new burst.
    files.handle({ path: 'src/c.ts', kind: 'save' });
    await sleep(150);
    assert.equal(env.runCount(), 2);
  });

  it('a steady stream of changes still fires after MAX_WAIT_FACTOR debounce periods', async () => {
    setup(onFile('lint', { debounceMs: 30 }));
    const until = Date.now() + 30 * MAX_WAIT_FACTOR + 250;
    let n = 0;
    while (Date.now() < until) {
      files.handle({ path: `src/f${n++ % 3}.ts`, kind: 'save' });
      await sleep(10);
    }
    assert.ok(env.runCount() >= 1, 'a run started while changes kept coming');
    await sleep(100);
    const payloads = env.engine.listRuns().map((r) => (r.trigger.payload as FileTriggerPayload).changes.length);
    assert.equal(payloads.reduce((a, b) => a + b, 0), n, 'every change is in exactly one run');
  });

  it("ignores Baton's own writes, paths outside the workspace, unmatched globs and unlisted events", async () => {
    setup(onFile('lint', { paths: ['**/*'], events: ['save'] }));
    for (const path of [
      join(env.dir, '.baton', 'runs', 'r1', 'steps', 'go', 'stdout.log'),
      '.baton/baton.db-wal',
      join(env.dir, 'state', 'baton.db'),
      join(env.dir, '..', 'elsewhere.ts'),
    ]) {
      files.handle({ path, kind: 'save' });
    }
    files.handle({ path: 'src/x.ts', kind: 'delete' });
    await sleep(150);
    assert.equal(env.runCount(), 0);

    setup(onFile('ts-only'));
    files.handle({ path: 'src/readme.md', kind: 'save' });
    files.handle({ path: 'test/a.ts', kind: 'save' });
    await sleep(150);
    assert.equal(env.runCount(), 0);
  });

  it('starts nothing in an untrusted workspace', async () => {
    setup(onFile('lint'));
    env.trust.verdict = { trusted: false, reason: 'Restricted Mode' };
    files.handle({ path: 'src/a.ts', kind: 'save' });
    await sleep(150);
    assert.equal(env.runCount(), 0);
    assert.ok(env.logged.some((l) => l.message.includes('Restricted Mode')));
  });
});

describe('event trigger (tails the event log)', () => {
  let env: TriggerEnv;
  afterEach(() => env?.close());

  const failing = template('build', [runStep('compile', 'fatal compiler exploded')]);
  const passing = template('docs', [runStep('write', 'ok')]);

  it("a failed run of template X starts template Y once, with `if` filtering on the run; never Y's own runs", async () => {
    env = createTriggerEnv({
      templates: [
        failing,
        passing,
        onEvent('notify', { type: 'run.failed', if: "${{ trigger.run.templateId == 'build' }}" }),
        onEvent('on-any-failure', { type: 'run.failed' }),
      ],
    });
    const events = new EventTriggers(env.ports);
    events.poll(); // start at the end of the log
    const built = env.engine.startRun(failing);
    const documented = env.engine.startRun(passing);
    await drain(env.engine);
    assert.equal(env.engine.getRun(built.id).run.status, 'failed');
    assert.equal(env.engine.getRun(documented.id).run.status, 'succeeded');

    const started = events.poll();
    assert.equal(started.length, 2);
    const byTemplate = new Map(started.map((id) => [env.engine.getRun(id).run.templateId, env.engine.getRun(id).run]));
    const notify = byTemplate.get('notify')!;
    assert.equal(notify.trigger.kind, 'event');
    const payload = notify.trigger.payload as EventTriggerPayload;
    assert.equal(payload.type, 'run.failed');
    assert.equal(payload.runId, built.id);
    assert.equal((payload.run as { templateId: string }).templateId, 'build');
    assert.ok(byTemplate.has('on-any-failure'));
    assert.equal(events.poll().length, 0, 'the same event never starts a template twice');

    // Later events of the triggered runs themselves start nothing new here.
    env.engine.cancelRun(notify.id);
    env.engine.cancelRun(byTemplate.get('on-any-failure')!.id);
    assert.equal(events.poll().length, 0);
  });

  it('does not loop: a template never reacts to its own failed runs or to a chain it started', async () => {
    const self = template('self', [runStep('x', 'fatal boom')], { on: { manual: true, schedule: [], file: [], event: [{ type: 'run.failed' }] } });
    const other = template('other', [runStep('y', 'fatal boom')], { on: { manual: true, schedule: [], file: [], event: [{ type: 'run.failed' }] } });
    env = createTriggerEnv({ templates: [self, other] });
    const events = new EventTriggers(env.ports);
    events.poll();
    env.engine.startRun(self);
    for (let round = 0; round < 4; round++) {
      await drain(env.engine);
      events.poll();
    }
    // self fails -> other starts (chain self) -> other fails -> self is in the chain: stop.
    const runs = env.engine.listRuns();
    assert.deepEqual(runs.map((r) => r.templateId).sort(), ['other', 'self']);
  });

  it('two hosts tailing one database start the reaction once', async () => {
    env = createTriggerEnv({ templates: [failing, onEvent('notify', { type: 'run.failed' })] });
    const second = createTriggerEnv({ templates: [failing, onEvent('notify', { type: 'run.failed' })], dir: env.dir });
    try {
      const a = new EventTriggers(env.ports);
      const b = new EventTriggers(second.ports);
      a.poll();
      b.poll();
      env.engine.startRun(failing);
      await drain(env.engine);
      assert.equal(a.poll().length + b.poll().length, 1);
      assert.equal(env.engine.listRuns({ templateId: 'notify' }).length, 1);
    } finally {
      second.opened.close();
    }
  });

  it('task ends: task.failed for a non-zero exit code, task.succeeded otherwise, filtered by `if`', () => {
    env = createTriggerEnv({
      templates: [
        onEvent('fix-tests', { type: 'task.failed', if: "trigger.task.name == 'test'" }),
        onEvent('celebrate', { type: 'task.succeeded' }),
      ],
    });
    const events = new EventTriggers(env.ports);
    assert.equal(events.notifyTaskEnded({ name: 'build', exitCode: 2 }).length, 0);
    const [fix] = events.notifyTaskEnded({ name: 'test', exitCode: 1 });
    assert.equal(env.engine.getRun(fix!).run.templateId, 'fix-tests');
    assert.deepEqual((env.engine.getRun(fix!).run.trigger.payload as EventTriggerPayload).task, { name: 'test', exitCode: 1 });
    const [party] = events.notifyTaskEnded({ name: 'test', exitCode: 0 });
    assert.equal(env.engine.getRun(party!).run.templateId, 'celebrate');
    env.trust.verdict = { trusted: false, reason: 'Restricted Mode' };
    assert.equal(events.notifyTaskEnded({ name: 'test', exitCode: 1 }).length, 0);
    assert.equal(env.runCount(), 2);
  });
});
