import type {Clock} from '@circuitverse/shared';
import {StoreError} from './object-store.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
}

/** Six tries over up to about six seconds: rides out S3's SlowDown bursts without stalling a run on a dead store. */
export const storeRetryPolicy: RetryPolicy = {attempts: 6, baseMs: 200, capMs: 3200};

export type Attempted<T> = {ok: true; value: T; attempts: number} | {ok: false; error: StoreError; attempts: number};

/**
 * "Full jitter" backoff: a uniform delay below an exponentially growing ceiling, so clients throttled together do not
 * come back together. `retry` counts from 1.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, jitter: number): number {
  return Math.floor(jitter * Math.min(policy.capMs, policy.baseMs * 2 ** (retry - 1)));
}

/** Runs an operation until it succeeds, fails for good, or runs out of tries; only transient store errors are retried. */
export async function withRetries<T>(operation: () => Promise<T>, options: {policy: RetryPolicy; clock: Clock; jitter?: () => number}): Promise<Attempted<T>> {
  const jitter = options.jitter ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return {ok: true, value: await operation(), attempts: attempt};
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      if (!error.transient || attempt >= options.policy.attempts) return {ok: false, error, attempts: attempt};
      await options.clock.sleep(backoffDelay(attempt, options.policy, jitter()));
    }
  }
}
