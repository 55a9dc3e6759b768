import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

describe('runtime', () => {
  it('runs on Node 22 or newer, where node:sqlite is built in', () => {
    const major = Number(process.versions.node.split('.')[0]);
    assert.ok(major >= 22, `tests run on Node ${process.versions.node}; expected the devDependency node@24`);
  });

  it('loads node:sqlite and opens an in-memory database', () => {
    const require = createRequire(import.meta.url);
    const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
    const db = new DatabaseSync(':memory:');
    const row = db.prepare('select sqlite_version() as v').get() as { v: string };
    assert.match(row.v, /^3\./);
    db.close();
  });
});
