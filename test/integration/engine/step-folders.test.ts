import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../src/core/engine';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../../../src/core/ports';
import { openStore } from '../../../src/store';
import { CommandExecutor, createEngineHarness, drain, runStep, template, type EngineHarness } from '../../support/engine-fixtures';

describe('engine: step folders on disk', () => {
  let h: EngineHarness | undefined;
  afterEach(() => h?.close());

  it('creates the folder of an executor that needs one before it runs, with the run snapshots beside it', async () => {
    const seen: boolean[] = [];
    const writesInFolder: StepExecutor = {
      kind: 'run',
      needsStepDir: true,
      async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
        seen.push(existsSync(ctx.stepDir));
        return { kind: 'succeeded', outputs: {} };
      },
    };
    h = createEngineHarness({ executors: [writesInFolder] });
    const run = h.engine.startRun(template('folders', [runStep('a', 'x'), runStep('b', 'x', { needs: ['a'] })]));
    await drain(h.engine);
    assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    assert.deepEqual(seen, [true, true]);
    await h.opened.files.flush();
    const runDir = h.opened.files.runDir(run.id);
    assert.deepEqual(readdirSync(runDir).sort(), ['definition.json', 'inputs.json', 'steps']);
    assert.deepEqual(readdirSync(join(runDir, 'steps')).sort(), ['a', 'b']);
  });

  it('writes the run snapshots with the first file even when another process started the run', async () => {
    h = createEngineHarness();
    const run = h.engine.startRun(template('handed-over', [runStep('talk', 'echo hello')]));
    // Another process (its own engine and run files on the same database) executes the run.
    const other = openStore(h.dbPath);
    try {
      const executor = new CommandExecutor();
      const engine = new Engine({ store: other.store, files: other.files, workspaceDir: h.dir, executors: [executor] });
      await drain(engine);
      assert.equal(engine.getRun(run.id).run.status, 'succeeded');
      await other.files.flush();
    } finally {
      other.close();
    }
    const runDir = h.opened.files.runDir(run.id);
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'definition.json'), 'utf8')).id, 'handed-over');
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'inputs.json'), 'utf8')), {});
    assert.ok(existsSync(join(runDir, 'steps', 'talk', 'stdout.log')));
  });

  it('creates no folder for a run whose executor needs none and whose steps have nothing to show', async () => {
    h = createEngineHarness();
    const run = h.engine.startRun(template('quiet', [runStep('a', 'ok'), runStep('b', 'ok', { needs: ['a'] })]));
    await drain(h.engine);
    assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    await h.opened.files.flush();
    assert.equal(existsSync(h.opened.files.runDir(run.id)), false);
  });
});
