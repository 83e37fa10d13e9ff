import {describe, expect, it} from 'vitest';
import {seededRandom, shuffle} from '../src/random.js';

describe('seededRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = seededRandom('42');
    const b = seededRandom('42');
    const c = seededRandom('43');
    const sequence = (random: ReturnType<typeof seededRandom>) => Array.from({length: 20}, () => random.below(1_000_000));
    expect(sequence(a)).toEqual(sequence(b));
    expect(sequence(seededRandom('42'))).not.toEqual(sequence(c));
  });

  it.each([1, 2, 7, 1000, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1])('draws within [0, %d)', bound => {
    const random = seededRandom(`bound ${bound}`);
    for (let index = 0; index < 2000; index++) {
      const value = random.below(bound);
      expect(Number.isSafeInteger(value) && value >= 0 && value < bound).toBe(true);
    }
  });

  it('spreads draws evenly (chi-square over 10 cells well under its 99.9% point, 27.9)', () => {
    const random = seededRandom('uniform');
    const cells = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let index = 0; index < draws; index++) {
      const cell = random.below(10);
      cells[cell] = (cells[cell] ?? 0) + 1;
    }
    const expected = draws / 10;
    const chiSquare = cells.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(27.9);
  });

  it('refuses a bound it cannot draw from', () => {
    expect(() => seededRandom('x').below(0)).toThrow(RangeError);
    expect(() => seededRandom('x').below(2 ** 53 + 2)).toThrow(RangeError);
  });

  it('shuffles the same way for the same seed, keeping every item', () => {
    const items = Array.from({length: 50}, (_, index) => index);
    const once = shuffle([...items], seededRandom('s'));
    expect(shuffle([...items], seededRandom('s'))).toEqual(once);
    expect(once).not.toEqual(items);
    expect([...once].sort((a, b) => a - b)).toEqual(items);
  });
});
