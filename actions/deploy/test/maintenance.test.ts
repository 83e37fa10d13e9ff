import {describe, expect, it} from 'vitest';
import {deploy} from '../src/run.js';
import {deployFailure, FakeHost, fakeCollaborators, fakeInputs} from './fake-host.js';

function threeHosts(): FakeHost[] {
  return ['web-1', 'web-2', 'web-3'].map(label => new FakeHost(label).serve('v1'));
}

const inMaintenance = (hosts: FakeHost[]) => hosts.map(host => host.maintenanceOn);

const duringPreDeploy = {preDeploy: 'bin/rails db:migrate', maintenanceDuringPreDeploy: true};

describe('maintenance: on|off with no image', () => {
  it('switches maintenance on every host under the lock, and changes nothing else', async () => {
    const hosts = threeHosts();
    for (const host of hosts) host.forbid('pull', 'start', 'cutover', 'runOnce', 'writeEnvFile', 'finish', 'remove');
    const collaborators = fakeCollaborators(hosts);
    const outputs = await deploy(fakeInputs(hosts, {image: undefined, maintenance: 'on'}), collaborators);
    expect(inMaintenance(hosts)).toEqual([true, true, true]);
    expect(hosts.map(host => host.log.filter(line => !line.startsWith('lock ') && !line.startsWith('unlock ')))).toEqual([
      ['readState', 'maintenance on'],
      ['readState', 'maintenance on'],
      ['readState', 'maintenance on'],
    ]);
    expect(hosts.map(host => host.lockToken)).toEqual([undefined, undefined, undefined]);
    expect(hosts.map(host => [host.live(), host.running()])).toEqual([
      ['v1', ['v1']],
      ['v1', ['v1']],
      ['v1', ['v1']],
    ]);
    expect(outputs).toMatchObject({version: 'v1', previousVersion: 'v1', rolledBack: false});
    expect(hosts[0]?.maintenancePage).toContain('<title>Down for maintenance</title>');
    expect(collaborators.lines).toContain('web-1: maintenance on');

    await deploy(fakeInputs(hosts, {image: undefined, maintenance: 'off'}), collaborators);
    expect(inMaintenance(hosts)).toEqual([false, false, false]);
  });

  it('answers with the maintenance-page input, and says when a host already was in that mode', async () => {
    const hosts = threeHosts();
    (hosts[1] as FakeHost).maintenanceOn = true;
    const collaborators = fakeCollaborators(hosts);
    await deploy(fakeInputs(hosts, {image: undefined, maintenance: 'on', maintenancePage: '<h1>Migrating</h1>'}), collaborators);
    expect(hosts.map(host => host.maintenancePage)).toEqual(['<h1>Migrating</h1>', '<h1>Migrating</h1>', '<h1>Migrating</h1>']);
    expect(collaborators.lines).toContain('web-2: maintenance on (it already was)');
  });

  it('waits for no lock it cannot have: another deploy’s lock stops it with nothing switched', async () => {
    const hosts = threeHosts();
    (hosts[2] as FakeHost).lockToken = 'another-deploy';
    for (const host of hosts) host.forbid('maintenance');
    const error = await deployFailure(deploy(fakeInputs(hosts, {image: undefined, maintenance: 'on'}), fakeCollaborators(hosts)));
    expect(error.message).toMatch(/^web-3: web is locked by/);
  });
});

describe('maintenance-during-pre-deploy', () => {
  it('turns maintenance on for the pre-deploy, each host’s switch ends it, and it is off everywhere after', async () => {
    const hosts = threeHosts();
    const during: boolean[][] = [];
    (hosts[0] as FakeHost).fail('runOnce', () => void during.push(inMaintenance(hosts)));
    await deploy(fakeInputs(hosts, {...duringPreDeploy, batchSize: 1}), fakeCollaborators(hosts));
    expect(during).toEqual([[true, true, true]]);
    expect(inMaintenance(hosts)).toEqual([false, false, false]);
    expect(hosts.map(host => host.live())).toEqual(['v2', 'v2', 'v2']);
    // On after the env file and before the migration; off only once every host has switched.
    const log = (hosts[0] as FakeHost).log;
    expect(
      log
        .filter(line => /^(maintenance|writeEnvFile|runOnce|cutover|finish)/.test(line))
        .map(line => line.split(' ')[0] + (line.startsWith('maintenance') ? ` ${line.split(' ')[1]}` : '')),
    ).toEqual(['maintenance status', 'writeEnvFile', 'maintenance on', 'runOnce', 'cutover', 'maintenance off', 'finish']);
  });

  it('turns maintenance off again when the pre-deploy fails', async () => {
    const hosts = threeHosts();
    (hosts[0] as FakeHost).fail('runOnce', () => {
      throw new Error('web-1: pre-deploy failed (exit 1)');
    });
    for (const host of hosts) host.forbid('start');
    await deployFailure(deploy(fakeInputs(hosts, duringPreDeploy), fakeCollaborators(hosts)));
    expect(inMaintenance(hosts)).toEqual([false, false, false]);
    expect(hosts.map(host => host.live())).toEqual(['v1', 'v1', 'v1']);
  });

  it('turns maintenance off again on hosts a failed switch rolled back and on hosts that never switched', async () => {
    const hosts = threeHosts();
    (hosts[1] as FakeHost).unhealthy.add('v2');
    const error = await deployFailure(deploy(fakeInputs(hosts, {...duringPreDeploy, batchSize: 1}), fakeCollaborators(hosts)));
    expect(error.outputs.rolledBack).toBe(true);
    expect(inMaintenance(hosts)).toEqual([false, false, false]);
    expect(hosts.map(host => host.live())).toEqual(['v1', 'v1', 'v1']);
  });

  it('turns maintenance off again when the deploy is cancelled during the pre-deploy', async () => {
    const hosts = threeHosts();
    const cancel = new AbortController();
    (hosts[0] as FakeHost).fail('runOnce', () => cancel.abort());
    const error = await deployFailure(deploy(fakeInputs(hosts, duringPreDeploy), fakeCollaborators(hosts, cancel.signal)));
    expect(error.message).toBe('The deploy was cancelled.');
    expect(inMaintenance(hosts)).toEqual([false, false, false]);
  });

  it('leaves maintenance on where a run with maintenance: on had turned it on, when the deploy fails', async () => {
    const hosts = threeHosts();
    for (const host of hosts) host.maintenanceOn = true;
    (hosts[0] as FakeHost).fail('runOnce', () => {
      throw new Error('web-1: pre-deploy failed (exit 1)');
    });
    await deployFailure(deploy(fakeInputs(hosts, duringPreDeploy), fakeCollaborators(hosts)));
    expect(inMaintenance(hosts)).toEqual([true, true, true]);
  });

  it('warns, and keeps the deploy’s own failure, when maintenance will not go off again on a host', async () => {
    const hosts = threeHosts();
    const [web1, web2] = hosts as [FakeHost, FakeHost];
    web1.fail('runOnce', () => {
      throw new Error('web-1: pre-deploy failed (exit 1)');
    });
    web2.fail('maintenance', (_, args) => {
      if (args[0] === 'off') throw new Error('web-2: switching maintenance off failed (exit 1): No such server.');
    });
    const collaborators = fakeCollaborators(hosts);
    const error = await deployFailure(deploy(fakeInputs(hosts, duringPreDeploy), collaborators));
    expect(error.message).toBe('web-1: pre-deploy failed (exit 1)');
    expect(collaborators.lines).toContain(
      'warning: web-2: could not switch maintenance back off (web-2: switching maintenance off failed (exit 1): No such server.); run the deploy with maintenance: off to do it.',
    );
  });
});

describe('a deploy while maintenance is on', () => {
  it('is refused before anything changed: its switch would end the maintenance', async () => {
    const hosts = threeHosts();
    (hosts[1] as FakeHost).maintenanceOn = true;
    for (const host of hosts) host.forbid('start', 'runOnce', 'writeEnvFile');
    const error = await deployFailure(deploy(fakeInputs(hosts, {preDeploy: 'bin/rails db:migrate'}), fakeCollaborators(hosts)));
    expect(error.message).toBe(
      'web-2: in maintenance mode: the switch to the new release would end it. Nothing was changed. Turn it off first (maintenance: off), or deploy with maintenance-during-pre-deploy: true, which ends it after the switch.',
    );
    expect(inMaintenance(hosts)).toEqual([false, true, false]);
    expect(hosts.map(host => host.lockToken)).toEqual([undefined, undefined, undefined]);
  });

  it('goes on with maintenance-during-pre-deploy, and ends it after the switch', async () => {
    const hosts = threeHosts();
    for (const host of hosts) host.maintenanceOn = true;
    await deploy(fakeInputs(hosts, duringPreDeploy), fakeCollaborators(hosts));
    expect(inMaintenance(hosts)).toEqual([false, false, false]);
    expect(hosts.map(host => host.live())).toEqual(['v2', 'v2', 'v2']);
  });
});
