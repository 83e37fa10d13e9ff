import {join} from 'node:path';
import {findSandbox, hostRun, pushTestApp, runAction, runPostStep} from '@circuitverse/testkit';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {deployInputs, servedVersions, serveFresh} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'fail';
const port = 8082;

describe.skipIf(!sandbox)('deploy when things go wrong', () => {
  if (!sandbox) return;
  const inputs = deployInputs(sandbox, service);
  const images: Record<string, string> = {};
  const [host1, host2] = sandbox.hosts;
  if (!host1 || !host2) throw new Error('The sandbox needs at least two hosts.');

  const lockDirs = async (): Promise<string[]> => {
    const listings = await Promise.all(
      sandbox.hosts.map(host => hostRun(host, ['sh', '-c', `ls -d /var/lib/circuitverse-deploy/${service}/lock 2>/dev/null; true`])),
    );
    return listings.map(listing => listing.trim()).filter(listing => listing !== '');
  };

  const containerCounts = async (): Promise<number[]> => {
    const listings = await Promise.all(
      sandbox.hosts.map(host => hostRun(host, ['docker', 'ps', '-aq', '--filter', `label=circuitverse.deploy.service=${service}`])),
    );
    return listings.map(listing => listing.split('\n').filter(line => line.trim() !== '').length);
  };

  beforeAll(async () => {
    for (const version of ['v1', 'v2']) images[version] = await pushTestApp(sandbox, version);
  });

  beforeEach(() => serveFresh(action, sandbox, service, port, inputs, images.v1 as string));

  it('refuses a rollback when there is nothing to go back to, before touching any host', async () => {
    const run = await runAction(action, {inputs: {...inputs, rollback: 'true'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/^Input "rollback" has nothing to go back to: 198\.18\.0\.11 has no earlier release of fail\. Releases there: v1\.$/);
    expect(await lockDirs()).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it("fails with the registry's own message when a host cannot pull, before any lock or change", async () => {
    const run = await runAction(action, {inputs: {...inputs, image: `${sandbox.testApp.image}:no-such-version`}});
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/^root@198\.18\.0\.\d+: pulling \S+:no-such-version failed \(exit 1\): .*manifest unknown/);
    expect(await lockDirs()).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(await containerCounts()).toEqual([1, 1, 1]);
  });

  it('restores the upstream file when nginx -t fails on a host, and puts the other hosts back', async () => {
    // Host 2 is as a release before HAProxy left it, its upstream naming the container, so the deploy must reload
    // nginx there; and someone left a broken file in its conf.d: nginx keeps running, but nothing may be switched.
    const upstreamFile = `/etc/nginx/conf.d/${service}-upstream.conf`;
    const direct = `sed -i -e 's/^# container: \\(127\\.0\\.0\\.1:[0-9]*\\).*/# \\1/' -e 's/^  server 127\\.0\\.0\\.1:[0-9]*;/  server CONTAINER;/' "$1"
sed -i "s/CONTAINER/$(sed -n 's/^# \\(127\\.0\\.0\\.1:[0-9]*\\)$/\\1/p' "$1")/" "$1"
echo "this is not nginx" >/etc/nginx/conf.d/zz-broken.conf`;
    await hostRun(host2, ['sh', '-c', direct, 'direct', upstreamFile]);
    const before = await hostRun(host2, ['cat', upstreamFile]);
    try {
      const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, 'batch-size': '1'}});
      expect(run.exitCode).toBe(1);
      expect(run.errors.at(-1)).toMatch(
        /^198\.18\.0\.12: nothing was switched \(exit 3\): nginx -t rejected the new upstream file; the previous files are back in place\.$/,
      );
      expect(run.outputs['rolled-back']).toBe('true');
      expect(await hostRun(host2, ['cat', upstreamFile])).toBe(before);
    } finally {
      await hostRun(host2, ['rm', '-f', '/etc/nginx/conf.d/zz-broken.conf']);
    }
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(await lockDirs()).toEqual([]);
  });

  it('goes back to a named version with rollback-to', async () => {
    expect((await runAction(action, {inputs: {...inputs, image: images.v2 as string}})).errors).toEqual([]);
    const run = await runAction(action, {inputs: {...inputs, 'rollback-to': 'v1'}});
    expect(run.errors).toEqual([]);
    expect(run.outputs.version).toBe('v1');
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    const unknown = await runAction(action, {inputs: {...inputs, 'rollback-to': 'v9'}});
    expect(unknown.errors.at(-1)).toMatch(/^Input "rollback-to" names v9, which 198\.18\.0\.11 never ran\. Releases there: v1, v2\.$/);
  });

  it('puts switched hosts back when host 2 of 3 fails, and leaves no lock', async () => {
    // Host 2's new container dies while booting: the crash a real app has when, say, one host lacks a mount.
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, 'batch-size': '1', env: 'BOOT_DELAY=3'},
      onLine: line => {
        const started = new RegExp(`^${host2.address.replace(/\./g, '\\.')}: started (\\S+)`).exec(line);
        if (started) void hostRun(host2, ['docker', 'kill', started[1] as string]);
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/^198\.18\.0\.12: v2 exited \(status exited, exit code \d+\) before its health check passed/);
    expect(run.outputs['rolled-back']).toBe('true');
    const hosts = JSON.parse(run.outputs.hosts as string) as Array<{host: string; status: string; after: string}>;
    expect(hosts.map(host => [host.status, host.after])).toEqual([
      ['rolled-back', 'v1'],
      ['failed', 'v1'],
      ['not-started', 'v1'],
    ]);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(await lockDirs()).toEqual([]);
    expect(await containerCounts()).toEqual([1, 1, 1]);
  });

  it('makes a second deploy fail naming the holder while the first holds the lock', async () => {
    let second: Promise<Awaited<ReturnType<typeof runAction>>> | undefined;
    const first = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, env: 'BOOT_DELAY=4'},
      onLine: line => {
        if (!second && line.includes(': started ')) second = runAction(action, {inputs: {...inputs, image: images.v1 as string}});
      },
    });
    expect(first.errors).toEqual([]);
    const refused = await (second as Promise<Awaited<ReturnType<typeof runAction>>>);
    expect(refused.exitCode).toBe(1);
    expect(refused.errors.at(-1)).toMatch(
      /^198\.18\.0\.11: fail is locked by octocat since \S+ \(version v2, https:\/\/github\.com\/circuitverse\/circuitverse\/actions\/runs\/4242\)\. Wait for that deploy, raise lock-wait, or, if that run is gone, break the lock with: ssh 198\.18\.0\.11 rm -rf \/var\/lib\/circuitverse-deploy\/fail\/lock$/,
    );
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    expect(await lockDirs()).toEqual([]);
  });

  it('waits for the lock with lock-wait, then deploys after the holder, never in between', async () => {
    let second: Promise<Awaited<ReturnType<typeof runAction>>> | undefined;
    const first = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, env: 'BOOT_DELAY=4'},
      onLine: line => {
        if (!second && line.includes(': started ')) second = runAction(action, {inputs: {...inputs, image: images.v1 as string, 'lock-wait': '2m'}});
      },
    });
    expect(first.errors).toEqual([]);
    const waited = await (second as Promise<Awaited<ReturnType<typeof runAction>>>);
    expect(waited.errors).toEqual([]);
    expect(waited.log).toMatch(/fail is locked by octocat .*; waiting\./);
    expect(waited.outputs['previous-version']).toBe('v2');
    const history = await hostRun(host1, ['cut', '-f', '2', `/var/lib/circuitverse-deploy/${service}/history`]);
    expect(history.trim().split('\n')).toEqual(['v1', 'v2', 'v1']);
  });

  it('releases the lock and keeps the old release serving when the job is cancelled', async () => {
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, env: 'BOOT_DELAY=30'},
      cancel: {when: /: started /, signal: 'SIGINT'},
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/cancelled/);
    expect(await lockDirs()).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(await containerCounts()).toEqual([1, 1, 1]);
  });

  it('fails clearly when the SSH connection drops mid-deploy, and a re-run converges', async () => {
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, env: 'BOOT_DELAY=3'},
      onLine: line => {
        if (line.startsWith(`${host1.address}: started `)) void hostRun(host1, ['sh', '-c', 'pkill -P "$(cat /run/sshd.pid)"']);
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/^root@198\.18\.0\.11: .*connection/i);
    // The runner runs the post step after a failed main step: it releases what the main step could not.
    const post = await runPostStep(action, run, {inputs: {...inputs, image: images.v2 as string}});
    expect(post.exitCode).toBe(0);
    expect(await lockDirs()).toEqual([]);

    const again = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(again.errors).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    expect(await containerCounts()).toEqual([1, 1, 1]);
    expect(await lockDirs()).toEqual([]);
  });
});
