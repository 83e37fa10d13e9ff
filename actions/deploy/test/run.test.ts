import {describe, expect, it} from 'vitest';
import {CutoverError} from '../src/deploy-host.js';
import {deploy} from '../src/run.js';
import {consistent, deployFailure, endState, FakeHost, fakeCollaborators, fakeInputs, imageOf} from './fake-host.js';

function threeHosts(...versions: string[]): FakeHost[] {
  return ['web-1', 'web-2', 'web-3'].map(label => new FakeHost(label).serve(...versions));
}

describe('deploy', () => {
  it('moves every host to the new release, keeps one container, and leaves no lock', async () => {
    const hosts = threeHosts('v1');
    const collaborators = fakeCollaborators(hosts);
    const outputs = await deploy(fakeInputs(hosts), collaborators);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v2'));
    expect(outputs).toMatchObject({version: 'v2', previousVersion: 'v1', rolledBack: false});
    expect(hosts.map(host => host.history.at(-1)?.version)).toEqual(['v2', 'v2', 'v2']);
    // Said after the lock read what serves, not before.
    expect(collaborators.lines).toContain('web: v1 → v2 on 3 host(s)');
  });

  it('never removes a running container before the new one has taken the traffic, when the upstream names none', async () => {
    // The upstream file moved, was edited by hand, or proxy was none: the running v1 may be what nginx still serves.
    const hosts = threeHosts('v1');
    for (const host of hosts) host.upstreamPort = undefined;
    const collaborators = fakeCollaborators(hosts);
    await deploy(fakeInputs(hosts), collaborators);
    for (const host of hosts) {
      const removal = host.log.findIndex(line => line.startsWith('remove web-v1'));
      expect(removal).toBeGreaterThan(host.log.findIndex(line => line.startsWith('cutover')));
    }
    expect(endState(hosts)).toEqual(consistent(hosts, 'v2'));
    expect(collaborators.lines.some(line => line.includes('the upstream file names no port on 127.0.0.1'))).toBe(true);
  });

  it('keeps the running container when the switch fails on a host whose upstream names none', async () => {
    const hosts = threeHosts('v1');
    const [host] = hosts as [FakeHost];
    host.upstreamPort = undefined;
    host.fail('cutover', () => {
      throw new CutoverError(host.label, false, 'switching nginx failed (exit 3)', 'nginx: [emerg] duplicate upstream "web"');
    });
    await deployFailure(deploy(fakeInputs(hosts), fakeCollaborators(hosts)));
    expect(host.running()).toEqual(['v1']);
    expect(host.log.some(line => line.startsWith('remove web-v1'))).toBe(false);
  });

  it('moves the upstream file the last deploy wrote when nginx-upstream-file names another, once', async () => {
    const hosts = threeHosts('v1');
    const moves: Array<string | undefined> = [];
    for (const host of hosts) {
      host.upstreamFile = '/etc/nginx/sites-enabled/web-upstream';
      host.fail('cutover', (_, args) => void moves.push((args[1] as {upstream: {movedFrom?: string}}).upstream.movedFrom));
    }
    (hosts[2] as FakeHost).unhealthy.add('v2');
    await deployFailure(deploy(fakeInputs(hosts, {batchSize: 1}), fakeCollaborators(hosts)));
    // web-1 and web-2 move it with their switch; their rollbacks find it where the input says.
    expect(moves).toEqual(['/etc/nginx/sites-enabled/web-upstream', '/etc/nginx/sites-enabled/web-upstream', undefined, undefined]);
  });

  it('finishes a deploy whose switch went through when a container that no longer serves will not go', async () => {
    const hosts = threeHosts('v1');
    const [host] = hosts as [FakeHost];
    const orphan = host.addContainer('v9');
    host.fail('remove', (_, args) => {
      if (args[0] === orphan.name) throw new Error('web-1: removing failed (exit 1): device or resource busy');
    });
    const collaborators = fakeCollaborators(hosts);
    const outputs = await deploy(fakeInputs(hosts), collaborators);
    expect(outputs.rolledBack).toBe(false);
    expect(hosts.map(other => other.live())).toEqual(['v2', 'v2', 'v2']);
    expect(collaborators.lines).toContain(
      `warning: web-1: could not remove ${orphan.name} (web-1: removing failed (exit 1): device or resource busy); the next deploy removes it.`,
    );
  });

  it('removes stopped leftovers before the switch and running ones only after it', async () => {
    const hosts = threeHosts('v1');
    const [host] = hosts as [FakeHost];
    host.addContainer('v0', false);
    const orphan = host.addContainer('v9');
    await deploy(fakeInputs(hosts), fakeCollaborators(hosts));
    expect(host.log.findIndex(line => line.startsWith('remove web-v0'))).toBeLessThan(host.log.findIndex(line => line.startsWith('start')));
    expect(host.log.indexOf(`remove ${orphan.name}`)).toBeGreaterThan(host.log.findIndex(line => line.startsWith('cutover')));
    expect(endState(hosts)).toEqual(consistent(hosts, 'v2'));
  });

  it('rolls back a host whose cutover failed after switching, with the others', async () => {
    const hosts = threeHosts('v1');
    const host = hosts[1] as FakeHost;
    host.fail('cutover', async (call, args) => {
      if (call !== 1) return;
      // As when nginx switched but stopping the old container failed: traffic is on the new one.
      host.upstreamPort = (args[1] as {upstream: {port: number}}).upstream.port;
      throw new CutoverError(host.label, true, 'finishing the switch failed (exit 1)', 'docker: no space left on device');
    });
    const error = await deployFailure(deploy(fakeInputs(hosts), fakeCollaborators(hosts)));
    expect(error.message).toBe('web-2: finishing the switch failed (exit 1): docker: no space left on device.');
    expect(error.outputs.rolledBack).toBe(true);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
    expect(error.outputs.hosts.map(report => report.after)).toEqual(['v1', 'v1', 'v1']);
  });

  it('lets every host finish rolling back when one rollback fails, and keeps the first cause', async () => {
    const hosts = threeHosts('v1');
    const [web1, web2, web3] = hosts as [FakeHost, FakeHost, FakeHost];
    web3.unhealthy.add('v2');
    web1.fail('start', call => {
      if (call === 2) throw new Error('web-1: starting v1 failed (exit 125): no space left on device');
    });
    let web2RollbackDone = false;
    web2.fail('cutover', async call => {
      if (call !== 2) return;
      for (let tick = 0; tick < 20; tick++) await new Promise(resolve => setImmediate(resolve));
      web2RollbackDone = true;
    });
    web2.fail('unlock', () => {
      expect(web2RollbackDone).toBe(true);
    });
    const error = await deployFailure(deploy(fakeInputs(hosts), fakeCollaborators(hosts)));
    expect(error.message).toMatch(/^web-3: v2 failed its health check at \/up/);
    expect(error.message).toContain('Rolling back then failed on web-1 (web-1: starting v1 failed (exit 125): no space left on device)');
    expect(error.message).toContain('Now: web-1 runs v2, web-2 runs v1, web-3 runs v1.');
    expect(endState(hosts).slice(1)).toEqual(consistent(hosts, 'v1').slice(1));
    expect(hosts.map(host => host.lockToken)).toEqual([undefined, undefined, undefined]);
  });

  it('releases the locks it took when taking another fails', async () => {
    const hosts = threeHosts('v1');
    (hosts[2] as FakeHost).fail('lock', () => {
      throw new Error('web-3: taking the deploy lock failed (exit 1): read-only file system');
    });
    for (const host of hosts) host.forbid('start');
    await deployFailure(deploy(fakeInputs(hosts), fakeCollaborators(hosts)));
    expect(hosts.map(host => host.lockToken)).toEqual([undefined, undefined, undefined]);
  });

  it('takes the same gate host first whatever order the hosts are listed in', async () => {
    const hosts = threeHosts('v1');
    const order: string[] = [];
    for (const host of hosts) host.fail('lock', () => void order.push(host.label));
    const reversed = [...hosts].reverse();
    await deploy(fakeInputs(reversed), fakeCollaborators(reversed));
    expect(order[0]).toBe('web-1');
  });

  it('refuses the lock while an earlier deploy’s pre-deploy still runs, and changes nothing', async () => {
    const hosts = threeHosts('v1');
    const [web1] = hosts as [FakeHost];
    web1.runningPreDeploys = ['web-pre-deploy-abc123'];
    for (const host of hosts) host.forbid('start', 'runOnce');
    const error = await deployFailure(deploy(fakeInputs(hosts, {preDeploy: 'bin/rails db:migrate'}), fakeCollaborators(hosts)));
    expect(error.message).toBe(
      'web-1: the pre-deploy container web-pre-deploy-abc123 of an earlier deploy is still running. Wait for it (docker logs -f web-pre-deploy-abc123), raise lock-wait, or stop it (docker stop web-pre-deploy-abc123) if it must not finish.',
    );
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('says what every host runs when it stops after a failure with on-failure: stop', async () => {
    const hosts = threeHosts('v1');
    (hosts[2] as FakeHost).unhealthy.add('v2');
    const collaborators = fakeCollaborators(hosts);
    const error = await deployFailure(deploy(fakeInputs(hosts, {onFailure: 'stop', batchSize: 1}), collaborators));
    expect(error.outputs.rolledBack).toBe(false);
    expect(collaborators.lines).toContain('error: Stopped: web-1 runs v2, web-2 runs v2, web-3 runs v1.');
    expect(hosts.map(host => host.running())).toEqual([['v2'], ['v2'], ['v1']]);
  });
});

describe('deploy and text from outside', () => {
  it('logs the pre-deploy container’s output and health answers as untrusted text, which no runner reads as a command', async () => {
    const hosts = threeHosts('v1');
    const collaborators = fakeCollaborators(hosts);
    const untrusted: string[] = [];
    collaborators.logger = {...collaborators.logger, untrusted: text => untrusted.push(text)};
    await deploy(fakeInputs(hosts, {preDeploy: 'bin/rails db:migrate'}), collaborators);
    expect(untrusted).toContain('migrated');
    expect(untrusted).toContain('web-1: GET /up attempt 1: 200 OK');
    expect(collaborators.lines.filter(line => line === 'migrated' || line.includes('GET /up'))).toEqual([]);
  });
});

describe('deploy when a host’s Docker Engine is away', () => {
  it('keeps trying to remove a new container that never took traffic, so it cannot come back beside the old', async () => {
    const hosts = threeHosts('v1');
    const web2 = hosts[1] as FakeHost;
    web2.unhealthy.add('v2');
    web2.fail('remove', call => {
      if (call <= 2) throw new Error('web-2: removing failed (exit 1): Cannot connect to the Docker daemon at unix:///var/run/docker.sock.');
    });
    await deployFailure(deploy(fakeInputs(hosts), fakeCollaborators(hosts)));
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('says which container it could not remove when the engine stays away', async () => {
    const hosts = threeHosts('v1');
    const web2 = hosts[1] as FakeHost;
    web2.unhealthy.add('v2');
    web2.fail('remove', () => {
      throw new Error('Cannot connect to the Docker daemon');
    });
    const collaborators = fakeCollaborators(hosts);
    await deployFailure(deploy(fakeInputs(hosts), collaborators));
    expect(collaborators.lines.some(line => /^warning: web-2: could not remove web-v2-\d+, which never took traffic \(Cannot connect/.test(line))).toBe(true);
  });
});

describe('deploy when the job is cancelled', () => {
  it('rolls the switched hosts back when cancelled during a later host’s health check', async () => {
    const hosts = threeHosts('v1');
    const cancel = new AbortController();
    const web3 = hosts[2] as FakeHost;
    web3.unhealthy.add('v2');
    web3.fail('checkHealth', call => {
      if (call === 2) cancel.abort();
    });
    const error = await deployFailure(deploy(fakeInputs(hosts, {batchSize: 1}), fakeCollaborators(hosts, cancel.signal)));
    expect(error.message).toBe('The deploy was cancelled.');
    expect(error.outputs.rolledBack).toBe(true);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('takes no lock and runs no migration when cancelled during the pull', async () => {
    const hosts = threeHosts('v1');
    const cancel = new AbortController();
    (hosts[0] as FakeHost).fail('pull', () => cancel.abort());
    for (const host of hosts) host.forbid('lock', 'runOnce', 'start');
    const error = await deployFailure(deploy(fakeInputs(hosts, {preDeploy: 'bin/rails db:migrate'}), fakeCollaborators(hosts, cancel.signal)));
    expect(error.message).toBe('The deploy was cancelled.');
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('switches nothing when cancelled during the pre-deploy, and releases the lock', async () => {
    const hosts = threeHosts('v1');
    const cancel = new AbortController();
    (hosts[0] as FakeHost).fail('runOnce', () => cancel.abort());
    for (const host of hosts) host.forbid('start');
    await deployFailure(deploy(fakeInputs(hosts, {preDeploy: 'bin/rails db:migrate'}), fakeCollaborators(hosts, cancel.signal)));
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('finishes the rollback when the cancel comes during it', async () => {
    const hosts = threeHosts('v1');
    const cancel = new AbortController();
    const [web1, , web3] = hosts as [FakeHost, FakeHost, FakeHost];
    web3.unhealthy.add('v2');
    // web-1's rollback starts its v1 container: cancel then, as a second press of "Cancel workflow" would.
    web1.fail('start', call => {
      if (call === 2) cancel.abort();
    });
    const error = await deployFailure(deploy(fakeInputs(hosts, {batchSize: 1}), fakeCollaborators(hosts, cancel.signal)));
    expect(error.message).toMatch(/^web-3: v2 failed its health check/);
    expect(error.outputs.rolledBack).toBe(true);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });
});

describe('rollback after a failed deploy', () => {
  it('goes back to the same release on every host, never to the one that failed', async () => {
    const hosts = threeHosts('v0', 'v1');
    (hosts[2] as FakeHost).unhealthy.add('v2');
    await deployFailure(deploy(fakeInputs(hosts, {batchSize: 1}), fakeCollaborators(hosts)));
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
    const outputs = await deploy(fakeInputs(hosts, {image: undefined, rollback: true}), fakeCollaborators(hosts));
    expect(outputs.version).toBe('v0');
    expect(endState(hosts)).toEqual(consistent(hosts, 'v0'));
  });
});

describe('rollback', () => {
  it('goes back on every host to the release before', async () => {
    const hosts = threeHosts('v1', 'v2');
    const outputs = await deploy(fakeInputs(hosts, {image: undefined, rollback: true}), fakeCollaborators(hosts));
    expect(outputs.version).toBe('v1');
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
    expect(hosts.every(host => host.images.has(imageOf('v2')))).toBe(true);
  });
});
