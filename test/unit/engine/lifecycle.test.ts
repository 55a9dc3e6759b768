import assert from 'node:assert/strict';
import { Worker } from '../../../src/core/engine';
import {
  GateAlreadyDecidedError,
  GateNotAllowedError,
  GateNotFoundError,
  InputInvalidError,
  StepNotFoundError,
} from '../../../src/core/errors';
import { EventType } from '../../../src/core/model';
import type { ReviewerFeedback, StepExecutionContext, StepExecutionResult, StepExecutor, TemplateResolver } from '../../../src/core/ports';
import type { TemplateDefinition } from '../../../src/core/template/types';
import {
  createMemoryEngine,
  drain,
  gateStep,
  runStep,
  statuses,
  template,
  workflowStep,
  waitUntil,
  assertRunCountersConsistent,
  type MemoryEngine,
} from '../../support/engine-fixtures';

/** Fails while `broken` is true; counts calls per step id. */
class SwitchExecutor implements StepExecutor {
  readonly kind = 'run';
  broken = true;
  failuresLeft = Number.POSITIVE_INFINITY;
  calls = new Map<string, number>();
  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    this.calls.set(ctx.step.id, (this.calls.get(ctx.step.id) ?? 0) + 1);
    if (ctx.step.id.startsWith('x') && this.broken && this.failuresLeft-- > 0) {
      return { kind: 'failed', error: 'broken', retryable: true };
    }
    return { kind: 'succeeded', outputs: { by: ctx.step.id, attempt: ctx.attempt } };
  }
}

describe('engine lifecycle', () => {
  let h: MemoryEngine;
  let sw: SwitchExecutor;
  beforeEach(() => {
    sw = new SwitchExecutor();
    h = createMemoryEngine({ executors: [sw] });
  });
  afterEach(() => h.close());

  describe('retry with backoff', () => {
    const retry = { max: 3, backoff: 'exponential' as const, delayMs: 1000, maxDelayMs: 10_000 };

    it('waits the backoff delays on the clock and stops after max attempts', async () => {
      const run = h.engine.startRun(template('r', [runStep('x', 'ok', { retry })]));
      await drain(h.engine);
      let row = h.engine.getRun(run.id).steps[0]!;
      assert.equal(row.status, 'waiting');
      assertRunCountersConsistent(h.engine, run.id);
      assert.equal(row.dueAt, h.clock.now() + 1000);
      h.clock.advance(999);
      await drain(h.engine);
      assert.equal(sw.calls.get('x'), 1, 'retried before the delay passed');
      h.clock.advance(1);
      await drain(h.engine);
      assert.equal(sw.calls.get('x'), 2);
      row = h.engine.getRun(run.id).steps[0]!;
      assert.equal(row.dueAt, h.clock.now() + 2000);
      h.clock.advance(2000);
      await drain(h.engine);
      assert.equal(sw.calls.get('x'), 3);
      h.clock.advance(60_000);
      await drain(h.engine);
      assert.equal(sw.calls.get('x'), 3, 'ran more than max attempts');
      const detail = h.engine.getRun(run.id);
      assert.equal(detail.steps[0]!.status, 'failed');
      assert.equal(detail.run.status, 'failed');
      assert.deepEqual(h.engine.listAttempts(run.id, 'x').map((a) => [a.number, a.status]), [
        [1, 'failed'],
        [2, 'failed'],
        [3, 'failed'],
      ]);
      const retrying = h.engine.listEvents(0, { runId: run.id }).filter((e) => e.type === EventType.StepRetrying);
      assert.deepEqual(retrying.map((e) => e.payload.delayMs), [1000, 2000]);
    });

    it('succeeds on a later attempt and keeps every attempt as its own row', async () => {
      sw.failuresLeft = 1;
      const run = h.engine.startRun(template('r', [runStep('x', 'ok', { retry })]));
      await drain(h.engine);
      h.clock.advance(1000);
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      assert.deepEqual(h.engine.getRun(run.id).steps[0]!.outputs, { by: 'x', attempt: 2 });
      assert.deepEqual(h.engine.listAttempts(run.id, 'x').map((a) => a.status), ['failed', 'succeeded']);
    });

    it('fails at once on a non-retryable error', async () => {
      const h2 = createMemoryEngine();
      const run = h2.engine.startRun(template('r', [runStep('x', 'fatal missing binary', { retry: { ...retry, max: 5 } })]));
      await drain(h2.engine);
      assert.equal(h2.engine.getRun(run.id).steps[0]!.status, 'failed');
      assert.equal(h2.engine.listAttempts(run.id, 'x').length, 1);
      h2.close();
    });
  });

  describe('timeouts', () => {
    it('aborts the executor at the step timeout (on the clock), records timed_out and retries', async () => {
      const h2 = createMemoryEngine();
      const run = h2.engine.startRun(
        template('to', [runStep('slow', 'sleep 60000', { timeoutMs: 2000, retry: { max: 2, backoff: 'fixed', delayMs: 0, maxDelayMs: 0 } })]),
      );
      const stop = new AbortController();
      const done = new Worker(h2.engine, { pollMs: 5 }).run({ signal: stop.signal });
      const attemptStatus = (n: number) => h2.engine.listAttempts(run.id, 'slow')[n - 1]?.status;
      const until = async (what: string, predicate: () => boolean) => {
        const deadline = Date.now() + 5000;
        while (!predicate()) {
          assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      try {
        for (let attempt = 1; attempt <= 2; attempt++) {
          await until(`attempt ${attempt} to run`, () => attemptStatus(attempt) === 'running' && h2.executor.running === 1);
          h2.clock.advance(1999);
          await new Promise((r) => setTimeout(r, 20));
          assert.equal(attemptStatus(attempt), 'running', 'aborted before the timeout');
          h2.clock.advance(1);
          await until(`attempt ${attempt} to time out`, () => attemptStatus(attempt) === 'timed_out');
        }
        await until('the run to fail', () => h2.engine.getRun(run.id).run.status === 'failed');
      } finally {
        stop.abort();
        await done;
      }
      const attempts = h2.engine.listAttempts(run.id, 'slow');
      assert.deepEqual(attempts.map((a) => a.status), ['timed_out', 'timed_out']);
      assert.match(attempts[0]!.error ?? '', /timed out after 2000 ms/);
      assert.equal(h2.engine.getRun(run.id).run.status, 'failed');
      h2.close();
    });
  });

  describe('gates', () => {
    function gated(extra: Parameters<typeof gateStep>[1] = {}): TemplateDefinition {
      return template('g', [runStep('before', 'ok'), gateStep('review', { needs: ['before'], ...extra }), runStep('after', 'ok', { needs: ['review'] })]);
    }

    it('waits durably, checks approvers, stores exactly one decision and continues on approve', async () => {
      const run = h.engine.startRun(gated({ approvers: ['ann'], inputs: { properties: { reason: { type: 'string' } }, required: ['reason'] } }));
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'waiting');
      assertRunCountersConsistent(h.engine, run.id);
      assert.throws(() => h.engine.decideGate(run.id, 'review', { decision: 'approve', by: 'bob', inputs: { reason: 'x' } }), GateNotAllowedError);
      assert.throws(() => h.engine.decideGate(run.id, 'review', { decision: 'approve', by: 'ann' }), InputInvalidError);
      assert.throws(() => h.engine.decideGate(run.id, 'nope', { decision: 'approve', by: 'ann' }), GateNotFoundError);
      const gate = h.engine.decideGate(run.id, 'review', { decision: 'approve', by: 'ann', comment: 'lgtm', inputs: { reason: 'tested' } });
      assert.equal(gate.decision, 'approved');
      assert.equal(gate.decidedBy, 'ann');
      assert.throws(() => h.engine.decideGate(run.id, 'review', { decision: 'reject', by: 'ann' }), GateAlreadyDecidedError);
      await drain(h.engine);
      const detail = h.engine.getRun(run.id);
      assert.equal(detail.run.status, 'succeeded');
      assert.deepEqual(detail.steps.find((s) => s.stepId === 'review')?.outputs, {
        reason: 'tested',
        decision: 'approved',
        approved: true,
        by: 'ann',
        comment: 'lgtm',
      });
      assert.deepEqual(h.engine.listComments(run.id).map((c) => [c.author, c.body]), [['ann', 'lgtm']]);
    });

    it('a rejection fails the gate and skips what needs it', async () => {
      const run = h.engine.startRun(gated());
      await drain(h.engine);
      h.engine.decideGate(run.id, 'review', { decision: 'reject', by: 'ann', comment: 'no' });
      await drain(h.engine);
      assert.deepEqual(statuses(h.engine, run.id), { before: 'succeeded', review: 'failed', after: 'skipped' });
      assert.equal(h.engine.getRun(run.id).run.status, 'failed');
    });

    it('on_timeout proceed records timed_out (not an approval) and continues', async () => {
      const run = h.engine.startRun(gated({ gateTimeoutMs: 5000, onTimeout: 'proceed' }));
      await drain(h.engine);
      h.clock.advance(4999);
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'waiting');
      h.clock.advance(1);
      await drain(h.engine);
      const [gate] = h.engine.listGates(run.id);
      assert.equal(gate?.decision, 'timed_out');
      assert.equal(gate?.decidedBy, null);
      assert.equal(h.engine.getRun(run.id).steps.find((s) => s.stepId === 'review')?.outputs?.approved, false);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    });

    it('on_timeout cancel cancels the run; escalate keeps waiting and flags the gate', async () => {
      const cancelled = h.engine.startRun(gated({ gateTimeoutMs: 100, onTimeout: 'cancel' }));
      const escalated = h.engine.startRun(gated({ gateTimeoutMs: 100, onTimeout: 'escalate' }));
      await drain(h.engine);
      h.clock.advance(100);
      await drain(h.engine);
      assert.equal(h.engine.getRun(cancelled.id).run.status, 'cancelled');
      assert.equal(h.engine.listGates(cancelled.id)[0]?.decision, 'timed_out');
      assert.equal(h.engine.getRun(escalated.id).run.status, 'waiting');
      assert.equal(h.engine.listGates(escalated.id)[0]?.escalated, true);
      assert.equal(h.engine.listGates(escalated.id)[0]?.decision, null);
      assert.ok(h.engine.listEvents(0, { runId: escalated.id }).some((e) => e.type === EventType.GateEscalated));
      h.engine.decideGate(escalated.id, 'review', { decision: 'approve', by: 'boss' });
      await drain(h.engine);
      assert.equal(h.engine.getRun(escalated.id).run.status, 'succeeded');
    });
  });

  describe('cancel, pause, resume, retry-from, rerun', () => {
    it('cancel reaches a running step through its lease and cancels the rest', async () => {
      const h2 = createMemoryEngine();
      const run = h2.engine.startRun(template('c', [runStep('slow', 'sleep 5000'), runStep('next', 'ok', { needs: ['slow'] })]));
      const worker = new Worker(h2.engine, { pollMs: 5, renewEveryMs: 10 });
      const stop = new AbortController();
      const done = worker.run({ signal: stop.signal });
      try {
        await waitUntil('the step to run', () => h2.executor.running === 1);
        h2.engine.cancelRun(run.id, { by: 'me', reason: 'enough' });
        await waitUntil('the running step to be aborted', () => h2.executor.running === 0, 2000);
      } finally {
        stop.abort();
        await done;
      }
      assert.deepEqual(statuses(h2.engine, run.id), { slow: 'cancelled', next: 'cancelled' });
      assertRunCountersConsistent(h2.engine, run.id);
      assert.equal(h2.engine.getRun(run.id).run.status, 'cancelled');
      assert.deepEqual(h2.engine.listAttempts(run.id, 'slow').map((a) => a.status), ['cancelled']);
      h2.close();
    });

    it('pause stops new steps from starting until resume', async () => {
      sw.broken = false;
      const run = h.engine.startRun(template('p', [runStep('a', 'ok'), runStep('b', 'ok', { needs: ['a'] })]));
      h.engine.pauseRun(run.id);
      await drain(h.engine);
      assert.equal(sw.calls.size, 0);
      assert.equal(h.engine.getRun(run.id).run.status, 'paused');
      h.engine.resumeRun(run.id);
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    });

    it('resume after a failure re-runs only what failed and what it blocked', async () => {
      const run = h.engine.startRun(
        template('res', [runStep('a', 'ok'), runStep('x', 'ok', { needs: ['a'] }), runStep('y', 'ok', { needs: ['x'] }), runStep('side', 'ok')]),
      );
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'failed');
      assert.deepEqual(statuses(h.engine, run.id), { a: 'succeeded', x: 'failed', y: 'skipped', side: 'succeeded' });
      sw.broken = false;
      h.engine.resumeRun(run.id);
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      assert.deepEqual(Object.fromEntries(sw.calls), { a: 1, x: 2, y: 1, side: 1 });
      assertRunCountersConsistent(h.engine, run.id);
    });

    it('retry from a step keeps upstream outputs and re-runs the step and its descendants', async () => {
      sw.broken = false;
      const run = h.engine.startRun(
        template('rf', [runStep('a', 'ok'), runStep('b', 'ok', { needs: ['a'] }), runStep('c', 'ok', { needs: ['b'] }), runStep('d', 'ok', { needs: ['a'] })]),
      );
      await drain(h.engine);
      assert.throws(() => h.engine.retryRun(run.id, { fromStep: 'zzz' }), StepNotFoundError);
      h.engine.retryRun(run.id, { fromStep: 'b' });
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      assert.deepEqual(Object.fromEntries(sw.calls), { a: 1, b: 2, d: 1, c: 2 });
      assert.deepEqual(h.engine.getRun(run.id).steps.find((s) => s.stepId === 'a')?.outputs, { by: 'a', attempt: 1 });
      assert.deepEqual(h.engine.getRun(run.id).steps.find((s) => s.stepId === 'b')?.outputs, { by: 'b', attempt: 2 });
    });

    it('rerun starts a new run with the same inputs', async () => {
      sw.broken = false;
      const t = template('rr', [runStep('a', 'ok')], { inputs: { properties: { n: { type: 'number' } }, required: ['n'] } });
      const first = h.engine.startRun(t, { inputs: { n: 7 } });
      await drain(h.engine);
      const second = h.engine.rerun(first.id);
      assert.notEqual(second.id, first.id);
      assert.deepEqual(second.inputs, { n: 7 });
      assert.deepEqual(second.trigger, { kind: 'rerun', payload: { runId: first.id } });
      await drain(h.engine);
      assert.equal(h.engine.getRun(second.id).run.status, 'succeeded');
      assert.throws(() => h.engine.startRun(t, {}), InputInvalidError);
    });
  });

  describe('leases', () => {
    it('an expired lease is taken over as a new attempt; the old owner cannot finish the step', async () => {
      sw.broken = false;
      const run = h.engine.startRun(template('l', [runStep('a', 'ok')]));
      const stale = h.engine.claimNext('dead-worker');
      assert.ok(stale);
      h.clock.advance(h.engine.leaseMs + 1);
      await drain(h.engine, { owner: 'live-worker' });
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      assert.deepEqual(h.engine.listAttempts(run.id, 'a').map((a) => [a.number, a.status, a.owner]), [
        [1, 'abandoned', 'dead-worker'],
        [2, 'succeeded', 'live-worker'],
      ]);
      const outcome = h.engine.recordResult(stale, { kind: 'succeeded', outputs: { late: true } });
      assert.equal(outcome, 'lease_lost');
      assert.equal(h.engine.listEvents(0, { runId: run.id }).filter((e) => e.type === EventType.StepSucceeded).length, 1);
      assert.deepEqual(h.engine.getRun(run.id).steps[0]!.outputs, { by: 'a', attempt: 2 });
    });
  });

  describe('child workflows', () => {
    it('runs another template as a child run whose outputs become the step outputs', async () => {
      sw.broken = false;
      const child = template('child', [runStep('inner', 'ok')], { inputs: { properties: { who: { type: 'string' } }, required: ['who'] } });
      const resolver: TemplateResolver = { resolve: async (id) => (id === 'child' ? child : Promise.reject(new Error(id))) };
      const h2 = createMemoryEngine({ executors: [sw], templates: resolver });
      const run = h2.engine.startRun(
        template('parent', [runStep('pre', 'ok'), workflowStep('sub', 'child', { needs: ['pre'], with: { who: '${{ steps.pre.outputs.by }}' } }), runStep('post', 'ok', { needs: ['sub'] })]),
      );
      await drain(h2.engine);
      const detail = h2.engine.getRun(run.id);
      assert.equal(detail.run.status, 'succeeded');
      const sub = detail.steps.find((s) => s.stepId === 'sub')!;
      assert.deepEqual(sub.outputs, { inner: { by: 'inner', attempt: 1 } });
      const childRun = h2.engine.getRun(sub.childRunId!).run;
      assert.equal(childRun.parentRunId, run.id);
      assert.deepEqual(childRun.inputs, { who: 'pre' });
      assert.equal(childRun.trigger.kind, 'workflow');
      h2.close();
    });

    it("checks a child run's inputs like a top-level run's: a bad with: fails the step at once, naming each field", async () => {
      sw.broken = false;
      const child = template('child', [runStep('inner', 'ok')], {
        inputs: {
          properties: { count: { type: 'integer' }, level: { type: 'string', enum: ['low', 'high'] } },
          required: ['count'],
        },
      });
      const h2 = createMemoryEngine({ executors: [sw], templates: { resolve: async () => child } });
      const retry = { max: 3, backoff: 'fixed' as const, delayMs: 0, maxDelayMs: 0 };
      const run = h2.engine.startRun(
        template('parent', [workflowStep('sub', 'child', { with: { count: 'many', level: 'medium', colour: 'red' }, retry })]),
      );
      await drain(h2.engine);
      const detail = h2.engine.getRun(run.id);
      assert.equal(detail.run.status, 'failed');
      const sub = detail.steps.find((s) => s.stepId === 'sub')!;
      assert.equal(sub.childRunId, null);
      assert.match(sub.error ?? '', /invalid inputs for child/);
      for (const field of ['count', 'level', 'colour']) assert.match(sub.error ?? '', new RegExp(`${field}:`), `no problem named ${field}`);
      assert.equal(h2.engine.listAttempts(run.id, 'sub').length, 1, 'bad inputs were retried');
      assert.equal(h2.engine.listRuns({ parentRunId: run.id }).length, 0);
      h2.close();
    });

    it('resuming the parent resumes the failed child run instead of starting a new one', async () => {
      const child = template('child', [runStep('inner', 'ok'), runStep('x_inner', 'ok', { needs: ['inner'] })]);
      const h2 = createMemoryEngine({ executors: [sw], templates: { resolve: async () => child } });
      const run = h2.engine.startRun(template('parent', [workflowStep('sub', 'child'), runStep('post', 'ok', { needs: ['sub'] })]));
      await drain(h2.engine);
      const sub = h2.engine.getRun(run.id).steps.find((s) => s.stepId === 'sub')!;
      assert.equal(h2.engine.getRun(run.id).run.status, 'failed');
      assert.equal(h2.engine.getRun(sub.childRunId!).run.status, 'failed');
      sw.broken = false;
      h2.engine.resumeRun(run.id);
      await drain(h2.engine);
      assert.equal(h2.engine.getRun(run.id).run.status, 'succeeded');
      const after = h2.engine.getRun(run.id).steps.find((s) => s.stepId === 'sub')!;
      assert.equal(after.childRunId, sub.childRunId, 'a new child run was started');
      assertRunCountersConsistent(h2.engine, run.id);
      assertRunCountersConsistent(h2.engine, sub.childRunId!);
      assert.equal(h2.engine.listRuns({ parentRunId: run.id }).length, 1);
      assert.deepEqual(Object.fromEntries(sw.calls), { inner: 1, x_inner: 2, post: 1 });
      h2.close();
    });
  });

  describe('secrets', () => {
    it('resolves secrets for the executor and redacts them from outputs, events and files', async () => {
      const h2 = createMemoryEngine({ secrets: { get: async (name) => (name === 'TOKEN' ? 's3cr3t-value' : undefined) } });
      const run = h2.engine.startRun(template('sec', [runStep('use', 'echo token=${{ secrets.TOKEN }}\nout leaked=${{ secrets.TOKEN }}')]));
      await drain(h2.engine);
      const detail = h2.engine.getRun(run.id);
      assert.equal(detail.run.status, 'succeeded');
      assert.deepEqual(detail.steps[0]!.outputs, { leaked: '***' });
      const everything = JSON.stringify([h2.engine.listEvents(0, { runId: run.id }), [...h2.files.files.values()]]);
      assert.ok(everything.includes('token=***'), 'the step did not see the secret through interpolation');
      assert.ok(!everything.includes('s3cr3t-value'), 'a secret value was persisted');
      h2.close();
    });
  });

  describe('worker', () => {
    it('a stopping worker hands its running steps back instead of failing them', async () => {
      const h2 = createMemoryEngine();
      const run = h2.engine.startRun(template('stop', [runStep('slow', 'sleep 5000')]));
      const stop = new AbortController();
      const done = new Worker(h2.engine, { pollMs: 5 }).run({ signal: stop.signal });
      await waitUntil('the step to run', () => h2.executor.running === 1).finally(async () => {
        stop.abort();
        await done;
      });
      assert.equal(h2.engine.getRun(run.id).steps[0]!.status, 'ready');
      assert.deepEqual(h2.engine.listAttempts(run.id, 'slow').map((a) => a.status), ['abandoned']);
      h2.close();
    });

    it('streams output to the step log and batches step.progress events', async () => {
      const h2 = createMemoryEngine();
      const run = h2.engine.startRun(template('log', [runStep('talk', 'echo one\necho two\nout done=1')]));
      await drain(h2.engine);
      assert.equal(h2.files.files.get(h2.engine.stepLogPath(run.id, 'talk')), 'one\ntwo\n');
      const events = h2.engine.listEvents(0, { runId: run.id });
      const progress = events.filter((e) => e.type === EventType.StepProgress);
      assert.deepEqual(progress.map((e) => e.payload.text), ['one\n', 'two\n']);
      const succeeded = events.findIndex((e) => e.type === EventType.StepSucceeded);
      assert.ok(events.indexOf(progress[1]!) < succeeded, 'progress recorded after the result');
      h2.close();
    });
  });
});

describe('reviewer feedback reaches the next agent attempt', () => {
  /** Stands in for the agent CLI: records the feedback each attempt was given. */
  class RecordingAgent implements StepExecutor {
    readonly kind = 'agent';
    readonly seen: Array<StepExecutionContext['feedback']> = [];
    async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
      this.seen.push(ctx.feedback);
      return { kind: 'succeeded', outputs: { attempt: ctx.attempt } };
    }
  }

  it('a gate rejected with a comment gives that comment to the agent step it reviews when it runs again', async () => {
    const agent = new RecordingAgent();
    const m = createMemoryEngine({ executors: [agent] });
    const definition = template('reviewed', [
      { kind: 'agent', id: 'write', agent: 'claude', prompt: 'Write it', needs: [], env: {}, continueOnError: false },
      gateStep('review', { needs: ['write'] }),
      runStep('unrelated', 'true'),
    ]);
    m.engine.registerExecutor({ kind: 'run', execute: async () => ({ kind: 'succeeded', outputs: {} }) });
    const run = m.engine.startRun(definition);
    await drain(m.engine);
    assert.equal(agent.seen.length, 1);
    assert.equal(agent.seen[0], undefined, 'the first attempt has no feedback');
    m.engine.decideGate(run.id, 'review', { decision: 'reject', by: 'alice', comment: 'cover the error path too' });
    await drain(m.engine);
    assert.equal(m.engine.getRun(run.id).run.status, 'failed');

    m.engine.retryRun(run.id, { fromStep: 'write' });
    await drain(m.engine);
    assert.equal(agent.seen.length, 2);
    const second = agent.seen[1] as ReviewerFeedback[] | undefined;
    assert.deepEqual(second?.map((f) => [f.gateStepId, f.by, f.comment]), [['review', 'alice', 'cover the error path too']]);
    // An approval (or a rejection without a comment) adds nothing.
    m.engine.decideGate(run.id, 'review', { decision: 'approve', by: 'bob', comment: 'better' });
    await drain(m.engine);
    assert.equal(m.engine.getRun(run.id).run.status, 'succeeded');
  });
});
