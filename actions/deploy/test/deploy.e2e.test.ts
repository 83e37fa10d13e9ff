import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {findSandbox, hostRun, pushTestApp, runAction, runPostStep, type SandboxHost} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';
import {startScript} from '../src/remote-scripts.js';
import {addServerBlock, deployInputs, resetService, servedVersions} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'web';
const port = 8080;

describe.skipIf(!sandbox)('deploy', () => {
  if (!sandbox) return;
  const images: Record<string, string> = {};
  const inputs = deployInputs(sandbox, service);

  beforeAll(async () => {
    for (const version of ['v1', 'v2']) images[version] = await pushTestApp(sandbox, version);
    await resetService(sandbox, service);
  });

  it('deploys the first release to every host', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v1 as string}});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.version).toBe('v1');
    await addServerBlock(sandbox, service, port);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('switches every host to the next release', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(run.errors).toEqual([]);
    expect(run.outputs['previous-version']).toBe('v1');
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    // Every lock was released, so the post step has no host to log in to.
    expect(run.state['lock-token']).toBe('');
    const logins = () =>
      Promise.all(sandbox.hosts.map(async host => (await readFile(join(sandbox.dir, 'hosts', host.name, 'logs/sshd.log'), 'utf8')).split('Accepted ').length));
    const before = await logins();
    const post = await runPostStep(action, run, {inputs: {...inputs, image: images.v2 as string}});
    expect(post.exitCode).toBe(0);
    expect(await logins()).toEqual(before);
  });

  it('keeps serving through nginx when Docker restarts a container, as after a crash or a reboot', async () => {
    // A port Docker picks (127.0.0.1::3000) changes on every start, which would leave nginx's upstream pointing at nothing.
    const [host] = sandbox.hosts as [SandboxHost];
    await hostRun(host, ['sh', '-c', 'docker restart --time 1 $(docker ps --quiet --filter label=circuitverse.deploy.service=web)']);
    let served: string[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(200)) {
      served = await servedVersions(sandbox, port).catch(() => []);
      if (served[0] === 'v2') break;
    }
    expect(served).toEqual(['v2', 'v2', 'v2']);
  });

  it('publishes a new container on the next candidate port when others are taken on the host', async () => {
    const [host] = sandbox.hosts as [SandboxHost];
    // Below the 20000-29999 the deploys draw from, so no container another test left on this host holds one.
    const [byContainer, byProcess, free] = [19_601, 19_602, 19_603];
    // Another container holds the first candidate (Docker: "port is already allocated"), a process of the host's own the
    // second ("address already in use"); docker run returns once its port is bound, socat is waited for, 5 s at most.
    const start = `docker run --detach --name web-port-holder --entrypoint /bin/sleep --publish 127.0.0.1:${byContainer}:3000 "$2" 600 >/dev/null
socat TCP-LISTEN:${byProcess},bind=127.0.0.1,fork /dev/null &
listener=$!
tries=0
until ss -Hltn 'sport = :${byProcess}' | grep -q .; do tries=$((tries + 1)); [ $tries -le 100 ] || exit 1; sleep 0.05; done
none=$(sh -c "$1" deploy web-port-none 3000 '' '${byContainer} ${byProcess}' --label circuitverse.deploy.service=web-port-test "$2" 2>&1) && none="started: $none"
printf '%s\n' "$none"
sh -c "$1" deploy web-port-test 3000 '' '${byContainer} ${byProcess} ${free}' --label circuitverse.deploy.service=web-port-test "$2"
status=$?
kill $listener
exit $status`;
    try {
      const output = (await hostRun(host, ['sh', '-c', start, 'start', startScript.source, images.v2 as string])).trim().split('\n');
      // With only the taken ones to try, it names them and quotes Docker.
      expect(output[0]).toMatch(
        new RegExp(
          `^none of the host ports ${byContainer} ${byProcess} is free on 127\\.0\\.0\\.1; the last: .*127\\.0\\.0\\.1:${byProcess}: bind: address already in use`,
        ),
      );
      expect(output.at(-1)).toBe(String(free));
      expect((await hostRun(host, ['docker', 'port', 'web-port-test', '3000/tcp'])).trim()).toBe(`127.0.0.1:${free}`);
    } finally {
      await hostRun(host, ['sh', '-c', 'docker rm --force web-port-test web-port-none web-port-holder >/dev/null 2>&1 || true']);
    }
  });

  it('rolls back to the previous release', async () => {
    const run = await runAction(action, {inputs: {...inputs, rollback: 'true'}});
    expect(run.errors).toEqual([]);
    expect(run.outputs.version).toBe('v1');
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('fails on a release whose health check fails and leaves the previous one serving', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, env: 'FAIL_HEALTH=1', 'health-timeout': '3s'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/v2 failed its health check at \/up/);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });
});
