import {afterEach, describe, expect, it, vi} from 'vitest';
import {runCommand} from '../src/command-runner.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The environment a child of `runCommand` sees. */
async function childEnvironment(env?: Record<string, string>): Promise<Record<string, string>> {
  const result = await runCommand([process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'], {env});
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.output);
}

describe('runCommand', () => {
  it("keeps the step's inputs and saved state from the child, secrets among them", async () => {
    vi.stubEnv('INPUT_REGISTRY-PASSWORD', 'registry-password');
    vi.stubEnv('INPUT_SECRETS', 'token=hunter2');
    vi.stubEnv('STATE_isPost', 'true');
    const names = Object.keys(await childEnvironment());
    expect(names.filter(name => name.startsWith('INPUT_') || name.startsWith('STATE_'))).toEqual([]);
  });

  it('passes the rest of the environment on, with what the build adds', async () => {
    vi.stubEnv('DOCKER_HOST', 'unix:///run/user/1000/docker.sock');
    vi.stubEnv('INPUTS_ARE_NOT_INPUT', 'kept');
    expect(await childEnvironment({DOCKER_CONFIG: '/tmp/step/docker'})).toMatchObject({
      DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
      INPUTS_ARE_NOT_INPUT: 'kept',
      DOCKER_CONFIG: '/tmp/step/docker',
      PATH: process.env.PATH,
    });
  });

  it('returns the exit code and the output, stdout and stderr together', async () => {
    const result = await runCommand([process.execPath, '-e', 'console.log("out"); console.error("err"); process.exit(3)']);
    expect(result.exitCode).toBe(3);
    expect(result.output.split('\n').sort()).toEqual(['err', 'out']);
  });
});
