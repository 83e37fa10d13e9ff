import {ConfigError, parseSshTarget} from '@circuitverse/shared';
import {describe, expect, it} from 'vitest';
import {parseRoles, planRoleOrder} from '../src/roles.js';
import {DeployError, deploy} from '../src/run.js';
import {FakeHost, fakeCollaborators, fakeInputs, imageOf, roleDefaults} from './fake-host.js';

const defaults = roleDefaults(['web-1', 'deploy@web-2:2222'].map(text => parseSshTarget(text, 'root') as NonNullable<ReturnType<typeof parseSshTarget>>));

const kamalShape = `
web:
  cmd: bundle exec puma -C config/puma.rb
sidekiq:
  cmd: bundle exec sidekiq -q default -q mailers
  hosts: [root@web-1]
  memory: 512m
  quiet-signal: TSTP
  stop-timeout: 40s
  order: stop-first
`;

describe('parseRoles', () => {
  it('reads roles in the shape of Kamal’s servers: web takes the traffic, the others are workers', () => {
    const [web, sidekiq] = parseRoles(kamalShape, defaults);
    expect(web).toEqual({
      name: 'web',
      command: ['bundle', 'exec', 'puma', '-C', 'config/puma.rb'],
      traffic: true,
      hosts: undefined,
      memoryBytes: undefined,
      cpus: undefined,
      stopSignal: undefined,
      quietSignal: undefined,
      stopTimeoutMs: 30_000,
      order: 'start-first',
      replace: 'after-traffic',
    });
    expect(sidekiq).toMatchObject({
      name: 'sidekiq',
      traffic: false,
      hosts: ['web-1'],
      memoryBytes: 512 * 1024 ** 2,
      quietSignal: 'SIGTSTP',
      stopTimeoutMs: 40_000,
      order: 'stop-first',
    });
  });

  it('keeps a list command’s arguments whole, and takes a role with no settings', () => {
    const roles = parseRoles('web:\nmailer:\n  cmd: [sh, -c, "exec bin/mailer --queue a b"]\n', defaults);
    expect(roles.map(role => [role.name, role.command])).toEqual([
      ['web', undefined],
      ['mailer', ['sh', '-c', 'exec bin/mailer --queue a b']],
    ]);
  });

  it.each([
    ['not YAML', 'web: [', 'is not valid YAML'],
    ['a list', '- web\n- sidekiq', 'is not a map of role names to settings'],
    ['a role name with a space', '"we b": {}', 'has a role named "we b"'],
    ['the pre-deploy name', 'pre-deploy: {}', 'has a role named "pre-deploy"'],
    ['an unknown setting', 'web:\n  proxy: true', 'gives web an unknown setting "proxy"'],
    ['two roles with traffic', 'web:\napi:\n  traffic: true', 'has more than one role that takes traffic (web, api)'],
    ['stop-first for the web', 'web:\n  order: stop-first', 'is stop-first for the role that takes traffic'],
    ['a host the deploy does not have', 'web:\nsidekiq:\n  hosts: [web-9]', 'names "web-9", which is not one of the hosts'],
    ['a command with quotes', 'sidekiq:\n  cmd: sh -c "sidekiq"', 'has quotes or shell characters'],
    ['a memory that is no size', 'sidekiq:\n  memory: lots', 'roles (sidekiq.memory)'],
    ['a signal that is none', 'sidekiq:\n  quiet-signal: PAUSE', 'roles (sidekiq.quiet-signal)'],
    ['a stop timeout that is no duration', 'sidekiq:\n  stop-timeout: soon', 'is not a duration'],
  ])('refuses %s, naming the input', (_, text, expected) => {
    let error: unknown;
    try {
      parseRoles(text, defaults);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(expected);
    expect((error as ConfigError).message).toMatch(/^Input "roles/);
  });

  it('refuses a role with traffic when proxy is none', () => {
    expect(() => parseRoles('web:\n  traffic: true', {...defaults, traffic: false})).toThrow('is true while proxy is none');
  });

  it('moves workers that go first, then the traffic role, then the other workers', () => {
    const roles = parseRoles('sidekiq:\nweb:\nclock:\n  replace: before-traffic\nmailer:\n', defaults);
    expect(planRoleOrder(roles).map(role => role.name)).toEqual(['clock', 'web', 'sidekiq', 'mailer']);
  });
});

/** Hosts serving v1 as web and sidekiq, as a finished deploy leaves them. */
function railsHosts(...labels: string[]): FakeHost[] {
  return labels.map(label => {
    const host = new FakeHost(label).serve('v1');
    for (const container of host.containers) container.role = 'web';
    host.addContainer('v1', true, 'sidekiq').port = undefined;
    return host;
  });
}

function rolesInputs(hosts: FakeHost[], text = 'web:\nsidekiq:\n  quiet-signal: TSTP\n') {
  const inputs = fakeInputs(hosts);
  return {...inputs, roles: parseRoles(text, {...defaults, hosts: inputs.hosts})};
}

const perRole = (hosts: FakeHost[]) => hosts.map(host => ({web: host.running('web'), sidekiq: host.running('sidekiq'), locked: host.lockToken !== undefined}));

describe('deploy with roles', () => {
  it('moves web, then the workers, to the release under one lock, and records it once per host', async () => {
    const hosts = railsHosts('web-1', 'web-2');
    const collaborators = fakeCollaborators(hosts);
    const outputs = await deploy(rolesInputs(hosts), collaborators);
    expect(perRole(hosts)).toEqual(hosts.map(() => ({web: ['v2'], sidekiq: ['v2'], locked: false})));
    expect(outputs).toMatchObject({version: 'v2', previousVersion: 'v1'});
    for (const host of hosts) {
      expect(host.history.map(entry => entry.version)).toEqual(['v1', 'v2']);
      const log = host.log.filter(line => /^(start|cutover)/.test(line));
      expect(log).toEqual(['start v2 web', expect.stringMatching(/^cutover web-v1-/), 'start v2 sidekiq', expect.stringMatching(/^cutover web-sidekiq-v1-/)]);
    }
    expect(collaborators.lines).toContain('web: v1 → v2 on 2 host(s) (web then sidekiq)');
  });

  it('moves the web back on every host when a worker fails, so no host is left split', async () => {
    const hosts = railsHosts('web-1', 'web-2');
    (hosts[1] as FakeHost).fail('start', (_, args) => {
      if (args[1] === 'sidekiq' && args[0] === 'v2') throw new Error('web-2: starting v2 failed (exit 125)');
    });
    const error = (await deploy(rolesInputs(hosts), fakeCollaborators(hosts)).catch(failure => failure)) as DeployError;
    expect(error).toBeInstanceOf(DeployError);
    expect(error.outputs).toMatchObject({rolledBack: true, version: 'v1'});
    expect(perRole(hosts)).toEqual(hosts.map(() => ({web: ['v1'], sidekiq: ['v1'], locked: false})));
    // A rollback after this goes back past v1, never to the v2 that failed.
    expect(hosts.map(host => host.history.at(-1))).toEqual(hosts.map(() => expect.objectContaining({version: 'v1', backFrom: 'v2'})));
  });

  it('stops a stop-first worker before its successor starts, and starts the old release again when the new one fails', async () => {
    const hosts = railsHosts('web-1');
    const host = hosts[0] as FakeHost;
    host.fail('containerState', (_, args) => {
      const container = host.containers.find(candidate => candidate.name === args[0]);
      if (container?.role === 'sidekiq' && container.version === 'v2') container.running = false;
    });
    const inputs = rolesInputs(hosts, 'web:\nsidekiq:\n  order: stop-first\n');
    await expect(deploy(inputs, fakeCollaborators(hosts))).rejects.toThrow(/v2 exited/);
    const order = host.log.filter(line => /^(stop|start) /.test(line));
    expect(order.slice(0, 3)).toEqual(['start v2 web', expect.stringMatching(/^stop web-sidekiq-v1-/), 'start v2 sidekiq']);
    expect(perRole(hosts)).toEqual([{web: ['v1'], sidekiq: ['v1'], locked: false}]);
  });

  it('runs a worker only on its hosts', async () => {
    const hosts = railsHosts('web-1', 'web-2');
    const inputs = fakeInputs(hosts);
    const roles = parseRoles('web:\nsidekiq:\n  hosts: [web-2]\n', {...defaults, hosts: inputs.hosts});
    for (const container of (hosts[0] as FakeHost).containers.filter(container => container.role === 'sidekiq')) container.running = false;
    await deploy({...inputs, roles}, fakeCollaborators(hosts));
    expect(perRole(hosts)).toEqual([
      {web: ['v2'], sidekiq: [], locked: false},
      {web: ['v2'], sidekiq: ['v2'], locked: false},
    ]);
  });

  it.each([
    ['a rollback that leaves roles out', {rollback: true, image: undefined}, undefined, 'rollback'],
    ['a deploy that drops a role', {}, 'web:\n', 'deploy'],
  ])('refuses %s, changing nothing, as the left-out role would keep its old release', async (_, overrides, rolesText, what) => {
    const hosts = railsHosts('web-1', 'web-2').map(host => host.forbid('pull', 'lock', 'start', 'cutover', 'remove'));
    const inputs = {...fakeInputs(hosts), ...overrides};
    const roles = rolesText === undefined ? inputs.roles : parseRoles(rolesText, {...defaults, hosts: inputs.hosts});
    const error = (await deploy({...inputs, roles}, fakeCollaborators(hosts)).catch(failure => failure)) as DeployError;
    expect(error.cause).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(new RegExp(`^Input "roles" does not name .*sidekiq.*, which web-1, web-2 run .*Give this ${what} the same roles`));
    expect(perRole(hosts)).toEqual(hosts.map(() => ({web: ['v1'], sidekiq: ['v1'], locked: false})));
  });
});

describe('memory', () => {
  it('refuses before anything changes, before the pull, when a host cannot hold the new container’s limit beside the old', async () => {
    const hosts = railsHosts('web-1');
    const host = (hosts[0] as FakeHost).forbid('pull', 'lock', 'start', 'runOnce', 'cutover');
    host.memoryAvailable = 3 * 1024 ** 3;
    const inputs = rolesInputs(hosts, 'web:\n  memory: 4g\nsidekiq:\n');
    const error = (await deploy({...inputs, preDeploy: 'bin/rails db:migrate'}, fakeCollaborators(hosts)).catch(failure => failure)) as DeployError;
    expect(error.message).toBe(
      "web-1: has 3 GiB of memory available, and starting web's new container (its memory limit) needs 4 GiB. Nothing was changed. Free memory on the host, lower the role's memory, or give a worker role order: stop-first so its old container goes first.",
    );
    expect(perRole(hosts)).toEqual([{web: ['v1'], sidekiq: ['v1'], locked: false}]);
    expect(host.images.has(imageOf('v2'))).toBe(false);
  });

  it('without a limit, needs what the serving container uses and a quarter more', async () => {
    const hosts = railsHosts('web-1');
    const host = (hosts[0] as FakeHost).forbid('start');
    host.memoryAvailable = 1024 ** 3;
    host.memoryUsage.set(host.containers[0]?.name as string, 900 * 1024 ** 2);
    await expect(deploy(rolesInputs(hosts), fakeCollaborators(hosts))).rejects.toThrow(
      /has 1 GiB of memory available, and starting web's new container \(no memory limit; web-v1-\d+ uses 900 MiB now, and a quarter more\) needs 1\.1 GiB/,
    );
  });

  it('counts a stop-first worker as needing nothing beside its old container', async () => {
    const hosts = railsHosts('web-1');
    const host = hosts[0] as FakeHost;
    host.memoryAvailable = 1024 ** 3;
    await deploy(rolesInputs(hosts, 'web:\n  memory: 512m\nsidekiq:\n  memory: 2g\n  order: stop-first\n'), fakeCollaborators(hosts));
    expect(perRole(hosts)).toEqual([{web: ['v2'], sidekiq: ['v2'], locked: false}]);
  });

  it('says a release was killed for running out of memory, and keeps the old one serving', async () => {
    const hosts = railsHosts('web-1');
    (hosts[0] as FakeHost).outOfMemory.add('v2');
    await expect(deploy(rolesInputs(hosts), fakeCollaborators(hosts))).rejects.toThrow(
      'web-1: v2 was killed for running out of memory: it reached its memory limit of 256 MiB (OOMKilled, exit code 137)',
    );
    expect(perRole(hosts)).toEqual([{web: ['v1'], sidekiq: ['v1'], locked: false}]);
  });
});

describe('disk', () => {
  const mib = 1024 ** 2;
  /** A host that served v0 and then v1, with 100 MiB free, and v2's layers 40 MiB compressed in the registry. */
  function tightHost() {
    const host = new FakeHost('web-1').serve('v0', 'v1');
    host.images.add(imageOf('v0'));
    host.imageSizes.set(imageOf('v0'), 60 * mib);
    host.diskAvailable = 100 * mib;
    host.registrySizes.set(imageOf('v2'), 40 * mib);
    return host;
  }

  it('goes on when the Engine’s disk holds the pull, and removes nothing', async () => {
    const host = tightHost().forbid('removeImages');
    host.diskAvailable = 200 * mib;
    await deploy(fakeInputs([host]), fakeCollaborators([host]));
    expect(host.live()).toBe('v2');
  });

  it('removes the images of releases beyond retain to make room, says so, and goes on', async () => {
    const host = tightHost();
    const collaborators = fakeCollaborators([host]);
    const outputs = await deploy(fakeInputs([host], {retain: 2}), collaborators);
    expect(host.live()).toBe('v2');
    expect(host.images.has(imageOf('v0'))).toBe(false);
    expect(outputs.hosts[0]?.pruned).toEqual([imageOf('v0')]);
    expect(collaborators.lines.join('\n')).toContain(`web-1: removed ${imageOf('v0')} to make room for the pull.`);
  });

  it('refuses before the pull, with the figures, when even that leaves too little room', async () => {
    const host = tightHost().forbid('pull', 'lock', 'start', 'cutover');
    host.imageSizes.set(imageOf('v0'), 5 * mib);
    const error = (await deploy(fakeInputs([host], {retain: 2}), fakeCollaborators([host])).catch(failure => failure)) as DeployError;
    expect(error.message).toBe(
      `web-1: has 105 MiB free in /var/lib/docker, and pulling ${imageOf('v2')} takes about 120 MiB (40 MiB of compressed layers, and what they unpack to). Nothing was changed but the removal of those old images. Free disk there (docker image prune -a removes images no container uses), or lower retain.`,
    );
    expect(host.live()).toBe('v1');
  });

  it('does not weigh an image the host has already', async () => {
    const host = tightHost().forbid('removeImages');
    host.diskAvailable = 0;
    host.images.add(imageOf('v2'));
    await deploy(fakeInputs([host]), fakeCollaborators([host]));
    expect(host.live()).toBe('v2');
  });
});
