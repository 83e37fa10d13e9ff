import {join} from 'node:path';
import {findSandbox, runAction, runPostStep} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe('build-image bundle', () => {
  it('fails in one line naming the missing input, with no stack trace', async () => {
    const run = await runAction(action);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual(['Input "image" is required. Set it to the image repository without a tag, e.g. ghcr.io/circuitverse/circuitverse.']);
    expect(run.log).not.toMatch(/^\s+at /m);
  });

  it('names the input and the fix for an invalid image', async () => {
    const run = await runAction(action, {inputs: {image: 'Not/Valid:tag'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/^Input "image" is not an image repository \("Not\/Valid:tag"\)\. Use lower case/);
  });

  it('runs its post step after a failed main step', async () => {
    const main = await runAction(action);
    const post = await runPostStep(action, main);
    expect(post.exitCode).toBe(0);
  });

  it('runs under act without a summary file', async () => {
    const run = await runAction(action, {act: true, withoutSummaryFile: true});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
  });
});

describe.skipIf(!sandbox)('build-image bundle under act', () => {
  if (!sandbox) return;

  it('builds and pushes with no summary file, warning once that the summary is skipped', async () => {
    const run = await runAction(action, {
      inputs: {
        image: `${sandbox.registry.address}/act-main`,
        context: sandbox.testApp.context,
        'registry-username': sandbox.registry.username,
        'registry-password': sandbox.registry.password,
      },
      act: true,
      withoutSummaryFile: true,
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.warnings).toEqual(['No job summary here (act discards them); the summary is skipped.']);
  });
});
