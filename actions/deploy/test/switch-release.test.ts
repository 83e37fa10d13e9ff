import {describe, expect, it} from 'vitest';
import {describeExit, healthRetryDelay} from '../src/switch-release.js';

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

describe('describeExit', () => {
  const state = {status: 'exited', health: undefined, exitCode: 1, restartCount: 0, oomKilled: false, memoryLimit: 0};
  it.each([
    ['an exit', state, 'exited (status exited, exit code 1)'],
    ['a restart seen running again', {...state, status: 'running', exitCode: 0, restartCount: 2}, 'exited, and Docker restarted it 2 times (now running)'],
    [
      'an OOM kill at the limit',
      {...state, status: 'restarting', exitCode: 137, oomKilled: true, memoryLimit: 256 * 1024 ** 2, restartCount: 1},
      'was killed for running out of memory: it reached its memory limit of 256 MiB (OOMKilled, exit code 137; Docker restarted it 1 time); raise its memory or find what it allocates at boot',
    ],
    [
      'an OOM kill with no limit',
      {...state, exitCode: 137, oomKilled: true},
      'was killed for running out of memory: it reached the memory the host had, with no limit set (OOMKilled, exit code 137); raise its memory or find what it allocates at boot',
    ],
  ])('says %s', (_, container, words) => {
    expect(describeExit(container)).toBe(words);
  });
});
