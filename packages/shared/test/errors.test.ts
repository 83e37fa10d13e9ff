import {describe, expect, it} from 'vitest';
import {ConfigError, errorMessage, lastLine, RemoteError} from '../src/errors.js';

describe('ConfigError', () => {
  const error = new ConfigError('app-port', 'must be a whole number from 1 to 65535, not "http"', 'Set app-port within that range.');

  it('reads "Input "<name>" <problem>. <fix>"', () => {
    expect(error.message).toBe('Input "app-port" must be a whole number from 1 to 65535, not "http". Set app-port within that range.');
  });

  it('keeps the input, problem and fix as fields', () => {
    expect(error).toMatchObject({input: 'app-port', problem: 'must be a whole number from 1 to 65535, not "http"', fix: 'Set app-port within that range.'});
  });

  it('is an Error named ConfigError', () => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(String(error)).toMatch(/^ConfigError: Input "app-port"/);
  });
});

describe('RemoteError', () => {
  it.each([
    ['no remote output', {}, 'web-1: docker pull failed.'],
    ['remote output', {remoteOutput: 'Pulling\nError: manifest unknown\n'}, 'web-1: docker pull failed: Error: manifest unknown.'],
    ['blank remote output', {remoteOutput: ' \n\n'}, 'web-1: docker pull failed.'],
    ['a next step', {next: 'Check that the tag was pushed.'}, 'web-1: docker pull failed. Check that the tag was pushed.'],
    [
      'remote output and a next step',
      {remoteOutput: 'manifest unknown', next: 'Check that the tag was pushed.'},
      'web-1: docker pull failed: manifest unknown. Check that the tag was pushed.',
    ],
  ])('reads "<where>: <what>[: <last line>].[ <next>]" with %s', (_case, options, message) => {
    expect(new RemoteError('web-1', 'docker pull failed', options).message).toBe(message);
  });

  it.each([
    ['the last non-blank line, trimmed', 'step 1\n  Error: no space left on device  \n\n', 'Error: no space left on device'],
    ['the last line of CRLF output', 'step 1\r\nError: denied\r\n', 'Error: denied'],
    ['nothing for blank output', '\n \n', undefined],
    ['nothing for empty output', '', undefined],
  ])('keeps %s as remoteLastLine', (_case, remoteOutput, expected) => {
    expect(new RemoteError('web-1', 'failed', {remoteOutput}).remoteLastLine).toBe(expected);
  });

  it('has no remoteLastLine without remote output', () => {
    expect(new RemoteError('web-1', 'failed').remoteLastLine).toBeUndefined();
  });

  it('keeps the original error as its cause', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.7:22');
    expect(new RemoteError('web-1', 'could not connect', {cause}).cause).toBe(cause);
  });

  it('keeps a thrown non-Error as its cause', () => {
    expect(new RemoteError('web-1', 'could not connect', {cause: 'timeout'}).cause).toBe('timeout');
  });

  it('is an Error named RemoteError that keeps where it happened', () => {
    const error = new RemoteError('bucket uploads', 'listing failed');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RemoteError');
    expect(error.where).toBe('bucket uploads');
  });
});

describe('lastLine', () => {
  it.each([
    ['one line', 'only', 'only'],
    ['several lines', 'first\nsecond\nthird', 'third'],
    ['a trailing newline', 'first\nlast\n', 'last'],
    ['trailing blank lines', 'first\nlast\n\n  \n\t\n', 'last'],
    ['padding', '  padded line  ', 'padded line'],
    ['CRLF lines', 'first\r\nlast\r\n', 'last'],
  ])('finds the last non-blank line in %s', (_case, output, expected) => {
    expect(lastLine(output)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['blank', ' \n\t\r\n  '],
  ])('is undefined for %s output', (_case, output) => {
    expect(lastLine(output)).toBeUndefined();
  });
});

describe('errorMessage', () => {
  it.each<[string, unknown, string]>([
    ['an Error', new Error('boom'), 'boom'],
    ['a TypeError', new TypeError('not a function'), 'not a function'],
    ['a ConfigError', new ConfigError('image', 'is required', 'Set it.'), 'Input "image" is required. Set it.'],
    ['a RemoteError', new RemoteError('web-1', 'failed'), 'web-1: failed.'],
    ['a string', 'plain text', 'plain text'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a plain object', {code: 1}, '[object Object]'],
  ])('describes %s', (_case, thrown, message) => {
    expect(errorMessage(thrown)).toBe(message);
  });

  it('leaves the stack trace out', () => {
    expect(errorMessage(new Error('boom'))).not.toContain('\n');
  });
});
