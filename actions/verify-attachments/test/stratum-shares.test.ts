import {describe, expect, it} from 'vitest';
import {allocateShares, type Stratum} from '../src/stratum-shares.js';

const sizes = (entries: Array<[Stratum, number]>) => new Map<Stratum, number>(entries);

describe('allocateShares', () => {
  // prettier-ignore
  it.each([
    [
      'everything, when the strata hold no more than the sample',
      [
        ['a', 3],
        ['b', 2],
      ],
      10,
      [
        ['a', 3],
        ['b', 2],
      ],
    ],
    [
      'half equally, half by size',
      [
        ['circuit_preview', 130_000],
        ['profile_picture', 50_000],
        ['logo', 200],
      ],
      200,
      [
        ['circuit_preview', 106],
        ['logo', 33],
        ['profile_picture', 61],
      ],
    ],
    [
      'a tiny name all it has, the rest to the others',
      [
        ['big', 1_000_000],
        ['tiny', 3],
      ],
      100,
      [
        ['big', 97],
        ['tiny', 3],
      ],
    ],
    [
      'equal strata equally',
      [
        ['a', 500],
        ['b', 500],
        ['c', 500],
        ['d', 500],
      ],
      100,
      [
        ['a', 25],
        ['b', 25],
        ['c', 25],
        ['d', 25],
      ],
    ],
    [
      'remainders to the largest fractions, ties by name',
      [
        ['a', 10],
        ['b', 10],
        ['c', 10],
      ],
      4,
      [
        ['a', 2],
        ['b', 1],
        ['c', 1],
      ],
    ],
    [
      'unattached blobs as a stratum of their own',
      [
        [null, 40],
        ['avatar', 60],
      ],
      10,
      [
        [null, 4],
        ['avatar', 6],
      ],
    ],
    ['one stratum the whole sample', [[null, 10_000]], 200, [[null, 200]]],
    [
      'a sample of one',
      [
        ['a', 10],
        ['b', 90],
      ],
      1,
      [
        ['a', 0],
        ['b', 1],
      ],
    ],
  ] as Array<[string, Array<[Stratum, number]>, number, Array<[Stratum, number]>]>)('gives %s', (_, strata, size, expected) => {
    const shares = allocateShares(sizes(strata), size);
    expect(new Map(shares)).toEqual(new Map(expected));
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBe(
      Math.min(
        size,
        strata.reduce((a, [, n]) => a + n, 0),
      ),
    );
  });

  it('never gives a stratum more than it has, whatever the sizes', () => {
    for (let trial = 0; trial < 200; trial++) {
      const strata = Array.from({length: 1 + (trial % 7)}, (_, index): [Stratum, number] => [`s${index}`, (trial * 7919 + index * 104_729) % 50]);
      const size = 1 + ((trial * 31) % 120);
      const shares = allocateShares(sizes(strata), size);
      for (const [stratum, n] of strata) expect(shares.get(stratum)).toBeLessThanOrEqual(n);
      expect([...shares.values()].reduce((a, b) => a + b, 0)).toBe(
        Math.min(
          size,
          strata.reduce((a, [, n]) => a + n, 0),
        ),
      );
    }
  });
});
