import {describe, expect, it} from 'vitest';
import {StoreError} from '../src/object-store.js';
import {backoffDelay, type RetryPolicy, withRetries} from '../src/retry.js';
import {fakeClock} from './helpers/fakes.js';

const policy: RetryPolicy = {attempts: 4, baseMs: 100, capMs: 300};

describe('backoffDelay', () => {
  // prettier-ignore
  it.each([
    [1, 0.999, 99],
    [2, 0.999, 199],
    [3, 0.999, 299],
    [9, 0.999, 299],
    [2, 0.5, 100],
    [3, 0, 0],
  ])('retry %d with jitter %f waits %dms (full jitter under a capped exponential)', (retry, jitter, delay) => {
    expect(backoffDelay(retry, policy, jitter)).toBe(delay);
  });
});

describe('withRetries', () => {
  const slowDown = () => new StoreError('HEAD: 503 SlowDown', true, 503);

  it('retries transient errors with backoff and reports the tries', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw slowDown();
        return 'found';
      },
      {policy, clock, jitter: () => 0.5},
    );
    expect(result).toEqual({ok: true, value: 'found', attempts: 3});
    expect(clock.slept).toEqual([50, 100]);
  });

  it('gives up after the last try with the last error', async () => {
    const clock = fakeClock();
    const result = await withRetries(
      async () => {
        throw slowDown();
      },
      {policy, clock, jitter: () => 1},
    );
    expect(result).toMatchObject({ok: false, attempts: 4, error: {message: 'HEAD: 503 SlowDown'}});
    expect(clock.slept).toEqual([100, 200, 300]);
  });

  it('does not retry what will not change, such as a 403', async () => {
    const clock = fakeClock();
    const result = await withRetries(
      async () => {
        throw new StoreError('HEAD: 403 Forbidden', false, 403);
      },
      {policy, clock},
    );
    expect(result).toMatchObject({ok: false, attempts: 1});
    expect(clock.slept).toEqual([]);
  });

  it('lets a bug through rather than calling it a store failure', async () => {
    await expect(withRetries(async () => JSON.parse('{'), {policy, clock: fakeClock()})).rejects.toThrow(SyntaxError);
  });
});
