import {createConsoleLogger, InputReader} from '@circuitverse/shared';
import {catchConfigError, generateSshKeyPair} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {readInputs} from '../src/inputs.js';

const {private: privateKey, public: publicKey} = generateSshKeyPair();
const knownHosts = 'web-1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const valid = {hosts: 'web-1', 'ssh-private-key': privateKey, 'ssh-known-hosts': knownHosts, service: 'web', image: '127.0.0.1:5000/app:v1'};

function read(inputs: Record<string, string>) {
  const environment = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
  return readInputs(new InputReader(environment), createConsoleLogger({write: () => {}}));
}

describe('deploy inputs', () => {
  it('applies the documented defaults', () => {
    const inputs = read(valid);
    expect(inputs).toMatchObject({
      hosts: [{user: 'root', host: 'web-1', port: 22, label: 'web-1'}],
      service: 'web',
      image: '127.0.0.1:5000/app:v1',
      appPort: 3000,
      healthPath: '/up',
      healthTimeoutMs: 60_000,
      roles: [{name: '', traffic: true, order: 'start-first', stopTimeoutMs: 30_000, command: undefined, hosts: undefined}],
      nginxUpstreamFile: '/etc/nginx/conf.d/web-upstream.conf',
      batchSize: 1,
      onFailure: 'rollback',
      drainTimeoutMs: 30_000,
      retain: 5,
      lockWaitMs: 0,
      watchMs: 0,
      watchPath: undefined,
      rollback: false,
      plan: false,
      driver: 'ssh',
      swarmPorts: [8080, 8081],
    });
    expect(inputs.ssh.privateKey.type).toBe('ssh-ed25519');
  });

  it('reads deployment-environment', () => {
    expect(read({...valid, 'deployment-environment': 'production'})).toMatchObject({deploymentEnvironment: 'production'});
    expect(read(valid)).toMatchObject({deploymentEnvironment: undefined});
  });

  it('reads driver swarm and its two ports', () => {
    expect(read({...valid, driver: 'swarm', 'swarm-ports': '8121, 8122'})).toMatchObject({driver: 'swarm', swarmPorts: [8121, 8122]});
  });

  it.each<{inputs: Record<string, string>; message: RegExp}>([
    {inputs: {driver: 'nomad'}, message: /driver/},
    {inputs: {'swarm-ports': '8080'}, message: /"swarm-ports" is not two different ports/},
    {inputs: {'swarm-ports': '8080,8080'}, message: /"swarm-ports" is not two different ports/},
    {inputs: {'swarm-ports': '8080,70000'}, message: /"swarm-ports" is not two different ports/},
  ])('refuses $inputs', ({inputs, message}) => {
    expect(catchConfigError(() => read({...valid, ...inputs})).message).toMatch(message);
  });

  it('reads hosts with users, ports and IPv6, and ssh-user for the rest', () => {
    const inputs = read({...valid, hosts: 'web-1, deploy@web-2:2222\n[2001:db8::1]:22', 'ssh-user': 'app'});
    expect(inputs.hosts.map(host => [host.user, host.host, host.port])).toEqual([
      ['app', 'web-1', 22],
      ['deploy', 'web-2', 2222],
      ['app', '2001:db8::1', 22],
    ]);
    expect(inputs.batchSize).toBe(3);
  });

  it('reads plan, for a deploy and for a rollback', () => {
    const {image: _, ...withoutImage} = valid;
    expect(read({...valid, plan: 'true'}).plan).toBe(true);
    expect(read({...withoutImage, rollback: 'true', plan: 'true'})).toMatchObject({plan: true, rollback: true});
  });

  it('needs no image when rolling back', () => {
    const {image: _, ...withoutImage} = valid;
    expect(read({...withoutImage, rollback: 'true'}).image).toBeUndefined();
  });

  it('needs no image to switch maintenance, and keeps it off the deploy by default', () => {
    const {image: _, ...withoutImage} = valid;
    expect(read({...withoutImage, maintenance: 'on', 'maintenance-page': '<h1>Back soon</h1>'})).toMatchObject({
      image: undefined,
      maintenance: 'on',
      maintenancePage: '<h1>Back soon</h1>',
    });
    expect(read(valid)).toMatchObject({maintenance: undefined, maintenancePage: undefined, maintenanceDuringPreDeploy: false});
    expect(read({...valid, 'pre-deploy': 'bin/rails db:migrate', 'maintenance-during-pre-deploy': 'true'}).maintenanceDuringPreDeploy).toBe(true);
  });

  it.each([
    ['no hosts', {hosts: ''}, 'hosts'],
    ['a host with shell metacharacters', {hosts: 'web-1;reboot'}, 'hosts'],
    ['a missing private key', {'ssh-private-key': ''}, 'ssh-private-key'],
    ['a public key instead of a private one', {'ssh-private-key': publicKey}, 'ssh-private-key'],
    ['a key that is not a key', {'ssh-private-key': 'hello'}, 'ssh-private-key'],
    ['missing known hosts', {'ssh-known-hosts': ''}, 'ssh-known-hosts'],
    ['an unreadable known_hosts line', {'ssh-known-hosts': 'web-1 ssh-ed25519'}, 'ssh-known-hosts'],
    ['a service with shell metacharacters', {service: 'web;rm -rf /'}, 'service'],
    ['a service with $()', {service: '$(reboot)'}, 'service'],
    ['a service in upper case', {service: 'Web'}, 'service'],
    ['a service longer than 63 characters', {service: 'w'.repeat(64)}, 'service'],
    ['no image and no rollback', {image: ''}, 'image'],
    ['an image without a tag or digest', {image: '127.0.0.1:5000/app'}, 'image'],
    ['an image with shell metacharacters', {image: 'app:v1;reboot'}, 'image'],
    ['an image with backticks', {image: 'app:`id`'}, 'image'],
    ['a port out of range', {'app-port': '70000'}, 'app-port'],
    ['a port of 0', {'app-port': '0'}, 'app-port'],
    ['a health path with $()', {'health-path': '/up$(reboot)'}, 'health-path'],
    ['a health path with ;', {'health-path': '/up;reboot'}, 'health-path'],
    ['a health path without /', {'health-path': 'up'}, 'health-path'],
    ['an unknown proxy', {proxy: 'traefik'}, 'proxy'],
    ['an env key with shell metacharacters', {env: 'A;B=1'}, 'env'],
    ['an env line without =', {env: 'RAILS_ENV'}, 'env'],
    ['a secret line without =', {secrets: 'hunter2'}, 'secrets'],
    ['a health timeout without a unit', {'health-timeout': '60'}, 'health-timeout'],
    ['an unknown on-failure', {'on-failure': 'ignore'}, 'on-failure'],
    ['a retain of 0', {retain: '0'}, 'retain'],
    ['rollback that is not a boolean', {rollback: 'yes'}, 'rollback'],
    ['plan that is not a boolean', {plan: 'dry'}, 'plan'],
    ['an upstream file with shell metacharacters', {'nginx-upstream-file': '/etc/nginx/x;y'}, 'nginx-upstream-file'],
    ['an upstream file that climbs with ..', {'nginx-upstream-file': '/etc/nginx/../../root/.ssh/authorized_keys'}, 'nginx-upstream-file'],
    ['a registry password without a user', {'registry-password': 'pw'}, 'registry-username'],
    ['roles that are not YAML', {roles: 'web: ['}, 'roles'],
    ['a host that runs no role', {hosts: 'web-1, web-2', roles: 'web:\n  hosts: [web-1]'}, 'roles'],
    ['a role host that is not in hosts', {roles: 'web:\nsidekiq:\n  hosts: [web-9]'}, 'roles (sidekiq.hosts)'],
    ['network host for a service that takes traffic', {network: 'host'}, 'network'],
    ['a stop signal that is none', {'stop-signal': 'SIGPAUSE'}, 'stop-signal'],
    ['a stop timeout without a unit', {'stop-timeout': '30'}, 'stop-timeout'],
    ['a memory limit below Docker’s floor', {memory: '1m'}, 'memory'],
    ['a watch without a unit', {watch: '60'}, 'watch'],
    ['a watch path with $()', {watch: '1m', 'watch-path': '/db$(reboot)'}, 'watch-path'],
    ['a watch path and no watch', {'watch-path': '/db'}, 'watch-path'],
    ['maintenance that is neither on nor off', {image: '', maintenance: 'yes'}, 'maintenance'],
    ['maintenance with an image', {maintenance: 'on'}, 'maintenance'],
    ['maintenance with a rollback', {image: '', rollback: 'true', maintenance: 'off'}, 'maintenance'],
    ['maintenance for a service of workers', {image: '', maintenance: 'on', proxy: 'none'}, 'maintenance'],
    ['maintenance during a pre-deploy there is not', {'maintenance-during-pre-deploy': 'true'}, 'maintenance-during-pre-deploy'],
    ['a maintenance page above 8 KiB', {image: '', maintenance: 'on', 'maintenance-page': 'x'.repeat(8193)}, 'maintenance-page'],
    ['a Monit check name with a space', {monit: 'web check'}, 'monit'],
    ['a Monit check name with shell metacharacters', {monit: 'web;reboot'}, 'monit'],
    ['a monit-check that is neither none nor write', {'monit-check': 'yes'}, 'monit-check'],
    ['monit-check: write for a service of workers', {'monit-check': 'write', proxy: 'none'}, 'monit-check'],
  ])('refuses %s, naming the input', (_, override, input) => {
    const error = catchConfigError(() => read({...valid, ...override}));
    expect(error.input).toBe(input);
    expect(error.message).toContain(`Input "${input}"`);
  });

  it('takes network host for a service of workers, and a stop timeout for its one role', () => {
    const inputs = read({...valid, proxy: 'none', network: 'host', 'stop-timeout': '40s'});
    expect(inputs.container.network).toBe('host');
    expect(inputs.roles).toMatchObject([{name: '', traffic: false, stopTimeoutMs: 40_000}]);
  });

  it('reads the watch and its deeper path', () => {
    expect(read({...valid, watch: '5m', 'watch-path': '/health/db?full=1'})).toMatchObject({watchMs: 300_000, watchPath: '/health/db?full=1'});
  });

  it.each([
    ['nothing for Monit by default', {}, undefined],
    ['false as no Monit', {monit: 'false'}, undefined],
    ['true as the naming convention', {monit: 'true'}, {checks: 'convention', writeCheck: false}],
    ['check names, one a line', {monit: 'puma\nsidekiq.workers'}, {checks: ['puma', 'sidekiq.workers'], writeCheck: false}],
    ['monit-check: write as the convention too', {'monit-check': 'write'}, {checks: 'convention', writeCheck: true}],
    ['monit-check: write beside names', {monit: 'puma', 'monit-check': 'write'}, {checks: ['puma'], writeCheck: true}],
  ])('reads %s', (_, override, monit) => {
    expect(read({...valid, ...override}).monit).toEqual(monit);
  });

  it('takes a service of 63 characters', () => {
    expect(read({...valid, service: 'w'.repeat(63)}).service).toHaveLength(63);
  });

  it('never quotes a secret line in its error', () => {
    expect(catchConfigError(() => read({...valid, secrets: 'hunter2-value'})).message).not.toContain('hunter2-value');
  });
});
