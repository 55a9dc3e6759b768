import assert from 'node:assert/strict';
import { EventFeed } from '../../../src/core/engine';
import { EventType } from '../../../src/core/model';
import { createMemoryEngine, drain, runStep, template, type MemoryEngine } from '../../support/engine-fixtures';

describe('event feed', () => {
  let h: MemoryEngine;
  beforeEach(() => {
    h = createMemoryEngine();
  });
  afterEach(() => h.close());

  it('delivers nothing from before its start, then every later event once, in order', async () => {
    h.engine.startRun(template('old', [runStep('a', 'ok')]));
    await drain(h.engine);
    const start = h.engine.maxEventId();
    const feed = new EventFeed(h.engine, start);
    assert.equal(feed.read(100), undefined);

    const run = h.engine.startRun(template('new', [runStep('a', 'ok'), runStep('b', 'ok', { needs: ['a'] })]));
    await drain(h.engine);
    const batch = feed.read(100)!;
    assert.equal(batch.afterId, start);
    assert.equal(batch.more, false);
    assert.deepEqual(
      batch.events.map((e) => e.id),
      h.engine.listEvents(start, { limit: 1000 }).map((e) => e.id),
    );
    assert.ok(batch.events.every((e) => e.runId === run.id));
    assert.equal(batch.lastId, h.engine.maxEventId());
    assert.equal(batch.events.at(-1)!.type, EventType.RunSucceeded);
    assert.equal(feed.position, batch.lastId);
    assert.equal(feed.read(100), undefined, 'a second read delivers nothing again');

    // Skipping moves past events without delivering them, and never backwards.
    h.engine.startRun(template('skipped', [runStep('a', 'ok')]));
    await drain(h.engine);
    feed.skipTo(h.engine.maxEventId());
    feed.skipTo(start);
    assert.equal(feed.position, h.engine.maxEventId());
    assert.equal(feed.read(100), undefined);
  });

  it('cuts a large backlog at the limit and hands the rest over in later reads, none lost or repeated', async () => {
    const feed = new EventFeed(h.engine, 0);
    for (let i = 0; i < 30; i++) h.engine.startRun(template(`t${i}`, [runStep('a', 'ok')]));
    await drain(h.engine);
    const all = h.engine.listEvents(0, { limit: 10_000 }).map((e) => e.id);
    assert.ok(all.length > 50, `${all.length} events`);

    const seen: number[] = [];
    let reads = 0;
    for (let batch = feed.read(25); batch; batch = feed.read(25)) {
      reads++;
      assert.equal(batch.afterId, seen.at(-1) ?? 0, 'each batch starts where the last one ended');
      assert.ok(batch.events.length <= 25);
      assert.equal(batch.more, batch.events.length === 25);
      seen.push(...batch.events.map((e) => e.id));
      assert.equal(batch.lastId, seen.at(-1));
    }
    assert.deepEqual(seen, all);
    assert.equal(reads, Math.ceil(all.length / 25) + (all.length % 25 === 0 ? 1 : 0));
  });

  it('reads more than one page of the log for one large batch', async () => {
    const feed = new EventFeed(h.engine, 0);
    for (let i = 0; i < 300; i++) h.engine.startRun(template(`t${i}`, [runStep('a', 'ok')]));
    await drain(h.engine);
    const total = h.engine.listEvents(0, { limit: 100_000 }).length;
    assert.ok(total > 1000, `${total} events: more than one page`);
    const batch = feed.read(100_000)!;
    assert.equal(batch.events.length, total);
    assert.equal(batch.more, false);
  });
});
