import {ConfigError} from '@circuitverse/shared';
import {describe, expect, it} from 'vitest';
import type {MonitSettings} from '../src/monit.js';
import {deploy} from '../src/run.js';
import {consistent, deployFailure, endState, FakeHost, fakeCollaborators, fakeInputs} from './fake-host.js';

const convention: MonitSettings = {checks: 'convention', writeCheck: false};

function monitoredHosts(): FakeHost[] {
  return ['web-1', 'web-2', 'web-3'].map(label => {
    const host = new FakeHost(label).serve('v1');
    host.monit = new Map([
      ['web', true],
      ['web-container', true],
      ['db', true],
    ]);
    return host;
  });
}

/** What each host did, Monit's part and the switch's, in order. */
function steps(host: FakeHost): string[] {
  return host.log.filter(line => /^(switchMonit|writeMonitCheck|start|cutover|remove)/.test(line)).map(line => line.replace(/ web-v\d-\d+$/, ''));
}

const monitored = (hosts: FakeHost[]) => hosts.map(host => [...(host.monit ?? [])].filter(([, on]) => on).map(([name]) => name));

describe('deploy with monit', () => {
  it('unmonitors the service’s checks before each host’s switch and monitors them after, leaving the rest alone', async () => {
    const hosts = monitoredHosts();
    await deploy(fakeInputs(hosts, {monit: convention}), fakeCollaborators(hosts));
    expect(endState(hosts)).toEqual(consistent(hosts, 'v2'));
    for (const host of hosts) {
      expect(steps(host)).toEqual(['switchMonit unmonitor web web-container', 'start v2', 'cutover', 'switchMonit monitor web web-container']);
    }
    expect(monitored(hosts)).toEqual([
      ['web', 'web-container', 'db'],
      ['web', 'web-container', 'db'],
      ['web', 'web-container', 'db'],
    ]);
  });

  it('monitors again after a failed switch, and after each rollback’s', async () => {
    const hosts = monitoredHosts();
    (hosts[2] as FakeHost).unhealthy.add('v2');
    await deployFailure(deploy(fakeInputs(hosts, {monit: {checks: ['web'], writeCheck: false}, batchSize: 1}), fakeCollaborators(hosts)));
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
    const [web1, , web3] = hosts as [FakeHost, FakeHost, FakeHost];
    expect(steps(web1)).toEqual([
      'switchMonit unmonitor web',
      'start v2',
      'cutover',
      'switchMonit monitor web',
      'switchMonit unmonitor web',
      'start v1',
      'cutover',
      'switchMonit monitor web',
    ]);
    expect(steps(web3)).toEqual(['switchMonit unmonitor web', 'start v2', 'remove', 'switchMonit monitor web']);
    expect(monitored(hosts).every(names => names.length === 3)).toBe(true);
  });

  it('monitors again when the job is cancelled during a health check', async () => {
    const hosts = monitoredHosts();
    const cancel = new AbortController();
    const web2 = hosts[1] as FakeHost;
    web2.unhealthy.add('v2');
    web2.fail('checkHealth', call => {
      if (call === 2) cancel.abort();
    });
    const error = await deployFailure(deploy(fakeInputs(hosts, {monit: convention, batchSize: 1}), fakeCollaborators(hosts, cancel.signal)));
    expect(error.message).toBe('The deploy was cancelled.');
    expect(steps(web2)).toEqual(['switchMonit unmonitor web web-container', 'start v2', 'remove', 'switchMonit monitor web web-container']);
    expect(monitored(hosts).every(names => names.length === 3)).toBe(true);
  });

  it('writes the check for the new container between the switch and the monitor', async () => {
    const hosts = monitoredHosts();
    for (const host of hosts) host.monit?.clear();
    await deploy(fakeInputs(hosts, {monit: {checks: 'convention', writeCheck: true}}), fakeCollaborators(hosts));
    for (const host of hosts) {
      // The first deploy finds none to unmonitor; the file it writes makes them, monitored.
      expect(steps(host)).toEqual(['switchMonit unmonitor', 'start v2', 'cutover', 'writeMonitCheck', 'switchMonit monitor web web-container']);
      expect(host.monitCheckContainer).toMatch(/^web-v2-/);
    }
    expect(monitored(hosts)).toEqual([
      ['web', 'web-container'],
      ['web', 'web-container'],
      ['web', 'web-container'],
    ]);
  });

  it('keeps the release and says so when monitoring again fails', async () => {
    const hosts = monitoredHosts();
    const web1 = hosts[0] as FakeHost;
    web1.fail('switchMonit', call => {
      if (call === 2) throw new Error('Monit did not monitor web (Not monitored) within 10 s');
    });
    const collaborators = fakeCollaborators(hosts);
    await deploy(fakeInputs(hosts, {monit: convention}), collaborators);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v2'));
    expect(collaborators.lines).toContainEqual(
      expect.stringContaining('web-1: Monit does not monitor web, web-container again (Monit did not monitor web (Not monitored) within 10 s)'),
    );
  });

  it('refuses before the lock, naming the input, when a host has no Monit', async () => {
    const hosts = monitoredHosts();
    (hosts[1] as FakeHost).monit = undefined;
    for (const host of hosts) host.forbid('lock', 'pull', 'start', 'switchMonit');
    const error = await deployFailure(deploy(fakeInputs(hosts, {monit: convention}), fakeCollaborators(hosts)));
    expect(error.cause).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^Input "monit" is set, but web-2 has no monit command\./);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });
});
