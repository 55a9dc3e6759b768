import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore, type OpenedStore } from '../../../src/store';
import { tempDir } from '../../support/engine-fixtures';

describe('store: trigger state', () => {
  let temp: ReturnType<typeof tempDir>;
  let a: OpenedStore;
  let b: OpenedStore;
  beforeEach(() => {
    temp = tempDir('baton-triggers-');
    a = openStore(join(temp.dir, '.baton', 'baton.db'));
    b = openStore(join(temp.dir, '.baton', 'baton.db'));
  });
  afterEach(() => {
    a.close();
    b.close();
    temp.cleanup();
  });

  it('lets exactly one of two processes record a schedule tick (compare-and-set on last fire)', () => {
    a.store.upsertSchedule({ id: 'nightly#0', templateId: 'nightly', cron: '0 3 * * *', timezone: null, catchup: 'latest', enabled: true, lastFiredAt: null, nextFireAt: 1000, updatedAt: 1 });
    assert.equal(a.store.markScheduleFired('nightly#0', 1000, 2000, null), true);
    assert.equal(b.store.markScheduleFired('nightly#0', 1000, 2000, null), false);
    assert.equal(b.store.markScheduleFired('nightly#0', 2000, 3000, 1000), true);
    assert.deepEqual(
      a.store.listSchedules().map((s) => [s.id, s.enabled, s.lastFiredAt, s.nextFireAt]),
      [['nightly#0', true, 2000, 3000]],
    );
    a.store.deleteSchedule('nightly#0');
    assert.equal(b.store.listSchedules().length, 0);
  });

  it('rejects a replayed webhook delivery id and prunes old ones', () => {
    const delivery = { id: 'd-1', templateId: 't', receivedAt: 10, bodySha256: 'abc', runId: null };
    assert.equal(a.store.recordWebhookDelivery(delivery), true);
    assert.equal(b.store.recordWebhookDelivery({ ...delivery, receivedAt: 20 }), false);
    assert.equal(a.store.pruneWebhookDeliveries(11), 1);
    assert.equal(b.store.recordWebhookDelivery(delivery), true);
  });
});
