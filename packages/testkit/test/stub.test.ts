import {describe, expect, it} from 'vitest';
import {stub} from '../src/stub.js';

interface Store {
  read(key: string): string;
  write(key: string, value: string): void;
}

describe('stub', () => {
  it('answers with the members it was given', () => {
    expect(stub<Store>('store', {read: (key: string) => `value of ${key}`}).read('a')).toBe('value of a');
  });

  it('throws on a call it was not given, naming it', () => {
    expect(() => stub<Store>('store', {}).write('a', 'b')).toThrow('store.write was not expected to be called');
  });

  it('can be awaited as a value, not taken for a promise', async () => {
    const store = stub<Store>('store', {});
    expect(await Promise.resolve(store)).toBe(store);
  });
});
