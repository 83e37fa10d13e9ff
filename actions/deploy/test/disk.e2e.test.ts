import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {findSandbox, hostRun, pushTestApp, runAction, type SandboxHost} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {deployInputs, resetService} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'disk';
const restartDockerd = join(action, '../../sandbox/restart-dockerd');

describe.skipIf(!sandbox)('deploy short of disk', () => {
  if (!sandbox) return;
  const host3 = sandbox.hosts[2] as SandboxHost;
  const inputs = {...deployInputs(sandbox, service), hosts: host3.address, retain: '2'};
  const images: Record<string, string> = {};

  /** Host 3's engine on an empty tmpfs of `size` over its Docker root, as on a host whose disk is nearly full. */
  const smallDisk = (size: string) => promisify(execFile)(restartDockerd, [host3.name, '--docker-root-tmpfs', size], {timeout: 120_000});
  const imagesOnHost = async () =>
    (await hostRun(host3, ['docker', 'images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    // 20 MiB of random bytes each: a pull takes them compressed, and then again unpacked.
    for (const version of ['p1', 'p2', 'p3']) images[version] = await pushTestApp(sandbox, version, {padMegabytes: 20});
  }, 180_000);

  afterAll(async () => {
    // Back on its own disk, with its containers and images.
    await promisify(execFile)(restartDockerd, [host3.name], {timeout: 120_000});
    await resetService(sandbox, service);
  }, 180_000);

  it('refuses a pull the Engine’s disk cannot hold, with the figures, before anything changes', async () => {
    await resetService(sandbox, service);
    await smallDisk('40m');
    const run = await runAction(action, {inputs: {...inputs, image: images.p1 as string}});
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(
      /^198\.18\.0\.13: has [\d.]+ MiB free in \/var\/lib\/docker, and pulling \S+:p1 takes about [\d.]+ MiB \([\d.]+ MiB of compressed layers, and what they unpack to\)\. Nothing was changed\./,
    );
    expect(run.log).not.toMatch(/Pull|Lock/);
    expect(await imagesOnHost()).toEqual([]);
    expect(await hostRun(host3, ['sh', '-c', `ls /var/lib/circuitverse-deploy/${service} 2>/dev/null || true`])).toBe('');
  }, 240_000);

  it('removes the images of releases beyond retain to make room, says so in the summary, and goes on', async () => {
    await resetService(sandbox, service);
    await smallDisk('100m');
    for (const version of ['p1', 'p2']) {
      const run = await runAction(action, {inputs: {...inputs, image: images[version] as string}});
      expect(run.errors).toEqual([]);
    }
    const run = await runAction(action, {inputs: {...inputs, image: images.p3 as string}});
    expect(run.errors).toEqual([]);
    expect(run.summary).toContain(`198.18.0.13: removed ${images.p1} to make room for the pull.`);
    expect(JSON.parse(run.outputs.hosts as string)[0].pruned).toEqual([images.p1]);
    expect(await imagesOnHost()).toEqual([images.p2, images.p3].sort());
  }, 240_000);
});
