import {describe, expect, it} from 'vitest';
import {ConfigError} from '../src/errors.js';
import {type Environment, InputReader, inputVariableName} from '../src/inputs.js';

/** A reader over one input, set the way the runner sets it. */
function readerWith(name: string, value: string | undefined): InputReader {
  const environment: Environment = {};
  if (value !== undefined) environment[inputVariableName(name)] = value;
  return new InputReader(environment);
}

/** Runs `read`, which must throw a ConfigError, and returns it. */
function configErrorFrom(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

/** The error names the input, both as a field and in its message, and its message carries the fix. */
function expectConfigError(read: () => unknown, input: string, fix: string): ConfigError {
  const error = configErrorFrom(read);
  expect(error.input).toBe(input);
  expect(error.message).toContain(`Input "${input}"`);
  expect(error.fix).toContain(fix);
  expect(error.message).toContain(fix);
  return error;
}

describe('inputVariableName', () => {
  it.each([
    ['image', 'INPUT_IMAGE'],
    ['build-args', 'INPUT_BUILD-ARGS'],
    ['registry password', 'INPUT_REGISTRY_PASSWORD'],
    ['two  spaces', 'INPUT_TWO__SPACES'],
    ['Mixed-Case name', 'INPUT_MIXED-CASE_NAME'],
    ['under_score', 'INPUT_UNDER_SCORE'],
  ])('maps %j to %j', (name, variable) => {
    expect(inputVariableName(name)).toBe(variable);
  });
});

describe('InputReader.optional', () => {
  it.each([
    ['a plain value', 'value', 'value'],
    ['surrounding spaces and newlines', '  value \n', 'value'],
    ['inner spaces', ' two words ', 'two words'],
    ['inner newlines', '\nfirst\nsecond\n', 'first\nsecond'],
  ])('trims %s', (_case, raw, expected) => {
    expect(readerWith('context', raw).optional('context')).toBe(expected);
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
    ['blank', ' \n\t \r\n'],
  ])('is undefined when the input is %s', (_case, raw) => {
    expect(readerWith('context', raw).optional('context')).toBeUndefined();
  });

  it('reads a hyphenated input from its hyphenated variable', () => {
    expect(new InputReader({'INPUT_BUILD-ARGS': 'A=1'}).optional('build-args')).toBe('A=1');
  });

  it('reads an input with a space from its underscored variable', () => {
    expect(new InputReader({INPUT_SSH_USER: 'deploy'}).optional('ssh user')).toBe('deploy');
  });

  it('does not read a lower-case variable', () => {
    expect(new InputReader({input_image: 'app'}).optional('image')).toBeUndefined();
  });
});

describe('InputReader.required', () => {
  it('returns the trimmed value', () => {
    expect(readerWith('image', '  ghcr.io/circuitverse/app \n').required('image', 'an image')).toBe('ghcr.io/circuitverse/app');
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
    ['blank', '  \n '],
  ])('refuses an input that is %s, saying what to set it to', (_case, raw) => {
    const error = expectConfigError(() => readerWith('image', raw).required('image', 'the image repository'), 'image', 'Set it to the image repository.');
    expect(error.message).toBe('Input "image" is required. Set it to the image repository.');
  });
});

describe('InputReader.boolean', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    [' true\n', true],
  ])('reads %j as %s', (raw, expected) => {
    expect(readerWith('push', raw).boolean('push', !expected)).toBe(expected);
  });

  it.each([true, false])('falls back to %s when unset', fallback => {
    expect(readerWith('push', undefined).boolean('push', fallback)).toBe(fallback);
  });

  it.each([true, false])('falls back to %s when blank', fallback => {
    expect(readerWith('push', '  ').boolean('push', fallback)).toBe(fallback);
  });

  it.each(['yes', 'no', 'y', 'n', '1', '0', 'on', 'off', 'tRUE', 'fALSE', 'truE', 'true false', '"true"', 't'])('refuses %j', raw => {
    const error = expectConfigError(() => readerWith('push', raw).boolean('push', true), 'push', 'Write push: true or push: false.');
    expect(error.message).toContain(`not "${raw}"`);
  });
});

describe('InputReader.list', () => {
  it.each([
    ['comma-separated', 'a,b,c', ['a', 'b', 'c']],
    ['newline-separated', 'a\nb\nc', ['a', 'b', 'c']],
    ['mixed separators', 'a,b\nc', ['a', 'b', 'c']],
    ['padded items', '  a ,  b  \n   c  ', ['a', 'b', 'c']],
    ['blank items', 'a,,b\n\n , \nc,', ['a', 'b', 'c']],
    ['CRLF lines', 'a\r\nb\r\nc\r\n', ['a', 'b', 'c']],
    ['one item', 'ghcr.io/a/b:cache', ['ghcr.io/a/b:cache']],
    ['items with inner spaces', 'one item, another item', ['one item', 'another item']],
    ['separators only', ' , \n ,', []],
  ])('splits %s', (_case, raw, expected) => {
    expect(readerWith('tags', raw).list('tags')).toEqual(expected);
  });

  it.each([
    ['unset', undefined],
    ['blank', '  \n'],
  ])('is empty when %s', (_case, raw) => {
    expect(readerWith('tags', raw).list('tags')).toEqual([]);
  });
});

describe('InputReader.duration', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['0s', 0],
    [' 45s \n', 45_000],
  ])('reads %j as %i ms', (raw, expected) => {
    expect(readerWith('health-timeout', raw).duration('health-timeout', '60s')).toBe(expected);
  });

  it.each([
    ['unset', undefined],
    ['blank', ' '],
  ])('uses the fallback when %s', (_case, raw) => {
    expect(readerWith('health-timeout', raw).duration('health-timeout', '1m')).toBe(60_000);
  });

  it.each(['30', '-1s', 's', '2d', '1 m', '1m 30s', 'ten seconds', '1S', '30sec', '.5s', '1e3ms'])('refuses %j', raw => {
    const error = expectConfigError(
      () => readerWith('health-timeout', raw).duration('health-timeout', '60s'),
      'health-timeout',
      'Write a number with a unit, such as 500ms, 30s, 2m or 1h.',
    );
    expect(error.message).toContain(`("${raw}")`);
  });
});

describe('InputReader.integer', () => {
  const port = {min: 1, max: 65535};

  it.each([
    ['1', port, 1],
    ['65535', port, 65535],
    ['3000', port, 3000],
    [' 22 \n', port, 22],
    ['08', port, 8],
    ['0010', port, 10],
    ['-5', {min: -10, max: 10}, -5],
    ['0', {min: 0, max: Number.MAX_SAFE_INTEGER}, 0],
    ['9007199254740991', {min: 0, max: Number.MAX_SAFE_INTEGER}, Number.MAX_SAFE_INTEGER],
  ])('reads %j within %j as %i', (raw, bounds, expected) => {
    expect(readerWith('app-port', raw).integer('app-port', 3000, bounds)).toBe(expected);
  });

  it.each([
    ['unset', undefined],
    ['blank', ' \n'],
  ])('uses the fallback when %s', (_case, raw) => {
    expect(readerWith('app-port', raw).integer('app-port', 3000, port)).toBe(3000);
  });

  it.each([
    ['below the minimum', '0', port],
    ['negative', '-1', port],
    ['above the maximum', '65536', port],
    ['a word', 'abc', port],
    ['a float', '1.5', port],
    ['a float with a zero fraction', '80.0', port],
    ['exponent notation', '1e3', port],
    ['hexadecimal', '0x10', port],
    ['an explicit plus sign', '+80', port],
    ['digit separators', '8_080', port],
    ['two numbers', '80 443', port],
    ['non-ASCII digits', '٨٠', port],
    ['Infinity', 'Infinity', port],
    ['NaN', 'NaN', port],
    ['beyond the safe integers', '9007199254740993', {min: 0, max: Number.MAX_SAFE_INTEGER}],
    ['a huge number', '99999999999999999999999999', {min: 0, max: Number.MAX_SAFE_INTEGER}],
  ])('refuses %s', (_case, raw, bounds) => {
    const error = expectConfigError(() => readerWith('app-port', raw).integer('app-port', 3000, bounds), 'app-port', 'Set app-port within that range.');
    expect(error.message).toContain(`must be a whole number from ${bounds.min} to ${bounds.max}, not "${raw}"`);
  });
});

describe('InputReader.choice', () => {
  const strategies = ['rolling', 'all-at-once'] as const;

  it.each([
    ['rolling', 'rolling'],
    ['all-at-once', 'all-at-once'],
    ['  all-at-once\n', 'all-at-once'],
  ])('reads %j as %j', (raw, expected) => {
    expect(readerWith('strategy', raw).choice('strategy', strategies, 'rolling')).toBe(expected);
  });

  it.each([
    ['unset', undefined],
    ['blank', ' '],
  ])('uses the fallback when %s', (_case, raw) => {
    expect(readerWith('strategy', raw).choice('strategy', strategies, 'all-at-once')).toBe('all-at-once');
  });

  it.each(['Rolling', 'ROLLING', 'blue-green', 'rolling,all-at-once', 'roll'])('refuses %j, listing the choices', raw => {
    const error = expectConfigError(() => readerWith('strategy', raw).choice('strategy', strategies, 'rolling'), 'strategy', 'Set strategy to one of those.');
    expect(error.message).toContain(`must be one of rolling, all-at-once, not "${raw}"`);
  });
});

describe('InputReader.keyValues', () => {
  it.each([
    ['one pair', 'A=1', [['A', '1']]],
    [
      'pairs in order',
      'B=2\nA=1\nC=3',
      [
        ['B', '2'],
        ['A', '1'],
        ['C', '3'],
      ],
    ],
    ['a value holding "="', 'DATABASE_URL=postgres://u:p@db/app?sslmode=require&x=1', [['DATABASE_URL', 'postgres://u:p@db/app?sslmode=require&x=1']]],
    ['a value starting with "="', 'A==b', [['A', '=b']]],
    ['a value holding commas', 'HOSTS=a,b,c', [['HOSTS', 'a,b,c']]],
    ['a value holding "#"', 'COLOR=#ff0000', [['COLOR', '#ff0000']]],
    ['an empty value', 'EMPTY=', [['EMPTY', '']]],
    ['padding around key and value', '  KEY  =  some value  ', [['KEY', 'some value']]],
    [
      'comment lines',
      '# a comment\nA=1\n  # an indented comment\nB=2',
      [
        ['A', '1'],
        ['B', '2'],
      ],
    ],
    [
      'blank lines',
      '\n\nA=1\n\n   \nB=2\n\n',
      [
        ['A', '1'],
        ['B', '2'],
      ],
    ],
    [
      'CRLF lines',
      'A=1\r\nB=2\r\n',
      [
        ['A', '1'],
        ['B', '2'],
      ],
    ],
    [
      'keys with underscores and digits',
      '_PRIVATE=1\nV2_NAME=2',
      [
        ['_PRIVATE', '1'],
        ['V2_NAME', '2'],
      ],
    ],
  ])('reads %s', (_case, raw, expected) => {
    expect([...readerWith('env', raw).keyValues('env')]).toEqual(expected);
  });

  it.each([
    ['unset', undefined],
    ['blank', '  \n '],
    ['only comments', '# nothing\n# here'],
  ])('is empty when %s', (_case, raw) => {
    expect(readerWith('env', raw).keyValues('env').size).toBe(0);
  });

  it.each([
    ['a word', 'JUSTTEXT', 1],
    ['a colon pair', 'KEY: value', 1],
    ['a second line', 'A=1\nNOT_A_PAIR', 2],
    ['a line after comments and blanks', '# comment\n\nA=1\nNOT_A_PAIR', 4],
    ['a line after leading blank lines', '\n\nNOT_A_PAIR', 3],
    ['a CRLF line', 'A=1\r\nNOT_A_PAIR\r\n', 2],
  ])('refuses %s without "=", quoting it by line number', (_case, raw, lineNumber) => {
    const error = expectConfigError(() => readerWith('env', raw).keyValues('env'), 'env', 'Write one KEY=VALUE pair per line.');
    const line = raw.split(/\r?\n/)[lineNumber - 1]?.trim();
    expect(error.message).toContain(`line ${lineNumber} is not KEY=VALUE ("${line}")`);
  });

  it.each([
    ['a leading digit', '1A=x', '1A'],
    ['a hyphen', 'MY-VAR=x', 'MY-VAR'],
    ['a space', 'export A=x', 'export A'],
    ['a dot', 'a.b=x', 'a.b'],
    ['no key at all', '=value', ''],
    ['a non-ASCII letter', 'ÄPFEL=x', 'ÄPFEL'],
  ])('refuses a key with %s under the environment-key rule', (_case, raw, key) => {
    const error = expectConfigError(() => readerWith('env', raw).keyValues('env'), 'env', 'A key is a letter or _ followed by letters, digits or _.');
    expect(error.message).toContain(`line 1 has an invalid key "${key}"`);
  });

  const labelKey = {pattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/, description: 'letters, digits, ".", "_", "/" or "-", such as org.example.team'};

  it('accepts keys that a custom key rule allows', () => {
    const labels = readerWith('labels', 'org.opencontainers.image.source=https://github.com/x/y\nteam/owner=web').keyValues('labels', {key: labelKey});
    expect([...labels]).toEqual([
      ['org.opencontainers.image.source', 'https://github.com/x/y'],
      ['team/owner', 'web'],
    ]);
  });

  it.each([
    ['a space', 'org example=x', 'org example'],
    ['a leading dot', '.hidden=x', '.hidden'],
  ])('refuses a key with %s under a custom key rule, describing that rule', (_case, raw, key) => {
    const error = expectConfigError(() => readerWith('labels', raw).keyValues('labels', {key: labelKey}), 'labels', `A key is ${labelKey.description}.`);
    expect(error.message).toContain(`invalid key "${key}"`);
  });

  it.each([
    ['repeated as written', 'A=1\nA=2'],
    ['repeated with different padding', 'A=1\n  A = 2'],
    ['repeated with the same value', 'A=1\nB=2\nA=1'],
  ])('refuses a key %s', (_case, raw) => {
    const error = expectConfigError(() => readerWith('env', raw).keyValues('env'), 'env', 'Keep one line per key.');
    expect(error.message).toContain('sets "A" twice');
  });

  describe('with secret values', () => {
    it('still reads the pairs', () => {
      expect([...readerWith('secrets', 'TOKEN=ghp_x=y,z').keyValues('secrets', {secret: true})]).toEqual([['TOKEN', 'ghp_x=y,z']]);
    });

    it.each([
      ['a token pasted without a key', 'ghp_R4nd0mL00k1ngT0k3nV4lu3xyz', 'ghp_R4nd0mL00k1ngT0k3nV4lu3xyz'],
      ['a private key line', '-----BEGIN OPENSSH PRIVATE KEY-----', 'OPENSSH PRIVATE KEY'],
      ['a password after a colon', 'DB_PASSWORD: hunter2-correct-horse', 'hunter2-correct-horse'],
    ])('never quotes a line without "=": %s', (_case, raw, secretPart) => {
      const error = expectConfigError(
        () => readerWith('secrets', `A=1\n${raw}`).keyValues('secrets', {secret: true}),
        'secrets',
        'Write one KEY=VALUE pair per line.',
      );
      expect(error.message).toContain('line 2 is not KEY=VALUE');
      expect(error.message).not.toContain(secretPart);
    });

    it.each([
      ['a base64 secret pasted without a key', 'c2VjcmV0K3ZhbHVlL3dpdGgrc2xhc2g+/aGVyZQ==', 'c2VjcmV0K3ZhbHVlL3dpdGgrc2xhc2g'],
      ['a password with spaces before its "="', 'correct horse battery=staple', 'correct horse battery'],
    ])('never quotes an invalid key: %s', (_case, raw, secretPart) => {
      const error = configErrorFrom(() => readerWith('secrets', raw).keyValues('secrets', {secret: true}));
      expect(error.input).toBe('secrets');
      expect(error.message).toContain('Input "secrets"');
      expect(error.message).toContain('line 1 has an invalid key');
      expect(error.message).toContain('A key is a letter or _ followed by letters, digits or _.');
      expect(error.message).not.toContain(secretPart);
    });

    it('never quotes the value of a repeated key', () => {
      const error = expectConfigError(
        () => readerWith('secrets', 'TOKEN=first-s3cr3t\nTOKEN=second-s3cr3t').keyValues('secrets', {secret: true}),
        'secrets',
        'Keep one line per key.',
      );
      expect(error.message).not.toContain('s3cr3t');
    });
  });
});
