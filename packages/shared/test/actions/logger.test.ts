import {describe, expect, it} from 'vitest';
import {createActionsLogger} from '../../src/actions/logger.js';
import {captureRunnerStdout, commandData} from './runner-stdout.js';

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
});
