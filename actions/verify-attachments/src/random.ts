import {createHash} from 'node:crypto';

/** A seeded source of uniform draws: the same seed always gives the same sequence, on every machine. */
export interface Random {
  /** A uniform float in [0, 1). */
  next(): number;
  /** A uniform whole number in [0, bound), for bounds up to 2^53, without modulo bias. */
  below(bound: number): number;
}

const two32 = 2 ** 32;
const two53 = 2 ** 53;

/**
 * xoshiro128** seeded from the SHA-256 of the seed text. Math.random cannot be seeded, and a run must be
 * repeatable from the seed it prints.
 */
export function seededRandom(seed: string): Random {
  const digest = createHash('sha256').update(seed).digest();
  let s0 = digest.readUInt32LE(0);
  let s1 = digest.readUInt32LE(4);
  let s2 = digest.readUInt32LE(8);
  let s3 = digest.readUInt32LE(12);
  // The all-zero state is the one xoshiro cannot leave; SHA-256 practically never gives it, but it is cheap to rule out.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextUint32 = (): number => {
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotateLeft(s3, 11);
    return result;
  };

  return {
    next: () => nextUint32() / two32,
    below: bound => {
      if (!Number.isSafeInteger(bound) || bound < 1) throw new RangeError(`bound must be a whole number from 1 to 2^53, not ${bound}`);
      if (bound <= two32) {
        const limit = two32 - (two32 % bound);
        for (;;) {
          const draw = nextUint32();
          if (draw < limit) return draw % bound;
        }
      }
      const limit = two53 - (two53 % bound);
      for (;;) {
        const draw = nextUint32() * 2 ** 21 + (nextUint32() >>> 11);
        if (draw < limit) return draw % bound;
      }
    },
  };
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

/** Shuffles in place (Fisher–Yates) and returns the array. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = random.below(index + 1);
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
