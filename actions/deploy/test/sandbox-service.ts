import {readFileSync} from 'node:fs';
import {hostRun, runAction, type Sandbox} from '@circuitverse/testkit';
import {expect} from 'vitest';

/** The deploy inputs for a service on every sandbox host. */
export function deployInputs(sandbox: Sandbox, service: string): Record<string, string> {
  return {
    hosts: sandbox.hosts.map(host => host.address).join('\n'),
    'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
    'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
    service,
    'registry-username': sandbox.registry.username,
    'registry-password': sandbox.registry.password,
    'drain-timeout': '15s',
    'health-timeout': '20s',
  };
}

/**
 * Removes every trace of a service from the hosts: containers, state, nginx files, its HAProxy sections. Files go by
 * name, not by a glob of the service's: one for a service named cv took the sandbox's own cv-sandbox.conf along.
 */
export async function resetService(sandbox: Sandbox, service: string): Promise<void> {
  const script = [
    `docker rm -f $(docker ps -aq --filter label=circuitverse.deploy.service=${service}) >/dev/null 2>&1`,
    `rm -rf /var/lib/circuitverse-deploy/${service} /etc/nginx/conf.d/${service}-upstream.conf* /etc/nginx/conf.d/${service}-moved-upstream.conf* /etc/nginx/conf.d/${service}-server.conf /etc/haproxy/conf.d/${service}.cfg /etc/haproxy/conf.d/${service}.maintenance.cfg`,
    'nginx -s reload',
    'kill -USR2 $(cat /run/haproxy.pid)',
    'true',
  ].join('; ');
  await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', script])));
}

/** Adds the one server block a user writes once, listening on `port` and proxying to the service's upstream. */
export async function addServerBlock(sandbox: Sandbox, service: string, port: number): Promise<void> {
  const block = `server {\n  listen ${port};\n  location / { proxy_pass http://${service}; }\n}\n`;
  const script = `printf '%s' "$1" > /etc/nginx/conf.d/${service}-server.conf && nginx -s reload`;
  await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', script, 'add-server-block', block])));
  // nginx -s reload returns before the new workers listen: wait for each host's port, 10 s at most.
  await Promise.all(
    sandbox.hosts.map(async host => {
      for (let attempt = 0; ; attempt++) {
        try {
          await fetch(`http://${host.address}:${port}/`);
          return;
        } catch (error) {
          if (attempt >= 100) throw error;
          await new Promise(resolve => setTimeout(resolve, 100));
        }
      }
    }),
  );
}

/** What each host's nginx answers for the service, in host order. */
export async function servedVersions(sandbox: Sandbox, port: number): Promise<string[]> {
  return Promise.all(sandbox.hosts.map(async host => (await (await fetch(`http://${host.address}:${port}/`)).text()).trim()));
}

/** A service as a test starts from: nothing of it on the hosts, then `image` deployed and served on `port`. */
export async function serveFresh(
  action: string,
  sandbox: Sandbox,
  service: string,
  port: number,
  inputs: Record<string, string>,
  image: string,
): Promise<void> {
  await resetService(sandbox, service);
  const first = await runAction(action, {inputs: {...inputs, image}});
  expect(first.errors).toEqual([]);
  await addServerBlock(sandbox, service, port);
}
