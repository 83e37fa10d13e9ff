import {describe, expect, it} from 'vitest';
import type {PlanFacts, ServiceContainer} from '../src/deploy-host.js';
import type {DeployInputs} from '../src/inputs.js';
import {type HostReading, PlanRefused, plan, planDeploy, renderPlan} from '../src/plan.js';
import type {HistoryEntry} from '../src/release.js';
import {defaultRole, type Role} from '../src/roles.js';
import {FakeHost, fakeCollaborators, fakeInputs, imageOf} from './fake-host.js';

const webRole = defaultRole({traffic: true, memoryBytes: undefined, cpus: undefined, stopSignal: undefined, stopTimeoutMs: 30_000, sshUser: 'root', hosts: []});
const mib = 1024 ** 2;

function container(version: string, role = ''): ServiceContainer {
  return {name: `web-${version}-abc`, role, version, image: imageOf(version), running: true, port: 20_001};
}

function entry(version: string): HistoryEntry {
  return {at: '2026-12-01T00:00:00.000Z', version, image: imageOf(version)};
}

const noFacts: PlanFacts = {
  image: undefined,
  servingImage: undefined,
  platform: 'linux/amd64',
  disk: {dockerRoot: '/var/lib/docker', availableBytes: 10 * 1024 ** 3},
  servingEnv: undefined,
  targetEnv: undefined,
  lockHolder: undefined,
  manifest: undefined,
};

/** A host serving the last of `versions` (none: a first deploy), the deploy's image v2 absent unless the facts say. */
function reading(host: string, versions: string[], facts: Partial<PlanFacts> = {}, target = {version: 'v2', image: imageOf('v2')}): HostReading {
  const serving = versions.at(-1);
  return {
    host,
    history: versions.map(entry),
    serving: serving === undefined ? undefined : {version: serving, image: imageOf(serving)},
    roles: [{role: webRole, serving: serving === undefined ? undefined : container(serving)}],
    target,
    facts: {...noFacts, ...facts},
    memory: {availableBytes: 4 * 1024 ** 3, usage: new Map(serving === undefined ? [] : [[`web-${serving}-abc`, 100 * mib]])},
  };
}

function inputs(overrides: Partial<DeployInputs> = {}): DeployInputs {
  return fakeInputs([], {hosts: [], roles: [webRole], batchSize: 3, ...overrides});
}

describe('planDeploy', () => {
  it('a first deploy: nothing serving, every key added, the pull size from the registry, no rollback target', () => {
    const plan = planDeploy(inputs({env: new Map([['RAILS_ENV', 'production']]), secrets: new Map([['SECRET_KEY_BASE', 'hunter2']])}), [
      reading('web-1', [], {manifest: {digest: 'sha256:m', layerBytes: 1_064_000}}),
    ]);
    expect(plan.problems).toEqual([]);
    expect(plan.hosts[0]).toMatchObject({
      serving: undefined,
      next: {version: 'v2', image: imageOf('v2'), digest: 'sha256:m'},
      image: {present: false, pullBytes: 1_064_000},
      env: {added: ['RAILS_ENV', 'SECRET_KEY_BASE'], removed: []},
      memory: {need: undefined},
      rollback: undefined,
    });
    expect(JSON.stringify(plan)).not.toContain('hunter2');
  });

  it('a redeploy of the serving version: the image present, nothing to pull, no rollback target after it', () => {
    const present = {id: 'sha256:id', repoDigests: ['127.0.0.1:5000/app@sha256:d1']};
    const plan = planDeploy(inputs({image: imageOf('v1')}), [
      reading('web-1', ['v1'], {image: present, servingImage: present, servingEnv: {keys: []}}, {version: 'v1', image: imageOf('v1')}),
    ]);
    expect(plan.hosts[0]).toMatchObject({
      serving: {version: 'v1', digest: 'sha256:d1'},
      next: {version: 'v1', digest: 'sha256:d1'},
      image: {present: true, pullBytes: 0},
      env: {added: [], removed: []},
      rollback: undefined,
    });
  });

  it('an env change: the keys added and removed against the serving release, names only', () => {
    const plan = planDeploy(
      inputs({
        env: new Map([
          ['KEEP', 'x'],
          ['NEW', 'y'],
        ]),
        secrets: new Map([['TOKEN', 's3cret']]),
      }),
      [reading('web-1', ['v1'], {servingEnv: {keys: ['KEEP', 'OLD']}})],
    );
    expect(plan.hosts[0]?.env).toEqual({added: ['NEW', 'TOKEN'], removed: ['OLD']});
    expect(renderPlan(plan)).toContain('| env | added `NEW`, `TOKEN`; removed `OLD` |');
    expect(`${JSON.stringify(plan)}${renderPlan(plan)}`).not.toMatch(/s3cret|\by\b.*x/);
  });

  it('counts OTEL_RESOURCE_ATTRIBUTES, which the deploy writes itself, only when the inputs set it', () => {
    const serving = {servingEnv: {keys: ['KEEP', 'OTEL_RESOURCE_ATTRIBUTES']}};
    const own = new Map([['KEEP', 'x']]);
    expect(planDeploy(inputs({env: own}), [reading('web-1', ['v1'], serving)]).hosts[0]?.env).toEqual({added: [], removed: []});
    const set = new Map([...own, ['OTEL_RESOURCE_ATTRIBUTES', 'team=web']]);
    expect(planDeploy(inputs({env: set}), [reading('web-1', ['v1'], {servingEnv: {keys: ['KEEP']}})]).hosts[0]?.env).toEqual({
      added: ['OTEL_RESOURCE_ATTRIBUTES'],
      removed: [],
    });
  });

  it('says it cannot compare the env when the serving release’s env file is gone', () => {
    const plan = planDeploy(inputs(), [reading('web-1', ['v1'], {servingEnv: {missing: 'missing'}})]);
    expect(plan.hosts[0]?.env).toEqual({unknown: 'the env file of v1 is missing'});
  });

  it.each([
    ['present', {image: {id: 'sha256:id', repoDigests: []}}, {present: true, pullBytes: 0}, 'present, nothing to pull'],
    [
      'absent, the registry told',
      {manifest: {digest: undefined, layerBytes: 2_500_000}},
      {present: false, pullBytes: 2_500_000},
      'not present, 2.50 MB to pull',
    ],
    ['absent, the registry did not tell', {}, {present: false, pullBytes: undefined}, 'not present, size unknown'],
  ])('the image %s', (_, facts, image, shown) => {
    const plan = planDeploy(inputs(), [reading('web-1', ['v1'], facts)]);
    expect(plan.hosts[0]?.image).toEqual(image);
    expect(renderPlan(plan)).toContain(`| image | ${shown}`);
  });

  it('refuses when the pull would not fit in Docker’s free disk, or the new container in the free memory', () => {
    const host = reading('web-1', ['v1'], {
      manifest: {digest: undefined, layerBytes: 2 * 1024 ** 3},
      disk: {dockerRoot: '/var/lib/docker', availableBytes: 1024 ** 3},
    });
    host.memory = {availableBytes: 100 * mib, usage: new Map([['web-v1-abc', 100 * mib]])};
    const plan = planDeploy(inputs(), [host]);
    expect(plan.problems).toEqual([
      'web-1 has 100 MiB of memory available, and starting the new container (no memory limit; web-v1-abc uses 100 MiB now, and a quarter more) needs 125 MiB',
      'web-1 has 1 GiB free in /var/lib/docker, less than the 2 GiB to pull',
    ]);
  });

  it('counts the pre-deploy’s memory limit on the first host only', () => {
    const plan = planDeploy(inputs({preDeploy: 'bin/rails db:migrate', container: {...inputs().container, memoryBytes: 512 * mib}}), [
      reading('web-1', ['v1']),
      reading('web-2', ['v1']),
    ]);
    expect(plan.hosts.map(host => host.memory.need?.why)).toEqual([
      'the pre-deploy container (its memory limit)',
      'the new container (no memory limit; web-v1-abc uses 100 MiB now, and a quarter more)',
    ]);
  });

  it.each([
    ['v0 then v1', ['v0', 'v1'], 5, {version: 'v1', kept: true}],
    ['v1 with retain 1', ['v1'], 1, {version: 'v1', kept: false}],
    ['nothing', [], 5, undefined],
  ])('after a deploy over %s, says where a rollback would go', (_, versions, retain, rollback) => {
    expect(planDeploy(inputs({retain}), [reading('web-1', versions)]).hosts[0]?.rollback).toEqual(rollback);
  });

  it('plans a rollback: its target, whether the host kept its image, and its env file’s keys against the serving one', () => {
    const target = {version: 'v1', image: imageOf('v1')};
    const plan = planDeploy(inputs({image: undefined, rollback: true}), [
      reading('web-1', ['v1', 'v2'], {image: {id: 'sha256:id', repoDigests: []}, servingEnv: {keys: ['A', 'B']}, targetEnv: {keys: ['A']}}, target),
    ]);
    expect(plan).toMatchObject({mode: 'rollback', problems: []});
    expect(plan.hosts[0]).toMatchObject({next: {version: 'v1'}, image: {present: true, pullBytes: 0}, env: {added: [], removed: ['B']}, rollback: undefined});
    expect(renderPlan(plan)).toContain('| image | kept on the host |');
  });

  it('refuses a rollback with nowhere to go, or whose image the host no longer has', () => {
    const plan = planDeploy(inputs({image: undefined, rollback: true}), [
      {...reading('web-1', ['v1']), target: undefined},
      reading('web-2', ['v1', 'v2'], {}, {version: 'v1', image: imageOf('v1')}),
    ]);
    expect(plan.problems).toEqual(['web-1 has no earlier release to go back to', `web-2 no longer has ${imageOf('v1')}`]);
  });

  it('refuses a rollback whose hosts would go back to different releases', () => {
    const plan = planDeploy(inputs({image: undefined, rollback: true}), [
      reading('web-1', ['v0', 'v2'], {image: {id: 'a', repoDigests: []}}, {version: 'v0', image: imageOf('v0')}),
      reading('web-2', ['v1', 'v2'], {image: {id: 'b', repoDigests: []}}, {version: 'v1', image: imageOf('v1')}),
    ]);
    expect(plan.problems).toEqual(['The hosts would go back to different releases (web-1 v0, web-2 v1): name one with rollback-to.']);
  });

  it('puts the hosts in batches per role, in the order the roles move', () => {
    const role = (name: string, overrides: Partial<Role>): Role => ({...webRole, name, ...overrides});
    const roles = [
      role('web', {}),
      role('sidekiq', {traffic: false, hosts: ['web-1', 'web-3']}),
      role('cron', {traffic: false, replace: 'before-traffic', hosts: ['web-2']}),
    ];
    const plan = planDeploy(inputs({roles, batchSize: 2}), [reading('web-1', []), reading('web-2', []), reading('web-3', [])]);
    expect(plan.batches).toEqual([
      {role: 'cron', batches: [['web-2']]},
      {role: 'web', batches: [['web-1', 'web-2'], ['web-3']]},
      {role: 'sidekiq', batches: [['web-1', 'web-3']]},
    ]);
    expect(renderPlan(plan)).toContain('| web | 2/2 | web-3 |');
  });
});

describe('plan', () => {
  const mutating = ['pull', 'lock', 'unlock', 'writeEnvFile', 'start', 'stop', 'runOnce', 'remove', 'cutover', 'finish'] as const;

  it('reads every host and changes nothing on any', async () => {
    const hosts = ['web-1', 'web-2', 'web-3'].map(label => new FakeHost(label).serve('v1').forbid(...mutating));
    for (const host of hosts) {
      host.envKeys.set('v1', ['A', 'OLD']);
      host.registrySizes.set(imageOf('v2'), 3_000_000);
    }
    const before = hosts.map(host => JSON.stringify({containers: host.containers, history: host.history, images: [...host.images], env: [...host.envFiles]}));
    const collaborators = fakeCollaborators(hosts);
    const summaries: string[] = [];
    collaborators.logger = {...collaborators.logger, summary: async text => void summaries.push(text)};
    const result = await plan(
      fakeInputs(hosts, {
        plan: true,
        env: new Map([
          ['A', '1'],
          ['NEW', '2'],
        ]),
        batchSize: 2,
      }),
      collaborators,
    );
    expect(result.hosts.map(host => [host.host, host.serving?.version, host.next?.version, host.image.pullBytes])).toEqual([
      ['web-1', 'v1', 'v2', 3_000_000],
      ['web-2', 'v1', 'v2', 3_000_000],
      ['web-3', 'v1', 'v2', 3_000_000],
    ]);
    expect(result.hosts[0]?.env).toEqual({added: ['NEW'], removed: ['OLD']});
    expect(result.batches).toEqual([{role: '', batches: [['web-1', 'web-2'], ['web-3']]}]);
    expect(summaries.join('')).toContain('### Plan: deploy web');
    expect(hosts.map(host => JSON.stringify({containers: host.containers, history: host.history, images: [...host.images], env: [...host.envFiles]}))).toEqual(
      before,
    );
    expect(hosts.every(host => host.lockToken === undefined && host.closed)).toBe(true);
  });

  it('fails with the plan as its output when the deploy would be refused, and still changes nothing', async () => {
    const hosts = ['web-1', 'web-2'].map(label => new FakeHost(label).serve('v1', 'v2').forbid(...mutating));
    (hosts[1] as FakeHost).images.delete(imageOf('v1'));
    const error = await plan(fakeInputs(hosts, {plan: true, image: undefined, rollback: true}), fakeCollaborators(hosts)).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PlanRefused);
    expect((error as PlanRefused).message).toBe(`The rollback would be refused: web-2 no longer has ${imageOf('v1')}`);
    expect((error as PlanRefused).outputs.hosts.map(host => host.next?.version)).toEqual(['v1', 'v1']);
    expect(hosts.map(host => host.live())).toEqual(['v2', 'v2']);
  });
});
