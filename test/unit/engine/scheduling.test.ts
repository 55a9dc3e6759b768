import assert from 'node:assert/strict';
import { aggregateItemOutputs } from '../../../src/core/engine';
import { InvalidTransitionError, TemplateInvalidError } from '../../../src/core/errors';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../../../src/core/ports';
import { EventType, RUN_TRANSITIONS, STEP_TRANSITIONS, canTransitionRun, canTransitionStep } from '../../../src/core/model';
import { assertRunCountersConsistent, createMemoryEngine, drain, gateStep, runStep, statuses, template, type MemoryEngine } from '../../support/engine-fixtures';

describe('engine scheduling', () => {
  let h: MemoryEngine;
  beforeEach(() => {
    h = createMemoryEngine();
  });
  afterEach(() => h.close());

  describe('transition table', () => {
    it('allows exactly the listed transitions', () => {
      for (const [from, tos] of Object.entries(STEP_TRANSITIONS)) {
        for (const to of Object.keys(STEP_TRANSITIONS)) {
          assert.equal(canTransitionStep(from as never, to as never), (tos as readonly string[]).includes(to), `${from}->${to}`);
        }
      }
      for (const [from, tos] of Object.entries(RUN_TRANSITIONS)) {
        for (const to of Object.keys(RUN_TRANSITIONS)) {
          assert.equal(canTransitionRun(from as never, to as never), (tos as readonly string[]).includes(to), `${from}->${to}`);
        }
      }
    });

    it('rejects commands that would break the table with InvalidTransitionError', async () => {
      const run = h.engine.startRun(template('t', [runStep('a', 'ok')]));
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      assert.throws(() => h.engine.pauseRun(run.id), InvalidTransitionError);
      assert.throws(() => h.engine.cancelRun(run.id), InvalidTransitionError);
      assert.throws(() => h.engine.resumeRun(run.id), InvalidTransitionError);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    });
  });

  describe('graph checks', () => {
    it('refuses definitions that could never finish: unknown needs, cycles, duplicate ids', () => {
      const bad = [
        template('unknown', [runStep('a', 'ok', { needs: ['ghost'] })]),
        template('cycle', [runStep('a', 'ok', { needs: ['b'] }), runStep('b', 'ok', { needs: ['a'] }), runStep('c', 'ok')]),
        template('dup', [runStep('a', 'ok'), runStep('a', 'ok')]),
      ];
      const messages = bad.map((t) => {
        try {
          h.engine.startRun(t);
          return 'started';
        } catch (error) {
          assert.ok(error instanceof TemplateInvalidError);
          return error.problems.map((p) => p.message).join('; ');
        }
      });
      assert.deepEqual(messages, [
        "step 'a' needs unknown step 'ghost'",
        'steps form a cycle: a, b',
        "duplicate step id 'a'",
      ]);
      assert.equal(h.engine.listRuns().length, 0);
      assert.equal(h.files.files.size, 0, 'a snapshot was written for a refused template');
    });
  });

  describe('readiness and failure isolation', () => {
    it('a failed step fails only its dependents; independent branches finish; conditions follow GitHub semantics', async () => {
      const t = template('iso', [
        runStep('root', 'out v=1'),
        runStep('bad', 'fatal boom', { needs: ['root'] }),
        runStep('after_bad', 'ok', { needs: ['bad'] }),
        runStep('on_failure', 'ok', { needs: ['bad'], if: 'failure()' }),
        runStep('after_handler', 'ok', { needs: ['on_failure'] }),
        runStep('cleanup', 'ok', { needs: ['after_bad'], if: 'always()' }),
        runStep('good1', 'out x=${{ steps.root.outputs.v }}', { needs: ['root'] }),
        runStep('good2', 'out y=${{ steps.good1.outputs.x }}2', { needs: ['good1'] }),
      ]);
      const run = h.engine.startRun(t);
      await drain(h.engine);
      assert.deepEqual(statuses(h.engine, run.id), {
        root: 'succeeded',
        bad: 'failed',
        after_bad: 'skipped',
        on_failure: 'succeeded',
        // failure is transitive: a default success() step below a failure handler is skipped
        after_handler: 'skipped',
        cleanup: 'succeeded',
        good1: 'succeeded',
        good2: 'succeeded',
      });
      const detail = h.engine.getRun(run.id);
      assert.equal(detail.run.status, 'failed');
      assert.equal(detail.run.failedSteps, 1);
      assert.deepEqual(detail.steps.find((s) => s.stepId === 'good2')?.outputs, { y: '12' });
    });

    it('skips propagate through default conditions but not through always()', async () => {
      const run = h.engine.startRun(
        template('skip', [
          runStep('off', 'ok', { if: "inputs.mode == 'on'" }),
          runStep('child', 'ok', { needs: ['off'] }),
          runStep('grandchild', 'ok', { needs: ['child'] }),
          runStep('always', 'ok', { needs: ['child'], if: 'always()' }),
        ], { inputs: { properties: { mode: { type: 'string', default: 'off' } }, required: [] } }),
      );
      await drain(h.engine);
      assert.deepEqual(statuses(h.engine, run.id), { off: 'skipped', child: 'skipped', grandchild: 'skipped', always: 'succeeded' });
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      const skipped = h.engine.listEvents(0, { runId: run.id }).filter((e) => e.type === EventType.StepSkipped);
      assert.deepEqual(skipped.map((e) => [e.stepId, e.payload.reason]), [
        ['off', 'condition'],
        ['child', 'upstream'],
        ['grandchild', 'upstream'],
      ]);
    });

    it('continue_on_error lets dependents run and the run succeed', async () => {
      const run = h.engine.startRun(
        template('coe', [runStep('flaky', 'fatal nope', { continueOnError: true }), runStep('next', 'ok', { needs: ['flaky'] })]),
      );
      await drain(h.engine);
      assert.deepEqual(statuses(h.engine, run.id), { flaky: 'failed', next: 'succeeded' });
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
    });

    it('marks the run waiting while only a gate is left and follows running steps with its phase', async () => {
      const run = h.engine.startRun(
        template('phases', [
          runStep('plan', 'ok', { phase: 'plan' }),
          runStep('build', 'ok', { phase: 'build', needs: ['plan'] }),
          gateStep('review', { needs: ['build'] }),
        ]),
      );
      await drain(h.engine);
      const detail = h.engine.getRun(run.id);
      assert.equal(detail.run.status, 'waiting');
      assert.equal(detail.run.phase, 'build');
      const phases = h.engine.listEvents(0, { runId: run.id }).filter((e) => e.type === EventType.RunPhaseChanged);
      assert.deepEqual(phases.map((e) => [e.payload.from, e.payload.to]), [[null, 'plan'], ['plan', 'build']]);
    });

    it('touches only dependents when a step finishes (readiness is incremental)', async () => {
      const steps = Array.from({ length: 50 }, (_, i) => runStep(`s${i}`, 'ok', { needs: i === 0 ? [] : [`s${i - 1}`] }));
      const run = h.engine.startRun(template('chain', steps));
      let listStepsCalls = 0;
      const original = h.store.listSteps.bind(h.store);
      h.store.listSteps = (runId: string) => {
        listStepsCalls++;
        return original(runId);
      };
      await drain(h.engine);
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      // Only finalizing the run lists its steps (plus the getRun above); never once per step.
      assert.ok(listStepsCalls <= 2, `listSteps called ${listStepsCalls} times`);
    });
  });

  describe('worker limits', () => {
    it('runs independent steps in parallel up to the global limit and the per-template limit', async () => {
      const wide = template('wide', Array.from({ length: 6 }, (_, i) => runStep(`w${i}`, 'sleep 20')));
      const other = template('other', Array.from({ length: 6 }, (_, i) => runStep(`o${i}`, 'sleep 20')));
      h.engine.startRun(wide);
      await drain(h.engine, { maxConcurrency: 4 });
      assert.equal(h.executor.maxConcurrent, 4);

      h.executor.maxConcurrent = 0;
      const running = new Map<string, number>();
      let peakPerTemplate = 0;
      const executor = h.executor;
      const original = executor.execute.bind(executor);
      executor.execute = async (ctx) => {
        running.set(ctx.template.id, (running.get(ctx.template.id) ?? 0) + 1);
        peakPerTemplate = Math.max(peakPerTemplate, ...running.values());
        try {
          return await original(ctx);
        } finally {
          running.set(ctx.template.id, (running.get(ctx.template.id) ?? 1) - 1);
        }
      };
      const a = h.engine.startRun(wide);
      const b = h.engine.startRun(other);
      await drain(h.engine, { maxConcurrency: 8, maxPerTemplate: 2 });
      assert.equal(peakPerTemplate, 2);
      assert.equal(h.executor.maxConcurrent, 4);
      assert.equal(h.engine.getRun(a.id).run.status, 'succeeded');
      assert.equal(h.engine.getRun(b.id).run.status, 'succeeded');
    });
  });

  describe('concurrency groups', () => {
    const deploy = template('deploy', [runStep('ship', 'ok')], {
      inputs: { properties: { env: { type: 'string' } }, required: ['env'] },
      concurrency: { group: 'deploy-${{ inputs.env }}', limit: 1 },
    });

    it('queues a run while its group is full and starts it when the group frees up', async () => {
      const first = h.engine.startRun(deploy, { inputs: { env: 'prod' } });
      const second = h.engine.startRun(deploy, { inputs: { env: 'prod' } });
      const other = h.engine.startRun(deploy, { inputs: { env: 'dev' } });
      assert.deepEqual([first.status, second.status, other.status], ['running', 'pending', 'running']);
      assert.equal(second.concurrencyKey, 'deploy-prod');
      await drain(h.engine);
      for (const run of [first, second, other]) assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      const events = h.engine.listEvents(0, { limit: 10_000 });
      const at = (runId: string, type: string) => events.findIndex((e) => e.runId === runId && e.type === type);
      assert.ok(at(second.id, EventType.RunQueued) >= 0);
      assert.ok(at(second.id, EventType.RunStarted) > at(first.id, EventType.RunSucceeded), 'queued run started before the slot was free');
    });

    it('a finished run resumed while its group is full queues, and runs only once the slot is free', async () => {
      const job = template('job', [runStep('prep', 'ok'), runStep('ship', '${{ inputs.cmd }}', { needs: ['prep'] })], {
        inputs: { properties: { cmd: { type: 'string' } }, required: ['cmd'] },
        concurrency: { group: 'deploy', limit: 1 },
      });
      const failed = h.engine.startRun(job, { inputs: { cmd: 'fatal broken' } });
      await drain(h.engine);
      assert.equal(h.engine.getRun(failed.id).run.status, 'failed');
      const holder = h.engine.startRun(job, { inputs: { cmd: 'ok' } });
      assert.equal(holder.status, 'running');

      const resumed = h.engine.resumeRun(failed.id);
      assert.equal(resumed.status, 'pending', 'a resumed run took a slot its group did not have');
      assert.equal(h.engine.getRun(failed.id).steps.find((s) => s.stepId === 'ship')?.status, 'pending');
      await drain(h.engine);

      assert.equal(h.engine.getRun(holder.id).run.status, 'succeeded');
      const detail = h.engine.getRun(failed.id);
      assert.equal(detail.run.status, 'failed'); // `fatal broken` fails again, but only after the holder
      assert.equal(h.engine.listAttempts(failed.id, 'ship').length, 2);
      assert.equal(h.engine.listAttempts(failed.id, 'prep').length, 1, 'the finished step ran again');
      const events = h.engine.listEvents(0, { limit: 10_000 });
      const at = (runId: string, type: string, stepId: string | null = null) =>
        events.findLastIndex((e) => e.runId === runId && e.type === type && (stepId === null || e.stepId === stepId));
      assert.ok(at(failed.id, EventType.RunQueued) > at(holder.id, EventType.RunStarted));
      assert.ok(at(failed.id, EventType.StepStarted, 'ship') > at(holder.id, EventType.RunSucceeded), 'ran while the group was full');
      assertRunCountersConsistent(h.engine, failed.id);
    });

    it('cancelling the running run of a group starts the next queued one', async () => {
      const first = h.engine.startRun(deploy, { inputs: { env: 'prod' } });
      const second = h.engine.startRun(deploy, { inputs: { env: 'prod' } });
      h.engine.cancelRun(first.id);
      assert.equal(h.engine.getRun(second.id).run.status, 'running');
      await drain(h.engine);
      assert.equal(h.engine.getRun(second.id).run.status, 'succeeded');
    });
  });

  describe('foreach', () => {
    it('runs one instance per item, at most max_parallel at once, outputs aggregated in item order', async () => {
      const run = h.engine.startRun(
        template('fan', [
          { ...runStep('each', 'sleep 5\nout n=${{ item }}'), foreach: '${{ inputs.items }}', maxParallel: 3 },
          runStep('sum', "out all=${{ join(steps.each.outputs.n, ',') }}", { needs: ['each'] }),
        ], { inputs: { properties: { items: { type: 'array', default: [5, 4, 3, 2, 1, 0, 9] } }, required: [] } }),
      );
      await drain(h.engine, { maxConcurrency: 10 });
      const detail = h.engine.getRun(run.id);
      assert.equal(detail.run.status, 'succeeded');
      assert.equal(h.executor.maxConcurrent, 3);
      const each = detail.steps.find((s) => s.stepId === 'each' && s.itemKey === null);
      assert.deepEqual(each?.outputs?.n, ['5', '4', '3', '2', '1', '0', '9']);
      assert.equal((each?.outputs?.items as unknown[]).length, 7);
      assert.deepEqual(detail.steps.find((s) => s.stepId === 'sum')?.outputs, { all: '5,4,3,2,1,0,9' });
    });

    it('aggregates per output name with nulls for items that lack it', () => {
      assert.deepEqual(aggregateItemOutputs([{ a: 1 }, null, { a: 3, b: 'x' }]), {
        a: [1, null, 3],
        b: [null, null, 'x'],
        items: [{ a: 1 }, null, { a: 3, b: 'x' }],
      });
    });

    it('fails the foreach step when an item fails, after the other items finish', async () => {
      const run = h.engine.startRun(
        template('fan-fail', [{ ...runStep('each', '${{ item }}'), foreach: '${{ inputs.items }}', maxParallel: 2 }], {
          inputs: { properties: { items: { type: 'array', default: ['ok', 'fatal bad', 'ok'] } }, required: [] },
        }),
      );
      await drain(h.engine);
      assert.deepEqual(statuses(h.engine, run.id), { each: 'failed', 'each[0]': 'succeeded', 'each[1]': 'failed', 'each[2]': 'succeeded' });
      assert.match(h.engine.getRun(run.id).steps[0]?.error ?? '', /1 of 3 items failed \(1\)/);
    });

    it('decides an if: that reads item for each item: rejected items are skipped, the others run', async () => {
      const run = h.engine.startRun(
        template('fan-if', [
          { ...runStep('each', 'out v=${{ item }}'), foreach: '${{ inputs.items }}', maxParallel: 2, if: "${{ item != 'skip' }}" },
          runStep('after', "out all=${{ join(steps.each.outputs.v, ',') }}", { needs: ['each'] }),
        ], { inputs: { properties: { items: { type: 'array', default: ['a', 'skip', 'b', 'skip'] } }, required: [] } }),
      );
      await drain(h.engine);
      assert.deepEqual(statuses(h.engine, run.id), {
        each: 'succeeded',
        'each[0]': 'succeeded',
        'each[1]': 'skipped',
        'each[2]': 'succeeded',
        'each[3]': 'skipped',
        after: 'succeeded',
      });
      assert.deepEqual(h.executor.executed.filter((e) => e.stepId === 'each').map((e) => e.itemKey), ['0', '2']);
      assert.deepEqual(h.engine.getRun(run.id).steps.find((s) => s.stepId === 'after')?.outputs, { all: 'a,,b,' });
      assertRunCountersConsistent(h.engine, run.id);
    });

    it('skips a foreach whose per-item if: rejects every item, and what needs it', async () => {
      const run = h.engine.startRun(
        template('fan-none', [
          { ...runStep('each', 'ok'), foreach: '${{ inputs.items }}', if: '${{ item > 10 }}' },
          runStep('after', 'ok', { needs: ['each'] }),
        ], { inputs: { properties: { items: { type: 'array', default: [1, 2, 3] } }, required: [] } }),
      );
      await drain(h.engine);
      const detail = h.engine.getRun(run.id);
      assert.equal(detail.run.status, 'succeeded');
      assert.equal(statuses(h.engine, run.id).each, 'skipped');
      assert.equal(statuses(h.engine, run.id).after, 'skipped');
      assert.equal(h.executor.executed.length, 0);
      assertRunCountersConsistent(h.engine, run.id);
    });

    it('resuming reruns only the failed items, in item order, still at most max_parallel at once', async () => {
      h.close();
      // Items named `flaky` fail (for good) on their first attempt and succeed on the next.
      const ran: string[] = [];
      let running = 0;
      let peak = 0;
      const flakyOnce: StepExecutor = {
        kind: 'run',
        async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
          ran.push(`${ctx.itemKey}#${ctx.attempt}`);
          peak = Math.max(peak, ++running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running--;
          if (ctx.resolved.run === 'flaky' && ctx.attempt === 1) return { kind: 'failed', error: 'flaky', retryable: false };
          return { kind: 'succeeded', outputs: { key: ctx.itemKey ?? '' } };
        },
      };
      h = createMemoryEngine({ executors: [flakyOnce] });
      const items = ['ok', 'flaky', 'ok', 'flaky', 'ok', 'ok', 'flaky', 'ok'];
      const run = h.engine.startRun(
        template('fan-resume', [{ ...runStep('each', '${{ item }}'), foreach: '${{ inputs.items }}', maxParallel: 2 }], {
          inputs: { properties: { items: { type: 'array', default: items } }, required: [] },
        }),
      );
      await drain(h.engine, { maxConcurrency: 8 });
      assert.equal(h.engine.getRun(run.id).run.status, 'failed');
      assertRunCountersConsistent(h.engine, run.id);
      ran.length = 0;
      h.engine.resumeRun(run.id);
      await drain(h.engine, { maxConcurrency: 8 });
      assert.equal(h.engine.getRun(run.id).run.status, 'succeeded');
      assert.deepEqual(ran, ['1#2', '3#2', '6#2']);
      assert.ok(peak <= 2, `ran ${peak} items at once`);
      assertRunCountersConsistent(h.engine, run.id);
      const each = h.engine.getRun(run.id).steps.find((s) => s.stepId === 'each' && s.itemKey === null);
      assert.deepEqual(each?.outputs?.key, ['0', '1', '2', '3', '4', '5', '6', '7']);
    });
  });
});
