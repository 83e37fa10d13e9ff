import {recordingTracer} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {releaseResourceAttributes} from '../src/release.js';
import {deploy} from '../src/run.js';
import {deployFailure, FakeHost, fakeCollaborators, fakeInputs} from './fake-host.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

function twoHosts(): FakeHost[] {
  return ['web-1', 'web-2'].map(label => new FakeHost(label).serve('v1'));
}

describe("a deploy's trace", () => {
  it('has a span per host and phase, the rollout per role and batch, and the switch, drain and stop from the marks', async () => {
    const hosts = twoHosts();
    const tracer = recordingTracer();
    await deploy(fakeInputs(hosts, {preDeploy: 'bin/rails db:migrate'}), {...fakeCollaborators(hosts), tracer});
    expect(tracer.tree(['server.address'])).toEqual([
      'connect server.address=web-1',
      'connect server.address=web-2',
      'check memory',
      'check disk',
      'pull server.address=web-1',
      'pull server.address=web-2',
      'lock server.address=web-1',
      'lock server.address=web-2',
      'env server.address=web-1',
      'env server.address=web-2',
      'pre-deploy server.address=web-1',
      'rollout',
      '  start server.address=web-1',
      '  start server.address=web-2',
      '  health server.address=web-1',
      '  health server.address=web-2',
      '  switch server.address=web-1',
      '  drain server.address=web-1',
      '  stop server.address=web-1',
      '  switch server.address=web-2',
      '  drain server.address=web-2',
      '  stop server.address=web-2',
      'finish server.address=web-1',
      'finish server.address=web-2',
    ]);
    const health = tracer.all().find(span => span.name === 'health');
    expect(health?.events).toEqual([{name: 'health check', attributes: {attempt: 1, 'http.response.status_code': 200, 'circuitverse.deploy.answer': 'OK'}}]);
  });

  it('marks the failing host and phase, and passes the pre-deploy its span as TRACEPARENT', async () => {
    const hosts = twoHosts();
    (hosts[1] as FakeHost).unhealthy.add('v2');
    const tracer = recordingTracer();
    await deployFailure(deploy(fakeInputs(hosts, {preDeploy: 'bin/rails db:migrate', healthTimeoutMs: 1000}), {...fakeCollaborators(hosts), tracer}));
    const failed = tracer.all().filter(span => span.error !== undefined);
    expect(failed.map(span => `${span.name} ${span.attributes['server.address']}`)).toEqual(['health web-2']);
    const preDeploy = tracer.all().find(span => span.name === 'pre-deploy');
    expect((hosts[0] as FakeHost).preDeployOptions.slice(-2)).toEqual(['--env', `TRACEPARENT=${preDeploy?.traceparent}`]);
  });

  it("gives the release's env file OTEL_RESOURCE_ATTRIBUTES, unless env sets it", async () => {
    const hosts = twoHosts();
    await deploy(
      fakeInputs(hosts, {image: `127.0.0.1:5000/web:${sha}`, deploymentEnvironment: 'production', env: new Map([['RAILS_ENV', 'production']])}),
      fakeCollaborators(hosts),
    );
    expect((hosts[0] as FakeHost).envContents.get(sha)).toBe(
      `RAILS_ENV=production\nOTEL_RESOURCE_ATTRIBUTES=service.version=${sha},deployment.environment.name=production,vcs.ref.head.revision=${sha}\n`,
    );
    const own = twoHosts();
    await deploy(fakeInputs(own, {env: new Map([['OTEL_RESOURCE_ATTRIBUTES', 'service.version=mine']])}), fakeCollaborators(own));
    expect((own[0] as FakeHost).envContents.get('v2')).toBe('OTEL_RESOURCE_ATTRIBUTES=service.version=mine\n');
  });
});

describe('releaseResourceAttributes', () => {
  it.each([
    ['v2', undefined, 'service.version=v2'],
    ['v2', 'staging', 'service.version=v2,deployment.environment.name=staging'],
    [sha, undefined, `service.version=${sha},vcs.ref.head.revision=${sha}`],
    ['v2', 'eu west, 1', 'service.version=v2,deployment.environment.name=eu%20west%2C%201'],
  ])('%s in %s: %s', (version, environment, expected) => {
    expect(releaseResourceAttributes(version, environment)).toBe(expected);
  });
});
