import {describe, expect, it} from 'vitest';
import type {ServiceContainer} from '../src/deploy-host.js';
import {parseRoles} from '../src/roles.js';
import {deploy} from '../src/run.js';
import {judgeRounds, type WatchRound} from '../src/watch.js';
import {consistent, deployFailure, endState, FakeHost, fakeCollaborators, fakeInputs, roleDefaults} from './fake-host.js';

function threeHosts(): FakeHost[] {
  return ['web-1', 'web-2', 'web-3'].map(label => new FakeHost(label).serve('v1'));
}

const watch30s = (hosts: FakeHost[], overrides = {}) => fakeInputs(hosts, {watchMs: 30_000, ...overrides});

describe('the watch after the switch', () => {
  it('probes every host about once a second, logs each host every 10 s, then finishes and unlocks', async () => {
    const hosts = threeHosts();
    const collaborators = fakeCollaborators(hosts);
    const outputs = await deploy(watch30s(hosts), collaborators);
    expect(outputs).toMatchObject({version: 'v2', rolledBack: false});
    expect(endState(hosts)).toEqual(consistent(hosts, 'v2'));
    expect(collaborators.lines).toContain('▸ Watch');
    expect(collaborators.lines.some(line => line.startsWith('Watching v2 on 3 host(s) for 30.0s: GET /up on each live container once a second'))).toBe(true);
    expect(collaborators.lines).toContain('v2 held on every host for 30.0s.');
    expect(collaborators.lines.some(line => line.includes('| health | switch | drain | stop | watch |\n'))).toBe(true);
    expect(outputs.hosts.map(host => host.phases.watch)).toEqual([30_000, 30_000, 30_000]);
    for (const host of hosts) {
      // One probe is the switch's health check; the watch's are the rest.
      const probes = host.log.filter(line => line === 'checkHealth /up').length - 1;
      expect(probes).toBeGreaterThanOrEqual(29);
      expect(probes).toBeLessThanOrEqual(32);
      const reports = collaborators.lines.filter(line => line.startsWith(`${host.label}: `) && line.includes(' watched: '));
      expect(reports.length).toBeLessThanOrEqual(4);
      expect(reports.at(-1)).toMatch(/^web-\d: 30\.0s watched: 3\d round\(s\) of GET \/up, all 2xx; 1 container\(s\) running, no restarts$/);
      // The lock is held until the watch ends.
      expect(host.log.findIndex(line => line.startsWith('finish'))).toBeGreaterThan(host.log.lastIndexOf('checkHealth /up'));
    }
  });

  it('rolls every host back when one starts failing its health check after the switch, and says which and what', async () => {
    const hosts = threeHosts();
    const web2 = hosts[1] as FakeHost;
    web2.unhealthyAfter.set('v2', 5);
    const collaborators = fakeCollaborators(hosts);
    const error = await deployFailure(deploy(watch30s(hosts), collaborators));
    expect(error.message).toMatch(
      /^web-2: v2 failed the watch after \d+\.\ds: GET \/up answered 503, 503, 503 \(3 failed rounds in a row\): container log: listening\. Every host is back on v1, recorded in its history as back from v2\. The last log lines and answers are in the log above\.$/,
    );
    expect(error.outputs.rolledBack).toBe(true);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
    expect(hosts.map(host => host.history.at(-1))).toEqual(hosts.map(() => expect.objectContaining({version: 'v1', backFrom: 'v2'})));
    expect(collaborators.lines).toContain('▸ Roll back every host');
    expect(collaborators.lines.some(line => /^error: web-2: last lines of web-v2-\d+:$/.test(line))).toBe(true);
    expect(collaborators.lines).toContain('+2.0s GET /up: 503 Service Unavailable');
  });

  it('names every host that was failing, the first to break the rule first', async () => {
    const hosts = threeHosts();
    for (const host of hosts) host.unhealthyAfter.set('v2', 4);
    const error = await deployFailure(deploy(watch30s(hosts), fakeCollaborators(hosts)));
    expect(error.message).toMatch(
      /^web-1: v2 failed the watch after .*: container log: listening\. web-2 too: GET \/up answered 503, 503, 503 \(3 failed rounds in a row\)\. web-3 too: GET \/up answered 503, 503, 503 \(3 failed rounds in a row\)\. Every host is back on v1/,
    );
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('rolls back when the watch-path fails while the health path answers', async () => {
    const hosts = threeHosts();
    const web1 = hosts[0] as FakeHost;
    web1.pathStatus.set('/db', 500);
    const error = await deployFailure(deploy(watch30s(hosts, {watchPath: '/db'}), fakeCollaborators(hosts)));
    expect(error.message).toMatch(/^web-1: v2 failed the watch after \d+\.\ds: GET \/db answered 500, 500, 500 \(3 failed rounds in a row\)/);
    expect(web1.log.filter(line => line === 'checkHealth /up').length).toBeGreaterThan(3);
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('rolls back at once when a new container is killed for memory, and says so', async () => {
    const hosts = threeHosts();
    (hosts[2] as FakeHost).outOfMemoryAfter.set('v2', 6);
    const error = await deployFailure(deploy(watch30s(hosts), fakeCollaborators(hosts)));
    expect(error.message).toMatch(
      /^web-3: v2 failed the watch after \d+\.\ds: web-v2-\d+ was killed for running out of memory: it reached its memory limit of 64 MiB \(OOMKilled, exit code 137; Docker restarted it 1 time\); raise its memory or find what it allocates as it runs:/,
    );
    expect(endState(hosts)).toEqual(consistent(hosts, 'v1'));
  });

  it('moves every role back when a worker exits during the watch', async () => {
    const hosts = ['web-1', 'web-2'].map(label => {
      const host = new FakeHost(label).serve('v1');
      for (const container of host.containers) container.role = 'web';
      host.addContainer('v1', true, 'sidekiq').port = undefined;
      return host;
    });
    const web2 = hosts[1] as FakeHost;
    web2.fail('containerState', (call, args) => {
      const container = web2.containers.find(candidate => candidate.name === args[0]);
      if (call > 10 && container?.role === 'sidekiq' && container.version === 'v2') container.running = false;
    });
    const inputs = watch30s(hosts);
    const roles = parseRoles('web:\nsidekiq:\n', roleDefaults(inputs.hosts));
    const error = await deployFailure(deploy({...inputs, roles}, fakeCollaborators(hosts)));
    expect(error.message).toMatch(/^web-2: v2 failed the watch after .*: web-sidekiq-v2-\d+ exited \(status exited, exit code 0\)/);
    expect(hosts.map(host => ({web: host.running('web'), sidekiq: host.running('sidekiq')}))).toEqual(hosts.map(() => ({web: ['v1'], sidekiq: ['v1']})));
  });

  it('leaves the new release serving when cancelled during the watch, says so, and unlocks', async () => {
    const hosts = threeHosts();
    const cancel = new AbortController();
    (hosts[0] as FakeHost).fail('checkHealth', call => {
      if (call === 6) cancel.abort();
    });
    const collaborators = fakeCollaborators(hosts, cancel.signal);
    const outputs = await deploy(watch30s(hosts), collaborators);
    expect(outputs).toMatchObject({version: 'v2', rolledBack: false});
    expect(endState(hosts)).toEqual(consistent(hosts, 'v2'));
    expect(collaborators.lines.filter(line => line.startsWith('warning: Cancelled '))).toEqual([
      expect.stringMatching(/^warning: Cancelled \d+\.\ds into the watch: v2 stays live on every host, unwatched\. To go back, deploy with rollback: true\.$/),
    ]);
    expect(collaborators.lines).not.toContain('v2 held on every host for 30.0s.');
  });

  it('leaves every host on the new release with on-failure: stop, and fails', async () => {
    const hosts = threeHosts();
    (hosts[0] as FakeHost).unhealthyAfter.set('v2', 3);
    const collaborators = fakeCollaborators(hosts);
    const error = await deployFailure(deploy(watch30s(hosts, {onFailure: 'stop'}), collaborators));
    expect(error.message).toMatch(/on-failure is stop, so every host keeps v2; to go back, deploy with rollback: true\.$/);
    expect(error.outputs.rolledBack).toBe(false);
    expect(hosts.map(host => host.live())).toEqual(['v2', 'v2', 'v2']);
    expect(collaborators.lines).toContain('error: Stopped: web-1 runs v2, web-2 runs v2, web-3 runs v2.');
  });

  it('does not watch a rollback', async () => {
    const hosts = ['web-1', 'web-2'].map(label => new FakeHost(label).serve('v1', 'v2'));
    const collaborators = fakeCollaborators(hosts);
    await deploy(watch30s(hosts, {image: undefined, rollback: true}), collaborators);
    expect(collaborators.lines).not.toContain('▸ Watch');
    expect(hosts.map(host => host.live())).toEqual(['v1', 'v1']);
  });
});

describe('judgeRounds', () => {
  const container: ServiceContainer = {name: 'web-v2-1', role: '', version: 'v2', image: 'app:v2', running: true, port: 20_001};
  const running = {status: 'running', health: undefined, exitCode: 0, restartCount: 0, oomKilled: false, memoryLimit: 0};
  const round = (status: number | undefined, state: Partial<typeof running> = {}): WatchRound => ({
    at: 0,
    probes: [{path: '/up', attempt: {status, detail: status === undefined ? 'connect ECONNREFUSED' : ''}}],
    states: [{container, state: {...running, ...state}}],
  });

  it('lets a release through two failed rounds, and fails it on the third in a row', () => {
    expect(judgeRounds([round(500), round(undefined), round(200)])).toBeUndefined();
    expect(judgeRounds([round(200), round(500), round(undefined)])).toBeUndefined();
    expect(judgeRounds([round(500), round(undefined), round(502)])).toEqual({
      container: undefined,
      what: 'GET /up answered 500, no answer, 502 (3 failed rounds in a row)',
    });
  });

  it('fails a release at once when a container restarts, whatever its answers', () => {
    expect(judgeRounds([round(200, {restartCount: 1})])?.what).toBe('web-v2-1 exited, and Docker restarted it 1 time (now running)');
  });

  it('counts a container it cannot inspect as a failed round', () => {
    const lost: WatchRound = {at: 0, probes: [], states: [{container, state: undefined, error: 'the SSH connection was lost'}]};
    expect(judgeRounds([lost, lost, lost])?.what).toBe('could not inspect web-v2-1: the SSH connection was lost (3 failed rounds in a row)');
  });
});
