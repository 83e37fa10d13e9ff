import {ConfigError} from '@circuitverse/shared';
import {describe, expect, it} from 'vitest';
import {defaultRole, type Role} from '../src/roles.js';
import {
  lockConfigName,
  planHealthCheck,
  planPublishedPort,
  planServiceSpec,
  releaseConfigName,
  type SwarmRelease,
  secretLabel,
  secretName,
  secretsWrapper,
  swarmServiceName,
} from '../src/swarm/service-spec.js';
import {roleDefaults} from './fake-host.js';

// The service's only role, as the inputs make it with their defaults.
const web: Role = defaultRole(roleDefaults([]));
const sidekiq: Role = {
  ...web,
  name: 'sidekiq',
  command: ['bundle', 'exec', 'sidekiq'],
  traffic: false,
  memoryBytes: 512 * 1024 * 1024,
  stopSignal: 'SIGTERM',
  order: 'stop-first',
};

const release: SwarmRelease = {
  service: 'web',
  version: 'v2',
  image: '127.0.0.1:5000/app:v2',
  role: web,
  env: new Map([['RAILS_ENV', 'production']]),
  secrets: [],
  imageEntrypoint: ['/entry'],
  imageCommand: ['serve', '--port', '3000'],
  appPort: 3000,
  healthPath: '/up',
  healthTimeoutMs: 20_000,
  monitorMs: 5000,
  publishedPort: 8081,
};

describe('planServiceSpec', () => {
  const secret = {key: 'SECRET_KEY_BASE', id: 'abc123', name: 'web.v2.SECRET_KEY_BASE.0f1e2d3c'};
  it.each([
    {
      case: 'the traffic role, no secrets: the image’s own command, published in host mode on the given port',
      release,
      expected: {
        Name: 'web',
        ContainerSpec: {Image: '127.0.0.1:5000/app:v2', Env: ['RAILS_ENV=production'], Secrets: [], StopGracePeriod: 30e9},
        hasHealthcheck: true,
        command: undefined,
        args: undefined,
        ports: [{Protocol: 'tcp', TargetPort: 3000, PublishedPort: 8081, PublishMode: 'host'}],
        order: 'start-first',
        limits: {},
      },
    },
    {
      case: 'secrets: mounted as files, never in Env; the wrapper exports them, then runs entrypoint and command',
      release: {...release, secrets: [secret]},
      expected: {
        Name: 'web',
        ContainerSpec: {
          Env: ['RAILS_ENV=production'],
          Secrets: [{File: {Name: 'SECRET_KEY_BASE', UID: '0', GID: '0', Mode: 0o400}, SecretID: 'abc123', SecretName: secret.name}],
        },
        hasHealthcheck: true,
        command: ['/bin/sh', '-c', secretsWrapper, 'sh'],
        args: ['/entry', 'serve', '--port', '3000'],
        ports: [{Protocol: 'tcp', TargetPort: 3000, PublishedPort: 8081, PublishMode: 'host'}],
        order: 'start-first',
        limits: {},
      },
    },
    {
      case: 'a worker role: its command, its memory limit, stop-first, no health check, nothing published',
      release: {...release, role: sidekiq, publishedPort: undefined},
      expected: {
        Name: 'web-sidekiq',
        ContainerSpec: {StopSignal: 'SIGTERM', Labels: {'circuitverse.deploy.role': 'sidekiq'}},
        hasHealthcheck: false,
        command: undefined,
        args: ['bundle', 'exec', 'sidekiq'],
        ports: [],
        order: 'stop-first',
        limits: {Limits: {MemoryBytes: 512 * 1024 * 1024}},
      },
    },
    {
      case: 'a worker role with secrets: the wrapper runs the role’s command after the entrypoint',
      release: {...release, role: sidekiq, publishedPort: undefined, secrets: [secret]},
      expected: {
        Name: 'web-sidekiq',
        ContainerSpec: {},
        hasHealthcheck: false,
        command: ['/bin/sh', '-c', secretsWrapper, 'sh'],
        args: ['/entry', 'bundle', 'exec', 'sidekiq'],
        ports: [],
        order: 'stop-first',
        limits: {Limits: {MemoryBytes: 512 * 1024 * 1024}},
      },
    },
  ])('$case', ({release: input, expected}) => {
    const spec = planServiceSpec(input);
    expect(spec.Name).toBe(expected.Name);
    expect(spec.TaskTemplate.ContainerSpec).toMatchObject(expected.ContainerSpec);
    expect('Healthcheck' in spec.TaskTemplate.ContainerSpec).toBe(expected.hasHealthcheck);
    expect((spec.TaskTemplate.ContainerSpec as {Command?: string[]}).Command).toEqual(expected.command);
    expect((spec.TaskTemplate.ContainerSpec as {Args?: string[]}).Args).toEqual(expected.args);
    expect(spec.EndpointSpec.Ports).toEqual(expected.ports);
    expect(spec.UpdateConfig).toMatchObject({Order: expected.order, FailureAction: 'rollback', Monitor: 5e9, Parallelism: 1, MaxFailureRatio: 0});
    expect(spec.RollbackConfig).toMatchObject({Order: expected.order});
    expect(spec.TaskTemplate.Resources).toEqual(expected.limits);
    expect(spec.Mode).toEqual({Global: {}});
    expect(spec.Labels).toMatchObject({'circuitverse.deploy.service': 'web', 'circuitverse.deploy.version': 'v2', 'circuitverse.deploy.image': input.image});
  });

  it('never puts a secret’s value in the spec', () => {
    const spec = planServiceSpec({...release, secrets: [{key: 'TOKEN', id: 'id1', name: 'web.v2.TOKEN.12345678'}]});
    expect(JSON.stringify(spec)).not.toMatch(/hunter2/);
  });
});

describe('planPublishedPort', () => {
  it.each([
    {current: undefined, expected: 8080, why: 'first deploy: the first port'},
    {current: 8080, expected: 8081, why: 'the other port than the one serving'},
    {current: 8081, expected: 8080, why: 'and back'},
    {current: 9000, expected: 8080, why: 'a port from before the input changed: the first'},
  ])('$why', ({current, expected}) => {
    expect(planPublishedPort([8080, 8081], current)).toBe(expected);
  });
});

describe('planHealthCheck', () => {
  it('GETs the health path on the app port with curl or wget, failures during boot not counted up to the timeout', () => {
    expect(planHealthCheck({appPort: 3000, healthPath: '/up?full=1', healthTimeoutMs: 20_000})).toEqual({
      Test: ['CMD-SHELL', "curl -fsS -o /dev/null 'http://127.0.0.1:3000/up?full=1' || wget -q -O /dev/null 'http://127.0.0.1:3000/up?full=1'"],
      Interval: 1e9,
      Timeout: 3e9,
      Retries: 3,
      StartPeriod: 20e9,
    });
  });
});

describe('names', () => {
  it.each([
    {got: swarmServiceName('web', web), expected: 'web'},
    {got: swarmServiceName('web', sidekiq), expected: 'web-sidekiq'},
    {got: lockConfigName('web'), expected: 'web.deploy-lock'},
    {got: releaseConfigName('web', 'v2'), expected: 'web.release.v2'},
    {got: secretName('web', 'v2', 'API_KEY', '0f1e2d3c'), expected: 'web.v2.API_KEY.0f1e2d3c'},
    {got: secretLabel('web.v2.API_KEY.0f1e2d3c'), expected: 'web.v2.API_KEY'},
  ])('$expected', ({got, expected}) => {
    expect(got).toBe(expected);
  });

  it('a name past Swarm’s 64 characters is a ConfigError naming secrets, without the suffix', () => {
    expect(() => secretName('a'.repeat(40), 'v2', 'B'.repeat(20), '0f1e2d3c')).toThrow(ConfigError);
    expect(() => secretName('a'.repeat(40), 'v2', 'B'.repeat(20), '0f1e2d3c')).toThrow(/^Input "secrets" .*\.<8 hex>"/);
  });
});
