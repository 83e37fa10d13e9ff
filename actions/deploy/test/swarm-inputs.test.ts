import {ConfigError} from '@circuitverse/shared';
import {describe, expect, it} from 'vitest';
import {refuseSshOnlyInputs, releaseEnv} from '../src/swarm/deploy-swarm.js';
import {fakeInputs} from './fake-host.js';

describe('refuseSshOnlyInputs', () => {
  const inputs = fakeInputs([], {driver: 'swarm'});
  const [role] = inputs.roles;
  it.each([
    {why: 'plan', overrides: {plan: true}, input: 'plan'},
    {why: 'maintenance', overrides: {maintenance: 'on' as const}, input: 'maintenance'},
    {why: 'pre-deploy', overrides: {preDeploy: 'bin/rails db:migrate'}, input: 'pre-deploy'},
    {why: 'monit', overrides: {monit: {checks: 'convention' as const, writeCheck: false}}, input: 'monit'},
    {why: 'a batch size', overrides: {batchSize: inputs.hosts.length + 1}, input: 'batch-size'},
    {why: 'on-failure stop', overrides: {onFailure: 'stop' as const}, input: 'on-failure'},
    {why: 'a drain timeout', overrides: {drainTimeoutMs: 60_000}, input: 'drain-timeout'},
    {why: 'volumes', overrides: {container: {...inputs.container, volumes: ['/srv/uploads:/app/uploads']}}, input: 'volumes'},
    {why: 'a user', overrides: {container: {...inputs.container, user: 'rails'}}, input: 'user'},
    {why: 'monit-check: write alone', overrides: {monit: {checks: 'convention' as const, writeCheck: true}}, input: 'monit-check'},
    {why: 'a watch path', overrides: {watchPath: '/health/db'}, input: 'watch-path'},
    {why: 'cpus', overrides: {container: {...inputs.container, cpus: '1.5'}}, input: 'cpus'},
    {why: 'a role’s own cpus', overrides: {roles: [{...(role as NonNullable<typeof role>), name: 'web', cpus: '0.5'}]}, input: 'roles'},
    {why: 'a role’s quiet signal', overrides: {roles: [{...(role as NonNullable<typeof role>), name: 'sidekiq', quietSignal: 'TSTP'}]}, input: 'roles'},
    {why: 'a role placed on hosts', overrides: {roles: [{...(role as NonNullable<typeof role>), name: 'web', hosts: ['web-1']}]}, input: 'roles'},
  ])('refuses $why, naming the input', ({overrides, input}) => {
    const call = () => refuseSshOnlyInputs({...inputs, ...overrides});
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(new RegExp(`^Input "${input}"`));
  });

  it('takes the inputs that make sense for Swarm', () => {
    expect(() => refuseSshOnlyInputs(inputs)).not.toThrow();
  });
});

describe('releaseEnv', () => {
  const none = new Map<string, string>();
  it.each([
    {
      why: 'adds OTEL_RESOURCE_ATTRIBUTES naming the release, as the SSH driver',
      env: new Map([['RAILS_ENV', 'production']]),
      secrets: none,
      expected: [
        ['RAILS_ENV', 'production'],
        ['OTEL_RESOURCE_ATTRIBUTES', 'service.version=v2,deployment.environment.name=production'],
      ],
    },
    {
      why: 'keeps the one env sets',
      env: new Map([['OTEL_RESOURCE_ATTRIBUTES', 'team=a']]),
      secrets: none,
      expected: [['OTEL_RESOURCE_ATTRIBUTES', 'team=a']],
    },
    {why: 'sets none when a secret does', env: none, secrets: new Map([['OTEL_RESOURCE_ATTRIBUTES', 'team=a']]), expected: []},
  ])('$why', ({env, secrets, expected}) => {
    expect(releaseEnv({env, secrets, deploymentEnvironment: 'production'}, 'v2')).toEqual(expected);
  });
});
