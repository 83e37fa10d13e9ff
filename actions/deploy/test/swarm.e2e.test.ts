import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {findSandbox, hostRun, pushTestApp, runAction, type SandboxHost, startLoad} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {deployInputs} from './sandbox-service.js';
import {addSwarmFront, onManager, removeSwarmFront, swarmDown, swarmTimeline, swarmUp, waitForFronts} from './swarm-sandbox.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'swarm-web';
const ports = [8121, 8122] as const;
const front = 8123;
const secret = 'swarm-secret-7f3a9c1e5b';
const restartDockerd = new URL('../../../sandbox/restart-dockerd', import.meta.url).pathname;

describe.skipIf(!sandbox)('deploy driver: swarm', () => {
  if (!sandbox) return;
  const inputs = {
    ...deployInputs(sandbox, service),
    // The SSH driver's drain; a swarm task drains within its stop-timeout, and the driver refuses drain-timeout.
    'drain-timeout': '',
    hosts: sandbox.hosts[0]?.address as string,
    driver: 'swarm',
    'swarm-ports': ports.join(','),
    'health-timeout': '10s',
    watch: '3s',
    'stop-timeout': '20s',
    env: 'HOLD_SECONDS=2',
    secrets: `APP_SECRET=${secret}`,
    retain: '2',
  };
  const images: Record<string, string> = {};

  beforeAll(async () => {
    for (const version of ['v1', 'v2', 'v3', 'v4']) images[version] = await pushTestApp(sandbox, version);
    await swarmUp();
    await addSwarmFront(sandbox, service, front, ports);
  }, 300_000);

  afterAll(async () => {
    // Pass or fail, the hosts leave the swarm: other tests' plain containers must not share hosts with it.
    await swarmDown();
    await removeSwarmFront(sandbox, service);
    for (const host of sandbox.hosts) {
      expect(await hostRun(host, ['docker', 'info', '--format', '{{.Swarm.LocalNodeState}}'])).toBe('inactive\n');
      // Nothing of the swarm's networks stays behind on a host.
      expect((await hostRun(host, ['docker', 'network', 'ls', '--format', '{{.Name}}'])).split('\n')).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(ingress|docker_gwbridge)$/)]),
      );
    }
  }, 300_000);

  const served = () => waitForFronts(sandbox, front);

  it('deploys v1, v2, rolls back, and a v3 failing health is rolled back by Swarm, with no failed request', async () => {
    const first = await runAction(action, {inputs: {...inputs, image: images.v1 as string}});
    expect(first.errors).toEqual([]);
    expect(first.outputs.version).toBe('v1');
    expect(await served()).toEqual(['v1', 'v1', 'v1']);

    const loadStarted = Date.now();
    const load = startLoad({
      targets: sandbox.hosts.map(host => ({name: host.name, url: `http://${host.address}:${front}`})),
      connectionsPerTarget: 4,
      holdPath: '/hold',
      maxRequests: 200_000,
      maxDurationMs: 240_000,
    });
    const second = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(second.errors).toEqual([]);
    expect(second.outputs['previous-version']).toBe('v1');
    expect(await served()).toEqual(['v2', 'v2', 'v2']);
    expect(second.log).toMatch(/host2: v2 task \w+ running, desired running/);

    const back = await runAction(action, {inputs: {...inputs, rollback: 'true'}});
    expect(back.errors).toEqual([]);
    expect(back.outputs.version).toBe('v1');
    expect(await served()).toEqual(['v1', 'v1', 'v1']);

    const failing = await runAction(action, {inputs: {...inputs, image: images.v3 as string, env: 'HOLD_SECONDS=2\nFAIL_HEALTH=1'}});
    expect(failing.exitCode).toBe(1);
    expect(failing.outputs['rolled-back']).toBe('true');
    expect(failing.errors.join('\n')).toMatch(
      /v3 failed and Swarm rolled back \(update rolled back due to failure or early termination of task \w+; rollback completed\): host\d task \w+ .*starting/,
    );
    expect(await served()).toEqual(['v1', 'v1', 'v1']);

    const report = await load.stop();
    const failed = report.responses.filter(response => response.status !== 200);
    const timeline = report.failures.length + failed.length > 0 ? await swarmTimeline(sandbox, service, loadStarted) : '';
    expect(report.failures, timeline).toEqual([]);
    expect(report.responses.length).toBeGreaterThan(100);
    expect(failed, timeline).toEqual([]);
    console.log(`swarm load: ${report.responses.length} responses, ${report.failures.length} failures, ${report.retries} retries`);
    expect(await onManager(sandbox, `docker config ls -q --filter name=${service}.deploy-lock`)).toBe('');
  }, 600_000);

  it('keeps secrets out of the service spec, the task containers, the logs and ps', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(run.errors).toEqual([]);
    // Apart from the mask command itself, which is what keeps it out of the runner's log.
    expect([run.rawLog.replace(/^::add-mask::.*$/gm, ''), run.summary, JSON.stringify(run.outputs)].join('\n')).not.toContain(secret);
    expect(await onManager(sandbox, `docker service inspect ${service}`)).not.toContain(secret);
    for (const host of sandbox.hosts) {
      const containers = (await hostRun(host, ['docker', 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`])).trim().split('\n');
      for (const id of containers) {
        const inspected = await hostRun(host, ['docker', 'inspect', id]);
        expect(inspected).not.toContain(secret);
        expect(await hostRun(host, ['sh', '-c', `docker logs ${id} 2>&1`])).not.toContain(secret);
        // The app does see it: the wrapper exported it from the mounted file.
        expect(await hostRun(host, ['docker', 'exec', id, '/bin/busybox', 'cat', '/run/secrets/APP_SECRET'])).toBe(secret);
      }
      expect(await hostRun(host, ['ps', '-eo', 'args'])).not.toContain(secret);
    }
    const secrets = (await onManager(sandbox, `docker secret ls --format '{{.Name}}' --filter label=circuitverse.deploy.service=${service}`))
      .trim()
      .split('\n');
    expect(secrets.every(name => /^swarm-web\.v[12]\.APP_SECRET\.[0-9a-f]{8}$/.test(name))).toBe(true);
  }, 300_000);

  it('converges on the other nodes when a node’s dockerd stops mid-deploy, and reports the lost node', async () => {
    // Once the deploy holds the lock, just before it sends the update, host3's engine stops (so that host3 cannot
    // have run v4 yet), and comes back on its own 45 s later.
    let down: Promise<unknown> | undefined;
    const run = runAction(action, {
      inputs: {...inputs, image: images.v4 as string},
      onLine: line => {
        if (!down && line.includes('through the Swarm manager')) down = promisify(execFile)(restartDockerd, ['host3', '--down-for', '45'], {timeout: 180_000});
      },
    });
    try {
      const result = await run;
      expect(result.errors).toEqual([]);
      expect(result.warnings.join('\n'), result.log).toMatch(/host3: the node is down; it runs no task of v4/);
      // Swarm's update made a task on host3 before it saw the node down, and would wait for it until host3 is back.
      expect(result.log).toMatch(/host3: down before its task of v4 ran; Swarm's update, which would wait there, goes on without it/);
      const hosts = JSON.parse(result.outputs.hosts as string) as Array<{host: string; status: string; after: string}>;
      expect(hosts.map(host => [host.host, host.status])).toEqual(
        expect.arrayContaining([
          ['host1', 'deployed'],
          ['host2', 'deployed'],
          ['host3', 'not-started'],
        ]),
      );
      const [host1, host2] = sandbox.hosts.slice(0, 2).map(host => fetch(`http://${host.address}:${front}/`).then(response => response.text()));
      expect([await host1, await host2]).toEqual(['v4', 'v4']);
    } finally {
      await down;
    }
    expect(down).toBeDefined();
    // Back, the node rejoins and Swarm starts v4 there.
    const host3 = sandbox.hosts[2]?.address as string;
    const servedOnHost3 = () =>
      fetch(`http://${host3}:${front}/`).then(
        response => response.text(),
        () => '',
      );
    for (let attempt = 0; (await servedOnHost3()) !== 'v4'; attempt++) {
      if (attempt > 120) throw new Error('host3 never ran v4 after it came back');
      await new Promise(resolve => setTimeout(resolve, 1000));
    }
    // Swarm's previous spec is v4's own since the restart: rollback goes to v2, the release before, from its record.
    const back = await runAction(action, {inputs: {...inputs, rollback: 'true'}});
    expect(back.errors).toEqual([]);
    expect(back.outputs.version).toBe('v2');
    expect(back.log).toMatch(/back to the release before it, v2, from its record/);
    expect(await served()).toEqual(['v2', 'v2', 'v2']);
  }, 400_000);

  it('rolls back to a retained release by name, with its secret, and refuses one beyond retain', async () => {
    const back = await runAction(action, {inputs: {...inputs, 'rollback-to': 'v2'}});
    expect(back.errors).toEqual([]);
    expect(back.outputs.version).toBe('v2');
    expect(await served()).toEqual(['v2', 'v2', 'v2']);
    const host = sandbox.hosts[0] as SandboxHost;
    const id = (await hostRun(host, ['docker', 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`])).trim();
    expect(await hostRun(host, ['docker', 'exec', id, '/bin/busybox', 'cat', '/run/secrets/APP_SECRET'])).toBe(secret);

    const pruned = await runAction(action, {inputs: {...inputs, 'rollback-to': 'v1'}});
    expect(pruned.errors).toEqual([expect.stringMatching(/^Input "rollback-to" names v1, which the swarm keeps no release of/)]);
    expect(await onManager(sandbox, `docker config ls -q --filter name=${service}.deploy-lock`)).toBe('');
  }, 300_000);
});
