import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  GateAlreadyDecidedError,
  GateNotFoundError,
  RunNotFoundError,
  StepNotFoundError,
} from '../../../src/core/errors';
import { createEngineHarness, drain, gateStep, runStep, runTs, template, type EngineHarness } from '../../support/engine-fixtures';

const DECIDE_GATE = join(import.meta.dirname, 'fixtures', 'decide-gate.ts');

describe('bad input to the engine: typed errors, nothing changed', function () {
  this.timeout(30_000);
  let h: EngineHarness;
  let runId: string;

  /** Every row of every table: equal fingerprints mean nothing was written. */
  function fingerprint(): string {
    const db = h.opened.store.db;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM "${t}"`).all()));
  }

  before(async () => {
    h = createEngineHarness();
    runId = h.engine.startRun(template('bad', [runStep('a', 'ok'), gateStep('g', { needs: ['a'] })])).id;
    await drain(h.engine);
    h.engine.decideGate(runId, 'g', { decision: 'approve', by: 'first' });
  });
  after(() => h.close());

  it('unknown run id', () => {
    const before = fingerprint();
    for (const call of [
      () => h.engine.getRun('nope'),
      () => h.engine.cancelRun('nope'),
      () => h.engine.pauseRun('nope'),
      () => h.engine.resumeRun('nope'),
      () => h.engine.retryRun('nope'),
      () => h.engine.rerun('nope'),
      () => h.engine.decideGate('nope', 'g', { decision: 'approve', by: 'x' }),
      () => h.engine.addComment('nope', { author: 'x', body: 'y' }),
    ]) {
      assert.throws(call, (error: unknown) => error instanceof RunNotFoundError && error.code === 'run_not_found' && error.runId === 'nope');
    }
    assert.throws(() => h.engine.listAttempts(runId, 'zzz'), StepNotFoundError);
    assert.equal(fingerprint(), before);
  });

  it('unknown gate, and a step that is not a gate', () => {
    const before = fingerprint();
    assert.throws(() => h.engine.decideGate(runId, 'nope', { decision: 'approve', by: 'x' }), GateNotFoundError);
    assert.throws(() => h.engine.decideGate(runId, 'a', { decision: 'approve', by: 'x' }), GateNotFoundError);
    assert.equal(fingerprint(), before);
  });

  it('deciding a gate that was already decided, here and from another process', async () => {
    const before = fingerprint();
    assert.throws(
      () => h.engine.decideGate(runId, 'g', { decision: 'reject', by: 'second' }),
      (error: unknown) => error instanceof GateAlreadyDecidedError && error.decision === 'approved' && error.decidedBy === 'first',
    );
    const other = await runTs(DECIDE_GATE, [h.dbPath, runId, 'g', 'reject', 'third']);
    assert.equal(other.code, 2, other.stderr);
    assert.equal(JSON.parse(other.stdout).error, 'gate_already_decided');
    assert.equal(fingerprint(), before);
    assert.equal(h.engine.listGates(runId)[0]?.decidedBy, 'first');
  });
});
