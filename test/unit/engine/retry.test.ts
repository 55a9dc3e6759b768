import assert from 'node:assert/strict';
import { JITTER_RATIO, computeRetryDelay, shouldRetry } from '../../../src/core/engine';
import type { RetryPolicy } from '../../../src/core/template/types';

const exponential: RetryPolicy = { max: 5, backoff: 'exponential', delayMs: 1000, maxDelayMs: 5000 };

describe('retry delays', () => {
  it('doubles the delay per failed attempt without jitter at random()=0', () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => computeRetryDelay(exponential, n, () => 0)),
      [1000, 2000, 4000],
    );
  });

  it('caps exponential delays at maxDelayMs', () => {
    assert.equal(computeRetryDelay(exponential, 4, () => 0), 5000);
    assert.equal(computeRetryDelay(exponential, 60, () => 0), 5000);
  });

  it('keeps fixed backoff constant', () => {
    const fixed: RetryPolicy = { ...exponential, backoff: 'fixed', delayMs: 700 };
    assert.deepEqual([1, 2, 5].map((n) => computeRetryDelay(fixed, n, () => 0)), [700, 700, 700]);
  });

  it('jitter only shortens a delay, by at most the jitter ratio, never past the cap', () => {
    for (const r of [0, 0.25, 0.5, 0.999, 1]) {
      const delay = computeRetryDelay(exponential, 4, () => r);
      assert.ok(delay <= 5000, `delay ${delay} above cap`);
      assert.ok(delay >= 5000 * (1 - JITTER_RATIO) - 1, `delay ${delay} below jitter floor`);
    }
    assert.equal(computeRetryDelay(exponential, 1, () => 1), 1000 * (1 - JITTER_RATIO));
  });

  it('allows another attempt only while failures < max and the error is retryable', () => {
    assert.equal(shouldRetry({ ...exponential, max: 3 }, 2, true), true);
    assert.equal(shouldRetry({ ...exponential, max: 3 }, 3, true), false);
    assert.equal(shouldRetry({ ...exponential, max: 3 }, 1, false), false);
  });
});
