import {join} from 'node:path';
import {findSandbox, generateSshKeyPair, pushTestApp, runAction, runPostStep} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {deployInputs, resetService} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe('deploy bundle', () => {
  it('fails in one line naming the missing input, with no stack trace', async () => {
    const run = await runAction(action);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual(['Input "hosts" is required. List the hosts, one [user@]host[:port] per line.']);
    expect(run.log).not.toMatch(/^\s+at /m);
  });

  it('masks the private key before it can be logged, even when another input is wrong', async () => {
    const key = generateSshKeyPair().private;
    const keyBody = key.split('\n')[1] as string;
    const run = await runAction(action, {inputs: {hosts: 'web-1', 'ssh-private-key': key, 'ssh-known-hosts': 'web-1 ssh-ed25519 AAAA', service: 'Bad;Name'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/^Input "service" must be at most 63 lower-case letters/);
    expect(run.rawLog).toContain('::add-mask::');
    expect(run.log).not.toContain(keyBody);
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

describe.skipIf(!sandbox)('deploy bundle under act', () => {
  if (!sandbox) return;
  const service = 'act';

  it('deploys with no summary file, warning once that the summary is skipped', async () => {
    const image = await pushTestApp(sandbox, 'v1');
    await resetService(sandbox, service);
    const run = await runAction(action, {inputs: {...deployInputs(sandbox, service), image}, act: true, withoutSummaryFile: true});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.version).toBe('v1');
    expect(run.warnings).toEqual(['No job summary here (act discards them); the summary is skipped.']);
    await resetService(sandbox, service);
  });
});
