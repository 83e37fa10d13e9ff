import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {createActionsLogger} from '../src/actions/logger.js';

/** What the step writes to stdout, which is all the runner reads its workflow commands from. */
let stdout: string[];

beforeEach(() => {
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function stdoutLines(): string[] {
  return stdout.join('').split(/\r?\n/).slice(0, -1);
}

/** The values the step asked the runner to mask, unescaped the way the runner reads them. */
function addedMasks(): string[] {
  return stdoutLines()
    .filter(line => line.startsWith('::add-mask::'))
    .map(line => line.slice('::add-mask::'.length).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'));
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
      expect(stdout).toEqual([]);
    });
  });
});
