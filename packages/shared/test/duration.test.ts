import {describe, expect, it} from 'vitest';
import {formatDuration, parseDuration} from '../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1_500],
    ['0.25m', 15_000],
    ['1.5h', 5_400_000],
    ['90s', 90_000],
    ['0s', 0],
    ['0ms', 0],
    ['0.4ms', 0],
    ['1.6ms', 2],
    ['  30s \n', 30_000],
  ])('reads %j as %i ms', (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds);
  });

  it.each([
    ['the empty string', ''],
    ['a bare number', '30'],
    ['a bare decimal', '1.5'],
    ['a negative duration', '-1s'],
    ['a unit alone', 's'],
    ['days', '2d'],
    ['a space before the unit', '1 m'],
    ['a space between parts', '1m 30s'],
    ['an upper-case unit', '30S'],
    ['an upper-case minute', '2M'],
    ['a spelled-out unit', '30sec'],
    ['a leading decimal point', '.5s'],
    ['a trailing decimal point', '1.s'],
    ['a decimal comma', '1,5s'],
    ['exponent notation', '1e3ms'],
    ['an explicit plus sign', '+1s'],
    ['a trailing bare number', '1m30'],
    ['words', 'thirty seconds'],
  ])('refuses %s', (_case, text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [0.4, '0ms'],
    [1, '1ms'],
    [850, '850ms'],
    [999, '999ms'],
    [999.4, '999ms'],
    [999.6, '1.0s'],
    [1_000, '1.0s'],
    [1_049, '1.0s'],
    [12_345, '12.3s'],
    [59_000, '59.0s'],
    [59_949, '59.9s'],
    [59_999, '1m00s'],
    [60_000, '1m00s'],
    [61_000, '1m01s'],
    [125_000, '2m05s'],
    [599_000, '9m59s'],
    [3_600_000, '60m00s'],
  ])('formats %d ms as %j', (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });

  it.each([
    [850, 850],
    [1_500, 1_500],
    [12_345, 12_300],
    [90_000, 90_000],
    [125_000, 125_000],
  ])('writes %d ms in a form parseDuration reads back as %d ms', (milliseconds, readBack) => {
    expect(parseDuration(formatDuration(milliseconds))).toBe(readBack);
  });
});
