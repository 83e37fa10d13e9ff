import {compareKeys} from './key-order.js';

/** The characters ActiveStorage's random keys are made of (`SecureRandom.base36`), in S3's order. */
const base36 = '0123456789abcdefghijklmnopqrstuvwxyz';
/** After every key that starts with the character before it: the highest code point. */
const highest = String.fromCodePoint(0x10ffff);

/**
 * A slice of a bucket's keyspace, listed on its own. Either every key under `prefix`, or (for keys an app other than
 * ActiveStorage may have written) the keys after `startAfter` and before `before` whose first character is not one
 * of ActiveStorage's.
 */
export type KeyRange = {kind: 'prefix'; prefix: string} | {kind: 'gap'; startAfter: string | undefined; before: string | undefined};

/**
 * Splits a bucket's keyspace so that it can be listed concurrently: ActiveStorage keys are random base-36, so each
 * first character holds about 1/36 of them and is one ListObjectsV2 prefix; the gaps between (upper case, `-`, `_`,
 * anything past `z`) are listed too, so that nothing in the bucket goes unlisted.
 */
export function planKeyRanges(): KeyRange[] {
  const prefixes: KeyRange[] = [...base36].map(prefix => ({kind: 'prefix', prefix}));
  return [
    {kind: 'gap', startAfter: undefined, before: '0'},
    ...prefixes.slice(0, 10),
    {kind: 'gap', startAfter: `9${highest}`, before: 'a'},
    ...prefixes.slice(10),
    {kind: 'gap', startAfter: `z${highest}`, before: undefined},
  ];
}

/**
 * Whether a key a gap's listing returned belongs to it: the listing runs on past `before`, and a key such as "9" + U+10FFFF +
 * "x" sorts after its `startAfter` but is the prefix range's.
 */
export function gapHolds(range: Extract<KeyRange, {kind: 'gap'}>, key: string): 'yes' | 'no' | 'past' {
  if (range.before !== undefined && compareKeys(key, range.before) >= 0) return 'past';
  return base36.includes(key[0] ?? '') ? 'no' : 'yes';
}

/** For log lines and errors. */
export function describeRange(range: KeyRange): string {
  if (range.kind === 'prefix') return `prefix "${range.prefix}"`;
  if (range.startAfter === undefined) return `keys before "${range.before}"`;
  return range.before === undefined ? `keys after "${range.startAfter.slice(0, 1)}…"` : `keys between "${range.startAfter.slice(0, 1)}…" and "${range.before}"`;
}
