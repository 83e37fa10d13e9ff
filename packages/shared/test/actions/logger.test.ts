import {describe, expect, it} from 'vitest';
import {createActionsLogger} from '../../src/actions/logger.js';
import type {Logger} from '../../src/logger.js';
import {actedCommands, captureRunnerStdout, commandData} from './runner-stdout.js';

const stdoutLines = captureRunnerStdout();

/** The values the step asked the runner to mask. */
function addedMasks(): string[] {
  return stdoutLines().flatMap(line => commandData(line, 'add-mask') ?? []);
}

describe('createActionsLogger', () => {
  describe('mask', () => {
    it('asks the runner to mask a multi-line secret whole and each of its lines, since add-mask does not split it', () => {
      const key = '-----BEGIN KEY-----\r\nbGluZS1vbmU=\n\n  \nbGluZS10d28=\n-----END KEY-----\n';
      createActionsLogger().mask(key);
      expect(addedMasks().sort()).toEqual([key, '-----BEGIN KEY-----', 'bGluZS1vbmU=', 'bGluZS10d28=', '-----END KEY-----'].sort());
    });

    it('asks the runner to mask a one-line secret once', () => {
      createActionsLogger().mask('hunter2-one-line');
      expect(addedMasks()).toEqual(['hunter2-one-line']);
    });

    it.each([
      ['empty', ''],
      ['blank', '  \t '],
    ])('asks the runner to mask nothing for a secret that is %s', (_case, secret) => {
      createActionsLogger().mask(secret);
      expect(stdoutLines()).toEqual([]);
    });
  });

  describe('untrusted', () => {
    // Each would act as a workflow command if it were written as a line of ours.
    const hostileLines = [
      '::add-mask::a-value-to-hide',
      '::error title=Forged::the build failed',
      '  ::warning::indented',
      '::stop-commands::forged-token',
      '::forged-token::',
      '::endgroup::',
      '##[error]legacy',
      '#5 0.123 ##[set-output name=digest]sha256:forged',
      'a carriage return\r::error::hides a second line',
    ];

    it('writes each hostile line as it is, and the runner acts on none of them', () => {
      const logger = createActionsLogger();
      for (const line of hostileLines) logger.untrusted(line);
      logger.info('back to ours');
      expect(actedCommands(stdoutLines())).toEqual(['stop-commands', 'resume']);
      for (const line of hostileLines) expect(stdoutLines()).toContain(line);
    });

    it('takes a block of lines at once', () => {
      const logger = createActionsLogger();
      logger.untrusted(hostileLines.join('\n'));
      logger.info('back to ours');
      expect(actedCommands(stdoutLines())).toEqual(['stop-commands', 'resume']);
    });

    it('streams consecutive lines between one pair of markers', () => {
      const logger = createActionsLogger();
      logger.info('Building');
      for (const line of ['#1 [1/2] FROM scratch', '#1 DONE 0.0s', '#2 [2/2] RUN make']) logger.untrusted(line);
      logger.info('Built');
      const lines = stdoutLines();
      expect(lines).toHaveLength(7);
      expect(lines[1]).toMatch(/^::stop-commands::[\w-]{16,}$/);
      expect(lines.slice(2, 5)).toEqual(['#1 [1/2] FROM scratch', '#1 DONE 0.0s', '#2 [2/2] RUN make']);
      expect(lines[5]).toBe(`::${lines[1]?.slice('::stop-commands::'.length)}::`);
      expect([lines[0], lines[6]]).toEqual(['Building', 'Built']);
    });

    it('stops with a new token each time, so a token seen in the log resumes nothing', () => {
      const logger = createActionsLogger();
      logger.untrusted('first');
      logger.info('ours');
      const seen = stdoutLines()[0]?.slice('::stop-commands::'.length);
      logger.untrusted(`::${seen}::\n::add-mask::a-value-to-hide`);
      logger.info('ours');
      expect(actedCommands(stdoutLines())).toEqual(['stop-commands', 'resume', 'stop-commands', 'resume']);
    });

    it('hides masked secrets in it', () => {
      const logger = createActionsLogger();
      logger.mask('untrusted-secret\nits-second-line');
      logger.untrusted('leaked untrusted-secret and its-second-line');
      expect(stdoutLines()).toContain('leaked *** and ***');
    });

    it.each<[string, (logger: Logger) => unknown, string]>([
      ['debug', logger => logger.debug('ours'), 'debug'],
      ['warning', logger => logger.warning('ours'), 'warning'],
      ['error', logger => logger.error('ours'), 'error'],
      ['group', logger => logger.group('ours', async () => undefined), 'group'],
      ['mask', logger => logger.mask('a-secret-of-ours'), 'add-mask'],
      ['summary without a summary file', logger => logger.summary('ours'), 'warning'],
    ])('lets the runner act on the %s that follows it', async (_case, log, command) => {
      const logger = createActionsLogger({});
      logger.untrusted('::error::forged');
      await log(logger);
      expect(actedCommands(stdoutLines()).slice(0, 3)).toEqual(['stop-commands', 'resume', command]);
    });

    it('closes a group whose phase wrote untrusted lines', async () => {
      const logger = createActionsLogger();
      await logger.group('Build', async () => logger.untrusted('::endgroup::'));
      expect(actedCommands(stdoutLines())).toEqual(['group', 'stop-commands', 'resume', 'endgroup']);
    });
  });
});
