import {describe, expect, it} from 'vitest';
import {countOf} from '../src/count.js';

describe('countOf', () => {
  it.each([
    [0, 'object', undefined, '0 objects'],
    [1, 'object', undefined, '1 object'],
    [2, 'object carries', 'objects carry', '2 objects carry'],
    [1, 'object carries', 'objects carry', '1 object carries'],
  ])('says %d with %s', (count, singular, plural, words) => {
    expect(countOf(count, singular, plural)).toBe(words);
  });
});
