import {describe, expect, it} from 'vitest';
import {formatBytes} from '../src/bytes.js';

describe('formatBytes', () => {
  const mib = 1024 ** 2;
  it.each([
    [100, '100 B'],
    [1536, '1.5 KiB'],
    [6 * mib, '6 MiB'],
    [512 * mib, '512 MiB'],
    [1536 * mib, '1.5 GiB'],
    [1.25 * 1024 * mib, '1.25 GiB'],
    [2 * 1024 ** 4, '2 TiB'],
  ])('shows memory of %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes, 'binary')).toBe(text);
  });

  it.each([
    [512, '512 B'],
    [2_048_576, '2.05 MB'],
    [1_234_567_890, '1.23 GB'],
  ])('shows an image of %d bytes as %s, as Docker does', (bytes, text) => {
    expect(formatBytes(bytes, 'decimal')).toBe(text);
  });
});
