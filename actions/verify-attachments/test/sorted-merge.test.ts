import {existsSync} from 'node:fs';
import {readdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {describe, expect, it} from 'vitest';
import {compareKeys} from '../src/key-order.js';
import {mergeSorted, UnsortedStreamError} from '../src/sorted-merge.js';
import {sortBySpilling} from '../src/spill-sort.js';

async function* streamOf<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const merge = (left: string[], right: string[]) =>
  collect(mergeSorted({items: streamOf(left), keyOf: key => key, name: 'left'}, {items: streamOf(right), keyOf: key => key, name: 'right'}));

describe('compareKeys', () => {
  it.each([
    ['a', 'b', -1],
    ['a', 'a', 0],
    ['a', 'ab', -1],
    ['Z', 'a', -1],
    ['variants/', 'variantsa', -1],
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 …), though its UTF-16 unit is higher.
    ['\uff5e', '😀', -1],
    ['a😀', 'a\uffff', 1],
  ])('orders %j against %j as S3 does', (a, b, sign) => {
    expect(Math.sign(compareKeys(a, b))).toBe(sign);
    expect(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))).toBe(sign);
  });
});

describe('mergeSorted', () => {
  it.each([
    [[], [], []],
    [['a'], [], [['a', 'a', undefined]]],
    [[], ['a'], [['a', undefined, 'a']]],
    [
      ['a', 'c', 'd'],
      ['b', 'c', 'e'],
      [
        ['a', 'a', undefined],
        ['b', undefined, 'b'],
        ['c', 'c', 'c'],
        ['d', 'd', undefined],
        ['e', undefined, 'e'],
      ],
    ],
    [
      ['A', 'a'],
      ['Z', 'a', 'é'],
      [
        ['A', 'A', undefined],
        ['Z', undefined, 'Z'],
        ['a', 'a', 'a'],
        ['é', undefined, 'é'],
      ],
    ],
  ])('merges %j with %j', async (left, right, expected) => {
    expect((await merge(left, right)).map(pair => [pair.key, pair.left, pair.right])).toEqual(expected);
  });

  it.each([
    [['b', 'a'], [], 'left', 'a', 'b'],
    [['a'], ['c', 'c'], 'right', 'c', 'c'],
  ])('refuses a side out of order or repeating a key: %j, %j', async (left, right, side, key, previous) => {
    const error = await merge(left, right).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsortedStreamError);
    expect(error).toMatchObject({side, key, previous});
  });

  it('closes both streams when the merge stops early', async () => {
    const closed: string[] = [];
    async function* closing(name: string, keys: string[]) {
      try {
        yield* keys;
      } finally {
        closed.push(name);
      }
    }
    for await (const pair of mergeSorted(
      {items: closing('left', ['a', 'b']), keyOf: key => key, name: 'left'},
      {items: closing('right', ['a']), keyOf: key => key, name: 'right'},
    )) {
      expect(pair.key).toBe('a');
      break;
    }
    expect(closed.sort()).toEqual(['left', 'right']);
  });
});

describe('sortBySpilling', () => {
  it.each([
    [0, 3],
    [1, 3],
    [10, 3],
    [1000, 7],
    [1000, 5000],
  ])('sorts %i items spilled in chunks of %i, and removes its files', async (count, chunkItems) => {
    const keys = Array.from({length: count}, (_, index) => `${((index * 7919) % 1009).toString(36)}/${index}`);
    const before = await readdir(tmpdir());
    const sorted = await collect(sortBySpilling(streamOf(keys.map(key => ({key}))), item => item.key, {chunkItems, directory: tmpdir()}));
    expect(sorted.map(item => item.key)).toEqual([...keys].sort(compareKeys));
    const left = (await readdir(tmpdir())).filter(name => name.startsWith('verify-attachments-sort-') && !before.includes(name));
    expect(left).toEqual([]);
  });

  it('removes its files when the reader stops early', async () => {
    let directory = '';
    const sorted = sortBySpilling(streamOf(['c', 'b', 'a', 'd'].map(key => ({key}))), item => item.key, {chunkItems: 2, directory: tmpdir()});
    for await (const item of sorted) {
      directory = (await readdir(tmpdir())).find(name => name.startsWith('verify-attachments-sort-')) ?? '';
      expect(item.key).toBe('a');
      break;
    }
    expect(directory).not.toBe('');
    expect(existsSync(`${tmpdir()}/${directory}`)).toBe(false);
  });
});
