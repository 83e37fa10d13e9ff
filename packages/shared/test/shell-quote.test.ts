import {spawnSync} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {quoteShellArgument, toShellCommand} from '../src/shell-quote.js';
import {adversarialStrings} from './fixtures/adversarial-strings.js';

// A bare environment: no BASH_ENV or ENV for a shell to source, and the default locale.
// stdin is /dev/null: bash sources ~/.bashrc when stdin is a socket (as if run by sshd), and Node's pipes are sockets.
const shellEnvironment = {PATH: '/usr/bin:/bin'};
const shells = ['/bin/sh', '/bin/bash'];

/** Runs a command line the way a remote host does, with `<shell> -c`. */
function runShell(shell: string, command: string, environment: Record<string, string> = shellEnvironment) {
  return spawnSync(shell, ['-c', command], {env: environment, stdio: ['ignore', 'pipe', 'pipe']});
}

/** What `printf '%s\0' ...` prints for these arguments. */
function nulTerminated(values: readonly string[]): Buffer {
  return Buffer.concat(values.map(value => Buffer.from(`${value}\0`, 'utf8')));
}

describe('quoteShellArgument', () => {
  it.each([
    'docker',
    '--rm',
    '-p',
    'ghcr.io/circuitverse/circuitverse:1.2.3',
    '127.0.0.1:5000/app@sha256:abc',
    '/var/lib/docker',
    'deploy@host',
    'a,b',
    '50%',
    'c++',
    'snake_case',
  ])('leaves the plain word %j unquoted', word => {
    expect(quoteShellArgument(word)).toBe(word);
  });

  it.each([
    ['', "''"],
    ['two words', "'two words'"],
    ["it's", "'it'\\''s'"],
    ["'", "''\\'''"],
    ['a=b', "'a=b'"],
    ['--name=web', "'--name=web'"],
    ['~', "'~'"],
    ['#x', "'#x'"],
    ['$HOME', "'$HOME'"],
    ['*', "'*'"],
    ['line\nbreak', "'line\nbreak'"],
    ['ünï', "'ünï'"],
  ])('quotes %j as %s', (argument, quoted) => {
    expect(quoteShellArgument(argument)).toBe(quoted);
  });

  it.each([
    ['alone', '\0'],
    ['inside a word', 'a\0b'],
    ['at the end', 'abc\0'],
  ])('refuses a NUL byte %s', (_case, argument) => {
    expect(() => quoteShellArgument(argument)).toThrow('NUL');
  });
});

describe('toShellCommand', () => {
  it('joins quoted words with single spaces', () => {
    expect(toShellCommand(['docker', 'run', '--env', 'A=b c', 'app'])).toBe("docker run --env 'A=b c' app");
  });

  it('refuses an empty argv', () => {
    expect(() => toShellCommand([])).toThrow('at least one word');
  });

  it('refuses an argv with a NUL byte in any word', () => {
    expect(() => toShellCommand(['echo', 'ok', 'bad\0'])).toThrow('NUL');
  });
});

describe.each(shells)('a command line run by %s -c', shell => {
  it.each(adversarialStrings)('passes $name through byte-for-byte', ({value}) => {
    const result = runShell(shell, toShellCommand(['printf', '%s\\0', value]));
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.equals(nulTerminated([value]))).toBe(true);
  });

  it('passes every adversarial string through in one command, in order', () => {
    const values = adversarialStrings.map(({value}) => value);
    const result = runShell(shell, toShellCommand(['printf', '%s\\0', ...values]));
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.equals(nulTerminated(values))).toBe(true);
  });
});

// The first word is where a shell looks for assignments, comments, reserved words and `!`. Each of these names is an
// executable here, so the shell must run it rather than read the word as syntax.
describe.each(shells)('the first word of a command line run by %s -c', shell => {
  const commandNames = ['a=b', '#hash', '~', '~root', '!', '{', 'if', 'then', 'while', 'do', 'done', 'case', 'for', 'in', 'time', 'function', 'select'];
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'shell-quote-'));
    for (const name of commandNames) {
      const path = join(directory, name);
      writeFileSync(path, '#!/bin/sh\nprintf \'ran %s with\' "${0##*/}"\nprintf \' [%s]\' "$@"\n');
      chmodSync(path, 0o755);
    }
  });

  afterAll(() => {
    rmSync(directory, {recursive: true, force: true});
  });

  it.each(commandNames)('runs a command named %j', name => {
    const result = runShell(shell, toShellCommand([name, 'x y']), {PATH: `${directory}:/usr/bin:/bin`});
    expect(result.stderr.toString()).toBe('');
    expect(result.stdout.toString()).toBe(`ran ${name} with [x y]`);
  });
});
