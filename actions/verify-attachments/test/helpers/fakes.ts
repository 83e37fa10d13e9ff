import type {Clock, Logger} from '@circuitverse/shared';
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

/** A store whose every method throws unless given: a test states exactly what it relies on. */
export function stubStore(methods: Partial<ObjectStore> = {}): ObjectStore {
  const missing = (name: string) => () => {
    throw new Error(`ObjectStore.${name} not stubbed`);
  };
  return {
    checkBucket: methods.checkBucket ?? missing('checkBucket'),
    head: methods.head ?? missing('head'),
    hash: methods.hash ?? missing('hash'),
    close: methods.close ?? (() => {}),
  };
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
