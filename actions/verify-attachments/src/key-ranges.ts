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

/** About how many objects a range should hold: enough that the page each range wastes past its end is noise. */
const objectsPerRange = 20_000;
/** Boundaries are two base-36 characters at most. */
const maxRanges = 36 * 36;

/**
 * How many objects a bucket holds, judged from its first page: ActiveStorage keys are spread evenly over base 36, so
 * the share of the keyspace up to the page's last key is the page's share of the bucket. Keys of another shape only
 * make the estimate, and so the number of ranges, worse, never the listing wrong.
 */
export function estimateObjects(pageObjects: number, lastKey: string): number {
  let share = 0;
  let scale = 1;
  for (const character of lastKey.slice(0, 4)) {
    scale /= 36;
    const digit = base36.indexOf(character);
    if (digit >= 0) {
      share += digit * scale;
      continue;
    }
    // A character ActiveStorage does not write sorts before "0", between "9" and "a", or after "z".
    share += (character < '0' ? 0 : character < 'a' ? 10 : 36) * scale;
    break;
  }
  return Math.ceil(pageObjects / Math.max(share, 1 / 36 ** 4));
}

/**
 * Splits a bucket's keyspace into contiguous ranges, listed concurrently, of about `objectsPerRange` objects each by
 * the estimate: a small bucket is one listing from start to end, 10M objects are hundreds of ranges. Boundaries are
 * evenly spaced in base 36, where ActiveStorage's random keys are; the first and last ranges take in every key that
 * sorts before or after them. A range is listed from a StartAfter rather than as a Prefix, so together they hold every
 * key, whatever it starts with, and a server that walks its keys in order (s3rver) does not walk the whole bucket for
 * each range.
 */
export function planKeyRanges(estimatedObjects: number): KeyRange[] {
  const count = Math.min(maxRanges, Math.max(1, Math.ceil(estimatedObjects / objectsPerRange)));
  const boundaries = [
    ...new Set(
      Array.from({length: count - 1}, (_, index) => {
        const value = Math.floor(((index + 1) * maxRanges) / count);
        return `${base36[Math.floor(value / 36)]}${base36[value % 36]}`.replace(/(.)0$/, '$1');
      }),
    ),
  ];
  return [undefined, ...boundaries].map((from, index) => ({from, before: boundaries[index]}));
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
