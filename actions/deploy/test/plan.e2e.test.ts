import {join} from 'node:path';
import {type ActionRun, findSandbox, hostRun, pushTestApp, runAction, type Sandbox} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';
import type {DeployPlan} from '../src/plan.js';
import {deployInputs, resetService} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'plan';
// Versions of this file's own, so that no other test's deploy leaves their images on the hosts.
const versions = ['plan1', 'plan2'] as const;
const env = {A: 'plan-env-value-a', S: 'plan-secret-value-s', B: 'plan-env-value-b'};

/**
 * Everything a deploy could change on a host: every container with its state, every image, every file (and
 * directory) under the action's state and nginx's and HAProxy's configuration with its hash, the locks among them;
 * then the other services deployed there.
 */
const snapshotScript = `docker ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Image}} {{.State}} {{.Ports}} service={{.Label "circuitverse.deploy.service"}}' | sort
echo '## images'
docker images --no-trunc --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}' | sort
echo '## files'
find /var/lib/circuitverse-deploy /etc/nginx /etc/haproxy -type f -exec sha256sum {} + | sort
echo '## directories'
find /var/lib/circuitverse-deploy /etc/nginx /etc/haproxy -type d | sort
echo '## services'
{ docker ps -a --format '{{.Label "circuitverse.deploy.service"}}'; find /var/lib/circuitverse-deploy -mindepth 1 -maxdepth 1 -type d -exec basename {} \\; ; } | sort -u`;

/**
 * Each host's snapshot, less what belongs to the other services on it: the sandbox is shared, and tests of theirs
 * may deploy while this one plans. What is the plan's own service's, or no service's (images, nginx's and HAProxy's
 * own files, the shared HAProxy lock), stays.
 */
function snapshot(sandbox: Sandbox): Promise<string[]> {
  return Promise.all(
    sandbox.hosts.map(async host => {
      const [state = '', services = ''] = (await hostRun(host, ['sh', '-c', snapshotScript])).split('## services\n');
      const others = services.split('\n').filter(name => name !== '' && name !== service);
      const foreign = (line: string) =>
        others.some(
          name =>
            line.endsWith(` service=${name}`) || [`/${name}/`, `/${name}-`, `/${name}.cfg`].some(part => line.includes(part)) || line.endsWith(`/${name}`),
        );
      return state
        .split('\n')
        .filter(line => !foreign(line))
        .join('\n');
    }),
  );
}

/** Runs the plan and checks it changed nothing on any host. */
async function planUnchanged(sandbox: Sandbox, inputs: Record<string, string>): Promise<{run: ActionRun; plan: DeployPlan}> {
  const before = await snapshot(sandbox);
  const run = await runAction(action, {inputs: {...inputs, plan: 'true'}});
  expect(await snapshot(sandbox)).toEqual(before);
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  // No value of env or secrets anywhere the plan writes, but in the command that masks a secret.
  const written = [...run.rawLog.split('\n').filter(line => !line.startsWith('::add-mask::')), run.summary, run.outputs.plan].join('\n');
  for (const value of Object.values(env)) expect(written).not.toContain(value);
  return {run, plan: JSON.parse(run.outputs.plan as string) as DeployPlan};
}

/** One row per host, as the summary's tables say it. */
function rows(plan: DeployPlan) {
  return plan.hosts.map(host => ({
    serving: host.serving?.version ?? null,
    next: host.next?.version ?? null,
    present: host.image.present,
    // null in the JSON when the registry did not say.
    pull: typeof host.image.pullBytes !== 'number' ? 'unknown' : host.image.pullBytes === 0 ? 0 : 'bytes',
    env: host.env,
    rollback: host.rollback,
    problems: host.problems,
  }));
}

describe.skipIf(!sandbox)('plan', () => {
  if (!sandbox) return;
  const images: Record<string, string> = {};
  const inputs = deployInputs(sandbox, service);
  const firstEnv = {env: `A=${env.A}`, secrets: `S=${env.S}`};

  beforeAll(async () => {
    for (const version of versions) images[version] = await pushTestApp(sandbox, version);
    await resetService(sandbox, service);
    await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', 'docker image rm "$@" >/dev/null 2>&1; true', 'rm', ...Object.values(images)])));
  });

  it('plans a first deploy: nothing serving, the image to pull and its size, every key added', async () => {
    const {plan} = await planUnchanged(sandbox, {...inputs, ...firstEnv, image: images.plan1 as string, 'batch-size': '2'});
    const row = {serving: null, next: 'plan1', present: false, pull: 'bytes', env: {added: ['A', 'S'], removed: []}, rollback: null, problems: []};
    expect(rows(plan)).toEqual([row, row, row]);
    expect(plan.batches).toEqual([{role: '', batches: [[sandbox.hosts[0]?.address, sandbox.hosts[1]?.address], [sandbox.hosts[2]?.address]]}]);
    expect(plan.hosts.every(host => (host.disk?.availableBytes ?? 0) > 0 && host.memory.availableBytes > 0)).toBe(true);
  });

  it('plans a redeploy of the serving version, and of the next one', async () => {
    const deployed = await runAction(action, {inputs: {...inputs, ...firstEnv, image: images.plan1 as string}});
    expect(deployed.errors).toEqual([]);
    // What the snapshot compares holds the service's own state, which a deploy that went ahead would change.
    const own = (await snapshot(sandbox)).join('\n');
    for (const part of [' service=plan', '/var/lib/circuitverse-deploy/plan/history', '/etc/nginx/conf.d/plan-upstream.conf', '/etc/haproxy/conf.d/plan.cfg']) {
      expect(own).toContain(part);
    }
    const same = await planUnchanged(sandbox, {...inputs, ...firstEnv, image: images.plan1 as string});
    const sameRow = {serving: 'plan1', next: 'plan1', present: true, pull: 0, env: {added: [], removed: []}, rollback: null, problems: []};
    expect(rows(same.plan)).toEqual([sameRow, sameRow, sameRow]);
    expect(same.plan.hosts.map(host => host.serving?.digest)).toEqual(same.plan.hosts.map(host => host.next?.digest));
    const next = await planUnchanged(sandbox, {...inputs, ...firstEnv, image: images.plan2 as string});
    const nextRow = {...sameRow, next: 'plan2', present: false, pull: 'bytes', rollback: {version: 'plan1', kept: true}};
    expect(rows(next.plan)).toEqual([nextRow, nextRow, nextRow]);
  });

  it('plans an env change: the keys added and removed, never the values', async () => {
    const {run, plan} = await planUnchanged(sandbox, {...inputs, env: `A=${env.A}\nB=${env.B}`, image: images.plan2 as string});
    expect(plan.hosts.map(host => host.env)).toEqual(Array(3).fill({added: ['B'], removed: ['S']}));
    expect(run.summary).toContain('| env | added `B`; removed `S` |');
  });

  it('plans a rollback to nothing as refused, with the plan as output, and changes nothing', async () => {
    const before = await snapshot(sandbox);
    const run = await runAction(action, {inputs: {...inputs, rollback: 'true', plan: 'true'}});
    expect(await snapshot(sandbox)).toEqual(before);
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/^The rollback would be refused: .* has no earlier release to go back to/);
    expect((JSON.parse(run.outputs.plan as string) as DeployPlan).mode).toBe('rollback');
  });
});
