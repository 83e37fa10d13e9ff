import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {findSandbox, hostRun, pushTestApp, runAction} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'web';
const servicePort = 8080;

describe.skipIf(!sandbox)('deploy', () => {
  if (!sandbox) return;
  const images: Record<string, string> = {};
  const inputs = {
    hosts: sandbox.hosts.map(host => host.address).join('\n'),
    'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
    'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
    service,
    'registry-username': sandbox.registry.username,
    'registry-password': sandbox.registry.password,
    'drain-timeout': '10s',
    'health-timeout': '20s',
  };
  const serverBlock = `server {\n  listen ${servicePort};\n  location / { proxy_pass http://${service}; }\n}\n`;

  async function serving(): Promise<string[]> {
    return Promise.all(sandbox!.hosts.map(async host => (await (await fetch(`http://${host.address}:${servicePort}/`)).text()).trim()));
  }

  beforeAll(async () => {
    for (const version of ['v1', 'v2']) images[version] = await pushTestApp(sandbox, version);
    await Promise.all(
      sandbox.hosts.map(async host => {
        await hostRun(host, [
          'sh',
          '-c',
          `rm -rf /var/lib/circuitverse-deploy/${service}; docker rm -f $(docker ps -aq --filter label=circuitverse.deploy.service=${service}) 2>/dev/null; rm -f /etc/nginx/conf.d/${service}-*.conf; nginx -s reload; true`,
        ]);
      }),
    );
  });

  it('deploys the first release to every host', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v1 as string}});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.version).toBe('v1');
    await Promise.all(
      sandbox.hosts.map(host => hostRun(host, ['sh', '-c', `printf '%s' '${serverBlock}' > /etc/nginx/conf.d/${service}-server.conf && nginx -s reload`])),
    );
    expect(await serving()).toEqual(['v1', 'v1', 'v1']);
  });

  it('switches every host to the next release', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(run.errors).toEqual([]);
    expect(run.outputs['previous-version']).toBe('v1');
    expect(await serving()).toEqual(['v2', 'v2', 'v2']);
  });

  it('rolls back to the previous release', async () => {
    const run = await runAction(action, {inputs: {...inputs, rollback: 'true'}});
    expect(run.errors).toEqual([]);
    expect(run.outputs.version).toBe('v1');
    expect(await serving()).toEqual(['v1', 'v1', 'v1']);
  });

  it('fails on a release whose health check fails and leaves the previous one serving', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, env: 'FAIL_HEALTH=1', 'health-timeout': '3s'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/v2 failed its health check at \/up/);
    expect(await serving()).toEqual(['v1', 'v1', 'v1']);
  });
});
