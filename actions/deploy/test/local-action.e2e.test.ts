import {join} from 'node:path';
import {findSandbox, hostRun, pushTestApp, runLocalAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {deployInputs, resetService} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe.skipIf(!sandbox)('deploy through @github/local-action', () => {
  if (!sandbox) return;
  const service = 'localaction';

  it('deploys, then runs the post step, which finds no lock left', async () => {
    const image = await pushTestApp(sandbox, 'v1');
    await resetService(sandbox, service);
    try {
      const run = await runLocalAction(action, {inputs: {...deployInputs(sandbox, service), image}, post: true});
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.version).toBe('v1');
      expect(run.ranPost).toBe(true);
      const locks = await Promise.all(
        sandbox.hosts.map(host => hostRun(host, ['sh', '-c', `ls -d /var/lib/circuitverse-deploy/${service}/lock 2>/dev/null; true`])),
      );
      expect(locks.map(lock => lock.trim())).toEqual(sandbox.hosts.map(() => ''));
    } finally {
      await resetService(sandbox, service);
    }
  });

  it('fails a bad input with exit code 1 and one clean line, and still runs the post step', async () => {
    const run = await runLocalAction(action, {inputs: {...deployInputs(sandbox, service), image: 'testapp:v1', service: 'Bad;Name'}, post: true});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^Input "service" must be at most 63 lower-case letters/);
    expect(run.log).not.toMatch(/^\s+at .*src\//m);
    expect(run.ranPost).toBe(true);
  });
});
