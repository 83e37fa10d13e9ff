import {compareKeys} from './key-order.js';

/** The characters ActiveStorage's random keys are made of (`SecureRandom.base36`), in S3's order. */
const base36 = '0123456789abcdefghijklmnopqrstuvwxyz';
/** After every key that starts with the character before it. */
const highest = String.fromCodePoint(0x10ffff);

/** The keys from `from` (inclusive, `undefined`: the first) to `before` (exclusive, `undefined`: the last). */
export interface KeyRange {
  from: string | undefined;
  before: string | undefined;
}

/**
 * Splits a bucket's keyspace into contiguous ranges that are listed concurrently, one per first character of
 * ActiveStorage's random base-36 keys (about 1/36 of them each); the first and the ninth take in the keys between
 * (`-`, upper case, `_`), the last everything past `z`. A range is listed from StartAfter rather than as a Prefix:
 * together they hold every key, whatever it starts with, and a server that walks its keys in order (s3rver) does not
 * walk the whole bucket for each range.
 */
export function planKeyRanges(): KeyRange[] {
  return [...base36].map((character, index) => ({from: index === 0 ? undefined : character, before: base36[index + 1]}));
}

/** ListObjectsV2's StartAfter for a range: a key before `from` and after every key before it. */
export function startAfterOf(range: KeyRange): string | undefined {
  if (range.from === undefined) return undefined;
  const last = range.from.codePointAt(range.from.length - 1) as number;
  return `${range.from.slice(0, -1)}${String.fromCodePoint(last - 1)}${highest}`;
}

/**
 * Where a key the range's listing returned stands: the listing runs on past `before`, and keys between StartAfter
 * and `from` (such as "9" + U+10FFFF + "x") are the range before's.
 */
export function placeInRange(range: KeyRange, key: string): 'before' | 'in' | 'past' {
  if (range.before !== undefined && compareKeys(key, range.before) >= 0) return 'past';
  if (range.from !== undefined && compareKeys(key, range.from) < 0) return 'before';
  return 'in';
}

/** For log lines and errors. */
export function describeRange(range: KeyRange): string {
  if (range.from === undefined) return `keys before "${range.before}"`;
  return range.before === undefined ? `keys from "${range.from}"` : `keys from "${range.from}" before "${range.before}"`;
}
