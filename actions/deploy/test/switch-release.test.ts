import {describe, expect, it} from 'vitest';
import {healthRetryDelay} from '../src/switch-release.js';

describe('healthRetryDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 250],
    [4, 250],
    [30, 250],
  ])('waits after attempt %i: %i ms', (attempt, milliseconds) => {
    expect(healthRetryDelay(attempt)).toBe(milliseconds);
  });
});
