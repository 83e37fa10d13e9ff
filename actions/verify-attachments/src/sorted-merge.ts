import {compareKeys} from './key-order.js';

/** One key of a merge of two sorted streams, with what each side holds for it. */
export interface MergedPair<L, R> {
  key: string;
  left: L | undefined;
  right: R | undefined;
}

/** A stream that was promised in key order and is not: merging it would report wrong findings. */
export class UnsortedStreamError extends Error {
  override readonly name = 'UnsortedStreamError';

  constructor(
    readonly side: string,
    readonly previous: string,
    readonly key: string,
  ) {
    super(`${side} is not in key order: "${key}" came after "${previous}"`);
  }
}

async function* checkedOrder<T>(items: AsyncIterable<T>, keyOf: (item: T) => string, side: string): AsyncGenerator<T> {
  let previous: string | undefined;
  for await (const item of items) {
    const key = keyOf(item);
    if (previous !== undefined && compareKeys(previous, key) >= 0) throw new UnsortedStreamError(side, previous, key);
    previous = key;
    yield item;
  }
}

/**
 * Merge-joins two streams sorted by key (S3's order, see `compareKeys`), each key at most once per side: yields every
 * key of either side, once, with both sides' items. Memory is one item per side, whatever the streams' length.
 */
export async function* mergeSorted<L, R>(
  left: {items: AsyncIterable<L>; keyOf: (item: L) => string; name: string},
  right: {items: AsyncIterable<R>; keyOf: (item: R) => string; name: string},
): AsyncGenerator<MergedPair<L, R>> {
  const lefts = checkedOrder(left.items, left.keyOf, left.name);
  const rights = checkedOrder(right.items, right.keyOf, right.name);
  try {
    yield* mergeChecked(lefts, rights, left.keyOf, right.keyOf);
  } finally {
    // Closing them ends what they hold open: a database cursor, the spill files.
    await Promise.all([lefts.return(undefined), rights.return(undefined)]);
  }
}

async function* mergeChecked<L, R>(
  lefts: AsyncGenerator<L>,
  rights: AsyncGenerator<R>,
  leftKey: (item: L) => string,
  rightKey: (item: R) => string,
): AsyncGenerator<MergedPair<L, R>> {
  let l = await lefts.next();
  let r = await rights.next();
  while (!l.done || !r.done) {
    const order = l.done ? 1 : r.done ? -1 : compareKeys(leftKey(l.value), rightKey(r.value));
    if (order < 0 && !l.done) {
      yield {key: leftKey(l.value), left: l.value, right: undefined};
      l = await lefts.next();
    } else if (order > 0 && !r.done) {
      yield {key: rightKey(r.value), left: undefined, right: r.value};
      r = await rights.next();
    } else if (!l.done && !r.done) {
      yield {key: leftKey(l.value), left: l.value, right: r.value};
      l = await lefts.next();
      r = await rights.next();
    }
  }
}
