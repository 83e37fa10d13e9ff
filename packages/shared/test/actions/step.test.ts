import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {createActionsLogger} from '../../src/actions/logger.js';
import {expectPostStep, failStep, runStep, saveStepState, setOutputs} from '../../src/actions/step.js';
import {ConfigError, FailureWithOutputs, RemoteError} from '../../src/errors.js';
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

describe('runStep', () => {
  const outputs = (version: string) => ({version});
  // core writes a blank line before some commands.
  const commandLines = () => stdoutLines().filter(line => line !== '');

  beforeEach(() => {
    // Without the files, core writes workflow commands, which the test reads.
    vi.stubEnv('GITHUB_OUTPUT', '');
    vi.stubEnv('GITHUB_STATE', '');
  });

  it('sets the outputs of main, after asking for the post step', async () => {
    await runStep({main: async () => 'v2', outputs, post: async () => expect.unreachable()});
    expect(commandLines()).toEqual(['::save-state name=isPost::true', '::set-output name=version::v2']);
    expect(process.exitCode).toBeUndefined();
  });

  it('asks for no post step when the action has none', async () => {
    await runStep({main: async () => 'v2', outputs});
    expect(commandLines()).toEqual(['::set-output name=version::v2']);
  });

  it('runs post, not main, in the post step', async () => {
    vi.stubEnv('STATE_isPost', 'true');
    const post = vi.fn(async () => {});
    await runStep({main: async () => expect.unreachable(), outputs, post});
    expect(post).toHaveBeenCalledOnce();
  });

  it('sets the outputs a failure carries, then fails with its cause', async () => {
    const cause = new RemoteError('web-1', 'refused the key');
    await runStep({main: async () => Promise.reject(new FailureWithOutputs(cause, 'v1')), outputs});
    expect(commandLines()).toEqual(['::set-output name=version::v1', '::error::web-1: refused the key.']);
    expect(process.exitCode).toBe(1);
  });

  it('fails the step with an error thrown before main returns', async () => {
    const main = () => {
      throw new ConfigError('image', 'is not set', 'Set it.');
    };
    await runStep({main, outputs});
    expect(commandLines()).toEqual(['::error::Input "image" is not set. Set it.']);
  });
});
