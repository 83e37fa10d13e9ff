import type {Clock, Logger} from '@circuitverse/shared';
import {stub} from '@circuitverse/testkit';
import type {ObjectStore} from '../../src/object-store.js';

/** A clock whose sleeps return at once and are recorded. */
export function fakeClock(): Clock & {slept: number[]} {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async milliseconds => {
      slept.push(milliseconds);
      now += milliseconds;
    },
  };
}

/** A store whose every method throws unless given (but close, which every run calls): a test states what it relies on. */
export function stubStore(methods: Partial<ObjectStore> = {}): ObjectStore {
  return stub<ObjectStore>('ObjectStore', {close: () => {}, ...methods});
}

/** A logger that keeps what it is told. */
export function recordingLogger(): Logger & {lines: string[]; summaries: string[]} {
  const lines: string[] = [];
  const summaries: string[] = [];
  return {
    lines,
    summaries,
    info: message => lines.push(message),
    untrusted: text => lines.push(`untrusted: ${text}`),
    debug: () => {},
    warning: message => lines.push(`warning: ${message}`),
    error: message => lines.push(`error: ${message}`),
    group: (title, phase) => {
      lines.push(`▸ ${title}`);
      return phase();
    },
    mask: () => {},
    summary: async markdown => {
      summaries.push(markdown);
    },
  };
}
