import {setTimeout as sleep} from 'node:timers/promises';

/** Time, passed in so that tests of timeouts, backoff and durations need not wait. */
export interface Clock {
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async milliseconds => {
    await sleep(milliseconds);
  },
};
