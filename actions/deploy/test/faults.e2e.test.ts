import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {type ActionRun, findSandbox, hostRun, pushTestApp, runAction, runPostStep, type SandboxHost} from '@circuitverse/testkit';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {deployInputs, servedVersions, serveFresh} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'faults';
const port = 8083;
const stateDir = `/var/lib/circuitverse-deploy/${service}`;

describe.skipIf(!sandbox)('deploy fault cases end consistent, and the next deploy succeeds', () => {
  if (!sandbox) return;
  const inputs = deployInputs(sandbox, service);
  const images: Record<string, string> = {};
  const [host1, host2, host3] = sandbox.hosts as [SandboxHost, SandboxHost, SandboxHost];
  const startedOn = (host: SandboxHost) => new RegExp(`^${host.address.replace(/\./g, '\\.')}: started (\\S+)`, 'm');

  /** Per host: what nginx serves, how many of the service's containers run, whether a lock is left. */
  const hostStates = async () =>
    Promise.all(
      sandbox.hosts.map(async (host, index) => {
        // A one-off pre-deploy container carries the service's label too, but is not a release.
        const roles = await hostRun(host, [
          'docker',
          'ps',
          '--filter',
          `label=circuitverse.deploy.service=${service}`,
          '--format',
          'x{{.Label "circuitverse.deploy.role"}}',
        ]);
        const lock = await hostRun(host, ['sh', '-c', `ls -d ${stateDir}/lock 2>/dev/null; true`]);
        return {
          host: host.name,
          serves: (await servedVersions(sandbox, port))[index],
          running: roles.split('\n').filter(line => line === 'x').length,
          lock: lock.trim() !== '',
        };
      }),
    );
  const consistentOn = (version: string) => sandbox.hosts.map(host => ({host: host.name, serves: version, running: 1, lock: false}));

  /** The end of every case: the hosts agree, and a deploy of v2 then goes through. */
  const expectConsistentThenDeployable = async (version: string) => {
    expect(await hostStates()).toEqual(consistentOn(version));
    const next = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(next.errors).toEqual([]);
    expect(await hostStates()).toEqual(consistentOn('v2'));
    return next;
  };

  /** Resolves once a pre-deploy container runs on `host`: 30 s at most. */
  const preDeployRunning = async (host: SandboxHost) => {
    for (let attempt = 0; attempt < 150; attempt++) {
      if ((await hostRun(host, ['docker', 'ps', '-q', '--filter', 'label=circuitverse.deploy.role=pre-deploy'])).trim()) return;
      await new Promise(resolve => setTimeout(resolve, 200));
    }
    throw new Error(`no pre-deploy container ran on ${host.name} within 30 s`);
  };

  /** As the runner does after a cancelled or killed main step. */
  const postStep = async (main: ActionRun) => {
    const post = await runPostStep(action, main, {inputs: {...inputs, image: images.v2 as string}});
    expect(post.exitCode).toBe(0);
  };

  beforeAll(async () => {
    for (const version of ['v1', 'v2', 'v3']) images[version] = await pushTestApp(sandbox, version);
  });

  beforeEach(() => serveFresh(action, sandbox, service, port, inputs, images.v1 as string));

  it('cancel during host 3’s health check: the switched hosts go back', async () => {
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v3 as string, 'batch-size': '1', env: 'BOOT_DELAY=4'},
      cancel: {when: startedOn(host3), signal: 'SIGINT'},
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toBe('The deploy was cancelled.');
    expect(run.outputs['rolled-back']).toBe('true');
    await postStep(run);
    await expectConsistentThenDeployable('v1');
  });

  it('cancel during the rollback: the rollback finishes', async () => {
    let cancelled = false;
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v3 as string, 'batch-size': '1', env: 'BOOT_DELAY=2'},
      // Host 3's new container dies while booting; the cancel comes as the rollback starts.
      onLine: line => {
        const started = startedOn(host3).exec(line);
        if (started) void hostRun(host3, ['docker', 'kill', started[1] as string]);
      },
      cancel: {when: /Roll back switched hosts/, signal: 'SIGINT'},
    });
    cancelled = run.log.includes('Roll back switched hosts');
    expect(cancelled).toBe(true);
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/^198\.18\.0\.13: v3 exited/);
    expect(run.outputs['rolled-back']).toBe('true');
    await postStep(run);
    await expectConsistentThenDeployable('v1');
  });

  it('the runner killed (SIGKILL) mid-cutover: the post step and a re-run repair it', async () => {
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, 'batch-size': '1'},
      cancel: {when: /198\.18\.0\.11: GET \/up attempt \d+: 200/, signal: 'SIGKILL'},
    });
    expect(run.signal).toBe('SIGKILL');
    await postStep(run);
    const again = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(again.errors).toEqual([]);
    expect(await hostStates()).toEqual(consistentOn('v2'));
    await expectConsistentThenDeployable('v2');
  });

  it('dockerd restarted on host 2 mid-deploy', async () => {
    let restart: Promise<unknown> | undefined;
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, env: 'BOOT_DELAY=2'},
      onLine: line => {
        if (!restart && startedOn(host2).test(line))
          restart = promisify(execFile)(join(action, '../../sandbox/restart-dockerd'), [host2.name], {timeout: 120_000});
      },
    });
    await restart;
    // Whether host 2's check outlived the restart or not, every host ends on one release.
    const version = run.exitCode === 0 ? 'v2' : 'v1';
    if (run.exitCode !== 0) expect(run.outputs['rolled-back']).toBe('true');
    await postStep(run);
    await expectConsistentThenDeployable(version);
  });

  it('the upstream file path changed between deploys: the deploy moves it', async () => {
    const moved = `/etc/nginx/conf.d/${service}-moved-upstream.conf`;
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, 'nginx-upstream-file': moved}});
    expect(run.errors).toEqual([]);
    expect(await hostStates()).toEqual(consistentOn('v2'));
    const files = await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', `ls /etc/nginx/conf.d/${service}-*`])));
    expect(files.map(listing => listing.trim().split('\n').sort())).toEqual(
      sandbox.hosts.map(() => [`/etc/nginx/conf.d/${service}-moved-upstream.conf`, `/etc/nginx/conf.d/${service}-server.conf`]),
    );
    const back = await runAction(action, {inputs: {...inputs, rollback: 'true', 'nginx-upstream-file': moved}});
    expect(back.errors).toEqual([]);
    expect(await hostStates()).toEqual(consistentOn('v1'));
    // And back to the default file with the next deploy.
    await expectConsistentThenDeployable('v1');
  });

  it('a pre-deploy that outlives the job keeps the next deploy out until it ends', async () => {
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, 'pre-deploy': 'sleep 8; echo migrated'},
      cancel: {when: preDeployRunning(host1), signal: 'SIGKILL'},
    });
    expect(run.signal).toBe('SIGKILL');
    await postStep(run);
    const refused = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(refused.exitCode).toBe(1);
    expect(refused.errors.at(-1)).toMatch(
      /^198\.18\.0\.11: the pre-deploy container faults-pre-deploy-[0-9a-f]{6} of an earlier deploy is still running\. Wait for it \(docker logs -f faults-pre-deploy-[0-9a-f]{6}\)/,
    );
    expect(await hostStates()).toEqual(consistentOn('v1'));
    // lock-wait lets the next deploy wait for it instead.
    const waited = await runAction(action, {inputs: {...inputs, image: images.v2 as string, 'lock-wait': '60s'}});
    expect(waited.errors).toEqual([]);
    expect(waited.log).toMatch(/still running; waiting\./);
    expect(await hostStates()).toEqual(consistentOn('v2'));
    const left = await hostRun(host1, ['docker', 'ps', '-aq', '--filter', 'label=circuitverse.deploy.role=pre-deploy']);
    expect(left.trim()).toBe('');
  });

  it('a pre-deploy past pre-deploy-timeout fails the deploy with nothing switched, and goes on running', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, 'pre-deploy': 'sleep 60', 'pre-deploy-timeout': '2s'}});
    expect(run.exitCode).toBe(1);
    const name =
      /^198\.18\.0\.11: pre-deploy did not finish within 2\.0s\. Its container (faults-pre-deploy-[0-9a-f]{6}) goes on running, and deploys of faults wait until it ends/.exec(
        run.errors.at(-1) ?? '',
      )?.[1];
    expect(name).toBeDefined();
    expect(await hostStates()).toEqual(consistentOn('v1'));
    expect((await hostRun(host1, ['docker', 'inspect', '--format', '{{.State.Running}}', name as string])).trim()).toBe('true');
    await hostRun(host1, ['docker', 'rm', '--force', name as string]);
    await expectConsistentThenDeployable('v1');
  });

  describe('disk full in the state directory on host 2', () => {
    // A 1 MiB filesystem over the service's state on host 2, with its files copied in.
    const mountSmall = `set -e
rm -rf /tmp/${service}-state && cp -a ${stateDir} /tmp/${service}-state
mount -t tmpfs -o size=1m tmpfs ${stateDir}
cp -a /tmp/${service}-state/. ${stateDir}/`;
    const fill = `dd if=/dev/zero of=${stateDir}/fill bs=4k 2>/dev/null; true`;
    const unmount = `set -e
rm -f ${stateDir}/fill
rm -rf /tmp/${service}-state && cp -a ${stateDir} /tmp/${service}-state
umount ${stateDir}
rm -rf ${stateDir} && cp -a /tmp/${service}-state ${stateDir} && rm -rf /tmp/${service}-state`;
    const withSmallStateDir = async (work: () => Promise<void>) => {
      await hostRun(host2, ['sh', '-c', mountSmall]);
      try {
        await work();
      } finally {
        await hostRun(host2, ['sh', '-c', unmount]);
      }
    };

    it('before the deploy: the lock fails there, the others are released, nothing changes', async () => {
      await withSmallStateDir(async () => {
        await hostRun(host2, ['sh', '-c', fill]);
        const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
        expect(run.exitCode).toBe(1);
        expect(run.errors.at(-1)).toMatch(/^root@198\.18\.0\.12: taking the deploy lock failed \(exit 1\): .*(No space left on device|I\/O error)/);
        expect(await hostStates()).toEqual(consistentOn('v1'));
      });
      await expectConsistentThenDeployable('v1');
    });

    it('once the locks are taken: host 2 cannot start, host 1 goes back', async () => {
      await withSmallStateDir(async () => {
        const filled = runAction(action, {
          // An env file with content: an empty one needs no free block.
          inputs: {...inputs, image: images.v2 as string, 'batch-size': '1', env: 'RAILS_ENV=production'},
          onLine: line => {
            if (line.startsWith(`Locked ${service} on`)) void hostRun(host2, ['sh', '-c', fill]);
          },
        });
        const run = await filled;
        expect(run.exitCode).toBe(1);
        expect(run.errors.at(-1)).toMatch(/^root@198\.18\.0\.12: starting v2 failed \(exit 1\): .*(No space left on device|I\/O error)/);
        expect(run.outputs['rolled-back']).toBe('true');
        await postStep(run);
        expect(await hostStates()).toEqual(consistentOn('v1'));
      });
      await expectConsistentThenDeployable('v1');
    });
  });
});
