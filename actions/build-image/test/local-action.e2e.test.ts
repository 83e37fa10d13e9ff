import {join} from 'node:path';
import {findSandbox, runLocalAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe.skipIf(!sandbox)('build-image through @github/local-action', () => {
  if (!sandbox) return;
  // build-image takes its tags and labels from the run's context, which a .env file gives as the runner would.
  const context = {
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REPOSITORY: 'circuitverse/circuitverse',
  };
  const inputs = {
    image: `${sandbox.registry.address}/localaction`,
    context: sandbox.testApp.context,
    'registry-username': sandbox.registry.username,
    'registry-password': sandbox.registry.password,
  };

  it('builds and pushes, then runs the post step', async () => {
    const run = await runLocalAction(action, {inputs, env: context, post: true});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.ranPost).toBe(true);
  });

  it('fails a bad input with exit code 1 and one clean line', async () => {
    const run = await runLocalAction(action, {inputs: {...inputs, image: 'Not An Image'}, env: context, post: true});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^Input "image" /);
    expect(run.log).not.toMatch(/^\s+at .*src\//m);
    expect(run.ranPost).toBe(true);
  });
});
