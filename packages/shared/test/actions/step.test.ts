import {afterEach, describe, expect, it, vi} from 'vitest';
import {createActionsLogger} from '../../src/actions/logger.js';
import {expectPostStep, failStep, saveStepState, setOutputs} from '../../src/actions/step.js';
import {ConfigError, RemoteError} from '../../src/errors.js';
import {actedCommands, captureRunnerStdout} from './runner-stdout.js';

const stdoutLines = captureRunnerStdout();

afterEach(() => {
  // core.setFailed sets it; the test run must not fail for it.
  process.exitCode = undefined;
  vi.unstubAllEnvs();
});

describe('after untrusted text', () => {
  it.each<[string, () => void, string]>([
    ['failStep', () => failStep(new ConfigError('image', 'is not set', 'Set it.')), 'error'],
    ['setOutputs', () => setOutputs({digest: 'sha256:1'}), 'set-output'],
    ['saveStepState', () => saveStepState('lock-token', 't'), 'save-state'],
    ['expectPostStep', () => expectPostStep(), 'save-state'],
  ])('%s lets the runner read its command', (_case, act, command) => {
    // Without the files, core falls back to workflow commands.
    vi.stubEnv('GITHUB_OUTPUT', '');
    vi.stubEnv('GITHUB_STATE', '');
    createActionsLogger().untrusted('::error::forged');
    act();
    expect(actedCommands(stdoutLines())).toEqual(['stop-commands', 'resume', command]);
  });
});

describe('failStep', () => {
  const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n';
  const keyLine = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU=';

  /** Every line the step wrote, but the ones that ask the runner to mask a secret. */
  function loggedLines(): string[] {
    return stdoutLines().filter(line => !line.startsWith('::add-mask::'));
  }

  it.each([
    ['a bug of ours', new Error(`cannot parse "${keyLine}"`)],
    ['a config error', new ConfigError('ssh-key', `has a line "${keyLine}" that is not base64`, 'Paste the whole key.')],
    ['a remote error', new RemoteError('web-1', 'refused the key', {cause: new Error(`key ${keyLine}`), remoteOutput: keyLine})],
  ])('hides a line of a masked key in the failure of %s', (_case, error) => {
    createActionsLogger().mask(key);
    failStep(error);
    expect(loggedLines().some(line => line.startsWith('::error::'))).toBe(true);
    for (const line of loggedLines()) expect(line).not.toContain(keyLine);
  });

  it('fails with the message on one line', () => {
    failStep(new Error('first\n  second'));
    expect(stdoutLines()).toContain('::error::first second');
    expect(process.exitCode).toBe(1);
  });
});
