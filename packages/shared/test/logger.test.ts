import {describe, expect, it} from 'vitest';
import {createConsoleLogger, type Logger, SecretRedactor, timePhase} from '../src/logger.js';

// A duration as formatDuration writes it.
const duration = String.raw`(?:\d+ms|\d+\.\ds|\d+m\d\ds)`;

describe('SecretRedactor', () => {
  it('leaves text alone before any secret is added', () => {
    expect(new SecretRedactor().redact('nothing to hide')).toBe('nothing to hide');
  });

  it('masks every occurrence of a secret', () => {
    const redactor = new SecretRedactor();
    redactor.add('hunter2');
    expect(redactor.redact('hunter2 and hunter2hunter2')).toBe('*** and ******');
  });

  it('masks a secret with regular-expression characters literally', () => {
    const redactor = new SecretRedactor();
    redactor.add('a.b*c');
    expect(redactor.redact('aXbbc a.b*c')).toBe('aXbbc ***');
  });

  it.each([
    ['LF', 'first-line-secret\nsecond-line-secret'],
    ['CRLF', 'first-line-secret\r\nsecond-line-secret'],
  ])('masks a multi-line secret with %s line ends whole', (_case, secret) => {
    const redactor = new SecretRedactor();
    redactor.add(secret);
    expect(redactor.redact(`before ${secret} after`)).toBe('before *** after');
  });

  it.each(['first-line-secret', 'second-line-secret'])('masks the line %j of a multi-line secret on its own', line => {
    const redactor = new SecretRedactor();
    redactor.add('first-line-secret\nsecond-line-secret');
    expect(redactor.redact(`got ${line}.`)).toBe('got ***.');
  });

  it.each([
    ['shorter first', ['abc', 'abcdef']],
    ['longer first', ['abcdef', 'abc']],
  ])('masks the longest secret whole, whichever is added %s', (_case, secrets) => {
    const redactor = new SecretRedactor();
    for (const secret of secrets) redactor.add(secret);
    expect(redactor.redact('abcdef abc')).toBe('*** ***');
  });

  it.each([
    ['empty', ''],
    ['blank', '  \t '],
  ])('ignores a secret that is %s', (_case, secret) => {
    const redactor = new SecretRedactor();
    redactor.add(secret);
    expect(redactor.redact('a  \t b')).toBe('a  \t b');
  });

  it('ignores the blank lines of a multi-line secret', () => {
    const redactor = new SecretRedactor();
    redactor.add('-----BEGIN KEY-----\n\nc2VjcmV0\n-----END KEY-----\n');
    expect(redactor.redact('line one\n\nline two')).toBe('line one\n\nline two');
  });
});

describe('createConsoleLogger', () => {
  const secret = 'S3cr3t-t0ken\nsecond-line-of-it';

  function collectingLogger(options: {debug?: boolean} = {}): {logger: Logger; lines: string[]} {
    const lines: string[] = [];
    const logger = createConsoleLogger({...options, write: line => lines.push(line)});
    logger.mask(secret);
    return {logger, lines};
  }

  it.each<[string, (logger: Logger, text: string) => unknown]>([
    ['info', (logger, text) => logger.info(text)],
    ['untrusted', (logger, text) => logger.untrusted(text)],
    ['debug', (logger, text) => logger.debug(text)],
    ['warning', (logger, text) => logger.warning(text)],
    ['a warning title', (logger, text) => logger.warning('plain', {title: text})],
    ['error', (logger, text) => logger.error(text)],
    ['an error title', (logger, text) => logger.error('plain', {title: text})],
    ['a group title', (logger, text) => logger.group(text, async () => 'done')],
    ['a failing group title', (logger, text) => logger.group(text, async () => Promise.reject(new Error('failed'))).catch(() => undefined)],
    ['summary', (logger, text) => logger.summary(`| key | ${text} |`)],
  ])('never writes a masked secret through %s', async (_case, log) => {
    const {logger, lines} = collectingLogger({debug: true});
    await log(logger, `whole ${secret}, first S3cr3t-t0ken, second second-line-of-it`);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain('S3cr3t-t0ken');
      expect(line).not.toContain('second-line-of-it');
      expect(line).toContain('***');
    }
  });

  it('writes info as it is', () => {
    const {logger, lines} = collectingLogger();
    logger.info('Pulled ghcr.io/a/b:1');
    expect(lines).toEqual(['Pulled ghcr.io/a/b:1']);
  });

  it('writes untrusted text as it is, workflow commands and all', () => {
    const {logger, lines} = collectingLogger();
    logger.untrusted('::add-mask::x\n##[error]y');
    expect(lines).toEqual(['::add-mask::x\n##[error]y']);
  });

  it.each([
    ['warning', (logger: Logger) => logger.warning('disk low'), 'warning: disk low'],
    ['a titled warning', (logger: Logger) => logger.warning('disk low', {title: 'web-1'}), 'warning: web-1: disk low'],
    ['error', (logger: Logger) => logger.error('pull failed'), 'error: pull failed'],
    ['a titled error', (logger: Logger) => logger.error('pull failed', {title: 'web-1'}), 'error: web-1: pull failed'],
  ])('prefixes %s', (_case, log, expected) => {
    const {logger, lines} = collectingLogger();
    log(logger);
    expect(lines).toEqual([expected]);
  });

  it.each([
    [true, ['debug: details']],
    [false, []],
    [undefined, []],
  ])('with debug %s writes debug lines %j', (debug, expected) => {
    const {logger, lines} = collectingLogger(debug === undefined ? {} : {debug});
    logger.debug('details');
    expect(lines).toEqual(expected);
  });

  it('writes the summary on a line of its own', async () => {
    const {logger, lines} = collectingLogger();
    await logger.summary('## Deployed');
    expect(lines).toEqual(['\n## Deployed']);
  });

  it("returns a group's value", async () => {
    const {logger} = collectingLogger();
    await expect(logger.group('Pull image', async () => 42)).resolves.toBe(42);
  });

  it('opens a group with its title and closes it with a ✓ line and a duration', async () => {
    const {logger, lines} = collectingLogger();
    await logger.group('Pull image', async () => 'done');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('▸ Pull image');
    expect(lines[1]).toMatch(new RegExp(`^✓ Pull image \\(${duration}\\)$`));
  });

  it("rethrows a failing group's error", async () => {
    const {logger} = collectingLogger();
    const failure = new Error('pull failed');
    await expect(logger.group('Pull image', async () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('closes a failing group with a ✗ line and a duration', async () => {
    const {logger, lines} = collectingLogger();
    await logger.group('Pull image', async () => Promise.reject(new Error('pull failed'))).catch(() => undefined);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('▸ Pull image');
    expect(lines[1]).toMatch(new RegExp(`^✗ Pull image failed after ${duration}$`));
  });

  it('closes a group whose phase throws synchronously with a ✗ line', async () => {
    const {logger, lines} = collectingLogger();
    const phase = (): Promise<never> => {
      throw new Error('thrown before any await');
    };
    await expect(logger.group('Pull image', phase)).rejects.toThrow('thrown before any await');
    expect(lines[1]).toMatch(/^✗ Pull image failed after /);
  });

  it('masks only from the time a secret is registered', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger({write: line => lines.push(line)});
    logger.info('early hunter2');
    logger.mask('hunter2');
    logger.info('late hunter2');
    expect(lines).toEqual(['early hunter2', 'late ***']);
  });
});

describe('timePhase', () => {
  /** A clock that returns these times, one per call. */
  function clock(...times: number[]): () => number {
    return () => {
      const time = times.shift();
      if (time === undefined) throw new Error('the clock was read too often');
      return time;
    };
  }

  it.each([
    [0, 850, '✓ Deploy (850ms)'],
    [1_000, 2_500, '✓ Deploy (1.5s)'],
    [0, 125_000, '✓ Deploy (2m05s)'],
  ])('from %i to %i writes %j', async (started, ended, line) => {
    const lines: string[] = [];
    await expect(
      timePhase(
        'Deploy',
        async () => 'value',
        line => lines.push(line),
        clock(started, ended),
      ),
    ).resolves.toBe('value');
    expect(lines).toEqual([line]);
  });

  it('writes how long a failing phase ran, then rethrows', async () => {
    const lines: string[] = [];
    const failure = new Error('health check failed');
    await expect(
      timePhase(
        'Deploy',
        async () => Promise.reject(failure),
        line => lines.push(line),
        clock(0, 61_000),
      ),
    ).rejects.toBe(failure);
    expect(lines).toEqual(['✗ Deploy failed after 1m01s']);
  });
});
