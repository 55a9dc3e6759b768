/**
 * Archived run ids a VS Code window kept in workspaceState before they lived in the database:
 * importLegacyArchivedRuns (what panels.ts calls with workspaceState's get/update) moves them into
 * a real database file once, skipping what cannot be archived, then clears them.
 */
import assert from 'node:assert/strict';
import { EventType } from '../../../src/core/model';
import { importLegacyArchivedRuns, type LegacyArchivedRunIds } from '../../../src/webview-host';
import { createEngineHarness, drain, gateStep, runStep, template, type EngineHarness } from '../../support/engine-fixtures';

/** workspaceState under one key, as panels.ts reads and clears it. */
class FakeWorkspaceKey implements LegacyArchivedRunIds {
  clears = 0;
  constructor(public value: unknown) {}
  get(): unknown {
    return this.value;
  }
  async clear(): Promise<void> {
    this.clears++;
    this.value = undefined;
  }
}

describe('webview host: archived runs move from workspaceState into the database', () => {
  let h: EngineHarness;
  beforeEach(() => {
    h = createEngineHarness();
  });
  afterEach(() => h.close());

  async function run(steps: Parameters<typeof template>[1]): Promise<string> {
    const started = h.engine.startRun(template('t', steps));
    await drain(h.engine);
    return started.id;
  }

  it('archives the finished runs it names, skips unknown and unfinished ones, then clears the key', async () => {
    const succeeded = await run([runStep('a', 'ok')]);
    const failed = await run([runStep('a', 'fatal boom')]);
    const waiting = await run([gateStep('approve')]);
    const already = await run([runStep('a', 'ok')]);
    h.engine.archiveRuns([already], { by: 'earlier' });
    const stored = new FakeWorkspaceKey([succeeded, 'gone-run', failed, waiting, already, succeeded, 42]);
    const before = h.engine.maxEventId();

    const result = await importLegacyArchivedRuns(stored, h.engine, 'alice');

    assert.deepEqual(result, { archived: [succeeded, failed], skipped: ['gone-run', waiting, already] });
    assert.notEqual(h.engine.getRun(succeeded).run.archivedAt, null);
    assert.notEqual(h.engine.getRun(failed).run.archivedAt, null);
    assert.equal(h.engine.getRun(waiting).run.archivedAt, null);
    assert.deepEqual(h.engine.listEvents(before).map((e) => [e.runId, e.type, e.payload.by]), [
      [succeeded, EventType.RunArchived, 'alice'],
      [failed, EventType.RunArchived, 'alice'],
    ]);
    assert.equal(stored.clears, 1);
    assert.equal(stored.value, undefined);
    // Next time there is nothing left to move.
    assert.equal(await importLegacyArchivedRuns(stored, h.engine, 'alice'), undefined);
    assert.equal(stored.clears, 1);
  });

  it('clears a key holding no usable ids without touching the database', async () => {
    await run([runStep('a', 'ok')]);
    const before = h.engine.maxEventId();
    const stored = new FakeWorkspaceKey('not a list');
    assert.deepEqual(await importLegacyArchivedRuns(stored, h.engine, 'alice'), { archived: [], skipped: [] });
    assert.equal(stored.clears, 1);
    assert.equal(h.engine.maxEventId(), before);
  });

  it('keeps the ids when the database refuses them, so the next window tries again', async () => {
    const finished = await run([runStep('a', 'ok')]);
    const stored = new FakeWorkspaceKey([finished]);
    // The database is gone (closed under the window): nothing is cleared.
    h.opened.close();
    await assert.rejects(importLegacyArchivedRuns(stored, h.engine, 'alice'));
    assert.equal(stored.clears, 0);
    assert.deepEqual(stored.value, [finished]);
  });
});
