import {ConfigError} from '@circuitverse/shared';
import {describe, expect, it} from 'vitest';
import {refuseSshOnlyInputs} from '../src/swarm/deploy-swarm.js';
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
