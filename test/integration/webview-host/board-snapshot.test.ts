/**
 * What a board snapshot holds, read from a real SQLite file: every run the board virtualizes
 * (issue #6 asks for 2,000; the snapshot was once capped at 500), and on each card the run's last
 * meaningful event, an agent's tool call included, never an output chunk or a token count, and
 * what the run cost when its steps reported it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Engine } from '../../../src/core/engine';
import { openStore, type OpenedStore } from '../../../src/store';
import { boardRuns, runSummary, type ViewerContext } from '../../../src/webview-host/viewModels';
import type { StepExecutor } from '../../../src/core/ports';
import { drain, runStep, template, tempDir } from '../../support/engine-fixtures';

describe('webview host: board snapshot (real SQLite)', () => {
  let temp: ReturnType<typeof tempDir>;
  let opened: OpenedStore;
  let engine: Engine;
  const viewer: ViewerContext = { user: 'alice', now: Date.now() };
  const definition = template('agentish', [runStep('implement', 'true'), runStep('test', 'true', { needs: ['implement'] })]);

  beforeEach(() => {
    temp = tempDir('baton-board-snapshot-');
    opened = openStore(join(temp.dir, 'baton.db'));
    engine = new Engine({ store: opened.store, files: opened.files, workspaceDir: temp.dir });
  });
  afterEach(() => {
    opened.close();
    temp.cleanup();
  });

  it('holds every run, newest first, past the 500 it was once capped at', () => {
    const ids = Array.from({ length: 600 }, () => engine.startRun(definition).id);
    const runs = boardRuns({ engine, files: opened.files }, engine.maxEventId(), viewer);
    assert.equal(runs.length, 600);
    assert.deepEqual(new Set(runs.map((r) => r.id)), new Set(ids));
    assert.ok(runs.every((r, i) => i === 0 || runs[i - 1]!.createdAt >= r.createdAt), 'newest first');
    assert.ok(runs.every((r) => r.stepsTotal === 2 && r.templateId === 'agentish'));
  });

  it('shows what a run cost, summed over its attempts, and no cost for a run that reported none', async () => {
    // An executor that reports what each attempt cost, as the agent executors do from the CLI's result.
    const priced: StepExecutor = {
      kind: 'run',
      execute: async (ctx) => ({ kind: 'succeeded', outputs: {}, session: { costUsd: ctx.step.id === 'implement' ? 0.25 : 0.5 } }),
    };
    const paid = new Engine({ store: opened.store, files: opened.files, workspaceDir: temp.dir, executors: [priced] });
    const costly = paid.startRun(definition).id;
    await drain(paid);
    const free = engine.startRun(definition).id;
    const runs = new Map(boardRuns({ engine, files: opened.files }, engine.maxEventId(), viewer).map((r) => [r.id, r]));
    assert.equal(runs.get(costly)?.status, 'succeeded');
    assert.equal(runs.get(costly)?.costUsd, 0.75);
    assert.equal(runs.get(free)?.costUsd, null);
    assert.equal(runSummary({ engine, files: opened.files }, costly, engine.maxEventId(), viewer)?.costUsd, 0.75, 'a live update carries it too');
  });

  it("shows an agent's last tool call, not the output, results and usage that followed it", () => {
    const runId = engine.startRun(definition).id;
    const progress = (payload: Record<string, string | number | Record<string, string>>) =>
      opened.store.appendEvent({ runId, stepId: 'implement', itemKey: null, type: 'step.progress', payload: { attempt: 1, ...payload }, at: Date.now() });
    const card = () => runSummary({ engine, files: opened.files }, runId, engine.maxEventId(), viewer)!.lastEvent;

    progress({ kind: 'tool_call', tool: 'Read', input: { file_path: 'src/index.ts' } });
    assert.equal(card()?.text, 'implement: Read src/index.ts');
    // More than a screenful of noise after it (the card once looked only at the last 20 events).
    for (let i = 0; i < 30; i++) progress({ kind: 'output', stream: 'stdout', text: `line ${i}\n` });
    progress({ kind: 'tool_result', output: 'file contents' });
    progress({ kind: 'usage', inputTokens: 10, outputTokens: 5 });
    assert.equal(card()?.text, 'implement: Read src/index.ts');
    assert.equal(card()?.type, 'step.progress');

    progress({ kind: 'tool_call', tool: 'Bash', input: { command: 'npm test -- --grep "a very long pattern that goes on and on and on past what a card shows"' } });
    const bash = card()?.text ?? '';
    assert.match(bash, /^implement: Bash npm test -- --grep/);
    assert.ok(bash.endsWith('…') && bash.length < 100, `clipped: ${bash}`);

    progress({ kind: 'message', text: 'Tests pass; writing the summary.\nSecond line' });
    assert.equal(card()?.text, 'implement: Tests pass; writing the summary.');

    opened.store.appendEvent({ runId, stepId: 'implement', itemKey: null, type: 'step.failed', payload: { attempt: 1, error: 'exit 1' }, at: Date.now() });
    assert.equal(card()?.text, 'implement failed: exit 1');
  });
});
