/** Retry policy resolution and backoff delays (pure). */
import type { RetryPolicy, StepDefinition, TemplateDefinition } from '../template/types';

/** No retry: one attempt. */
export const NO_RETRY: RetryPolicy = { max: 1, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000 };

/** Share of a delay that jitter may take away (delays land in [80 %, 100 %] of the computed value). */
export const JITTER_RATIO = 0.2;

/** The step's retry policy, else the template default, else a single attempt. */
export function retryPolicyFor(step: StepDefinition, template: TemplateDefinition): RetryPolicy {
  return step.retry ?? template.defaults.retry ?? NO_RETRY;
}

/**
 * Delay before the next attempt after `failedAttempts` failures (1 = the first attempt failed):
 * `delay * 2^(n-1)` (exponential) or `delay` (fixed), capped at `maxDelayMs`, minus up to
 * JITTER_RATIO of it so retries of many steps do not fire in lockstep. Never above the cap.
 */
export function computeRetryDelay(policy: RetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const base = policy.backoff === 'fixed' ? policy.delayMs : policy.delayMs * 2 ** Math.min(exponent, 52);
  const capped = Math.min(base, policy.maxDelayMs);
  const jitter = capped * JITTER_RATIO * Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(capped - jitter));
}

/** True when another attempt is allowed after `failedAttempts` failures. */
export function shouldRetry(policy: RetryPolicy, failedAttempts: number, retryable: boolean): boolean {
  return retryable && failedAttempts < policy.max;
}
