import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { StatementSync } from 'node:sqlite';
import { Engine } from '../../../src/core/engine';
import { openStore } from '../../../src/store';
import { MemoryRunFiles, runStep, template, tempDir } from '../../support/engine-fixtures';

/** Scans that are fine: bounded sets (ready steps, open gates, attempts that report a cost) or tiny tables. */
const ALLOWED_SCANS = [/SCAN gates USING INDEX gates_open/, /SCAN schedules/, /SCAN json_each/, /SCAN a USING COVERING INDEX attempts_with_cost/];

describe('store: query plans stay index-bound as the database grows', () => {
  it('no hot statement scans a whole table once runs and steps exist', () => {
    const temp = tempDir('baton-plans-');
    const opened = openStore(join(temp.dir, '.baton', 'baton.db'));
    try {
      const engine = new Engine({ store: opened.store, files: new MemoryRunFiles(), workspaceDir: temp.dir });
      const chain = template('chain', Array.from({ length: 300 }, (_, i) => runStep(`s${i}`, 'ok', { needs: i ? [`s${i - 1}`] : [] })));
      for (let i = 0; i < 5; i++) engine.startRun(chain);
      const statements = (opened.store as unknown as { s: Record<string, StatementSync> }).s;
      const offenders: string[] = [];
      for (const [name, statement] of Object.entries(statements)) {
        const sql = statement.sourceSQL;
        if (!/^\s*(SELECT|UPDATE|DELETE)/i.test(sql)) continue;
        const plan = (opened.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail);
        for (const line of plan) {
          if (/^SCAN /.test(line) && !ALLOWED_SCANS.some((ok) => ok.test(line))) offenders.push(`${name}: ${line}`);
        }
      }
      assert.deepEqual(offenders, []);
    } finally {
      opened.close();
      temp.cleanup();
    }
  });
});
