/**
 * Durability where users meet it: VS Code (the server and its extension host) is killed while a
 * script step runs; a new VS Code on the same folder resumes the run, re-runs only the
 * interrupted step, and never repeats a finished one.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import type { TemplateDefinition } from '../../src/core/template/types';
import { openStore } from '../../src/store';
import { waitFor } from './support/processes';
import { buildExtension, codeServerOrSkip, createWorkspace, VsCodeSession } from './support/vscodeSession';
import { isAlive } from '../support/proc-helpers';

/** Fails at once: a failure from before the restart, which the new window must not announce. */
function failingTemplate(): TemplateDefinition {
  return { ...template(''), id: 'failed-before-restart', name: 'failed-before-restart', steps: [{ kind: 'run', id: 'boom', run: 'exit 2', needs: [], env: {}, continueOnError: false }] };
}

function template(workspace: string): TemplateDefinition {
  const log = join(workspace, 'attempts.log');
  const pids = join(workspace, 'slow.pids');
  const step = (id: string, run: string, needs: string[] = []) => ({ kind: 'run' as const, id, run, needs, env: {}, continueOnError: false });
  return {
    id: 'restart',
    name: 'Survives a restart',
    tags: [],
    phases: [],
    inputs: { properties: {}, required: [] },
    on: { manual: true, schedule: [], file: [], event: [] },
    env: {},
    defaults: {},
    steps: [
      step('before', `echo before >> "${log}"`),
      // The first attempt would sleep for 5 minutes: only the orphan reaper ends it when VS Code dies.
      step('slow', `echo $$ >> "${pids}"; echo slow-start >> "${log}"; sleep $(( BATON_ATTEMPT == 1 ? 300 : 1 )); echo slow-end >> "${log}"`, ['before']),
      step('after', `echo after >> "${log}"`, ['slow']),
    ],
  };
}

describe('Baton in real VS Code: restart in the middle of a step', function () {
  let session: VsCodeSession | undefined;
  let workspace: string;

  afterEach(async () => {
    await session?.stop();
    session = undefined;
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('resumes the run after VS Code is killed and started again, with no finished step re-run', async function () {
    const installed = codeServerOrSkip(this);
    buildExtension();
    workspace = createWorkspace({});
    const log = join(workspace, 'attempts.log');
    const opened = openStore(join(workspace, '.baton', 'baton.db'));
    try {
      const engine = new Engine({ store: opened.store, files: opened.files, workspaceDir: workspace });
      session = await VsCodeSession.start(installed, { workspace });
      const failed = engine.startRun(failingTemplate(), { trigger: { kind: 'cli' } });
      await waitFor('the failing run to fail in VS Code', () => engine.getRun(failed.id).run.status === 'failed', 60_000);
      const run = engine.startRun(template(workspace), { trigger: { kind: 'cli' } });
      await waitFor('the slow step to start in VS Code', () => existsSync(log) && readFileSync(log, 'utf8').includes('slow-start'), 60_000);
      await session.screenshot('restart-before-kill');
      await session.kill();
      session = undefined;
      const interrupted = engine.getRun(run.id);
      assert.equal(interrupted.steps.find((s) => s.stepId === 'before')!.status, 'succeeded');
      assert.equal(interrupted.steps.find((s) => s.stepId === 'slow')!.status, 'running', 'killed mid-step: nobody recorded an end');
      const [firstAttemptPid] = readFileSync(join(workspace, 'slow.pids'), 'utf8').trim().split('\n').map(Number);
      await waitFor('the killed window\'s step process to die with it', () => !isAlive(firstAttemptPid!), 10_000, 200);

      session = await VsCodeSession.start(installed, { workspace });
      // The dead window's lease on the step has to expire (30 s) before another worker takes it.
      await waitFor('the run to finish after the restart', () => ['succeeded', 'failed'].includes(engine.getRun(run.id).run.status), 120_000, 500);
      const finished = engine.getRun(run.id);
      assert.equal(finished.run.status, 'succeeded', finished.run.error ?? '');
      const byId = new Map(finished.steps.map((s) => [s.stepId, s]));
      assert.equal(byId.get('before')!.attempts, 1, 'the finished step did not run again');
      assert.equal(byId.get('slow')!.attempts, 2, 'the interrupted step ran again as a new attempt');
      assert.deepEqual(
        engine.listAttempts(run.id, 'slow').map((a) => a.status),
        ['abandoned', 'succeeded'],
      );
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      assert.equal(lines.filter((l) => l === 'before').length, 1);
      assert.equal(lines.filter((l) => l === 'after').length, 1);
      assert.equal(lines.filter((l) => l === 'slow-end').length, 1, 'only the second attempt of the slow step ended');
      const notifications = await session.notificationTexts();
      assert.ok(!notifications.some((text) => text.includes('failed-before-restart')), `an old failure was announced at startup: ${notifications.join(' | ')}`);
      await session.screenshot('restart-after-resume');
    } finally {
      opened.close();
    }
  });
});
