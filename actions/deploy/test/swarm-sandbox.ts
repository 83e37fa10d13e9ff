import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {hostRun, type Sandbox} from '@circuitverse/testkit';

const execFileAsync = promisify(execFile);
const swarmScript = new URL('../../../sandbox/swarm', import.meta.url).pathname;

/** Forms the sandbox swarm (host1 manager); fails naming what `sandbox/swarm up` said was missing. */
export async function swarmUp(): Promise<void> {
  await execFileAsync(swarmScript, ['up'], {timeout: 180_000});
}

/** Every host leaves the swarm: services, secrets, configs and swarm networks go with it. */
export async function swarmDown(): Promise<void> {
  await execFileAsync(swarmScript, ['down'], {timeout: 180_000});
}

/**
 * The host setup a user writes once per node: nginx on `listen` in front of both ports the releases publish on in
 * turn. `max_fails=0`: a port with no task is refused at once and nginx passes the request to the other one, and
 * neither is ever marked down (which would leave "no live upstreams" in the moment the old task goes).
 */
export async function addSwarmFront(sandbox: Sandbox, service: string, listen: number, ports: readonly number[]): Promise<void> {
  const servers = ports.map(port => `  server 127.0.0.1:${port} max_fails=0;\n`).join('');
  const conf = `upstream ${service} {\n${servers}}\nserver {\n  listen ${listen};\n  location / { proxy_pass http://${service}; }\n}\n`;
  const script = `printf '%s' "$1" > /etc/nginx/conf.d/${service}-front.conf && nginx -s reload`;
  await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', script, 'add-front', conf])));
}

export async function removeSwarmFront(sandbox: Sandbox, service: string): Promise<void> {
  await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', `rm -f /etc/nginx/conf.d/${service}-front.conf && nginx -s reload`])));
}

/** Waits until every host's front answers, 10 s at most: nginx -s reload returns before its new workers listen. */
export async function waitForFronts(sandbox: Sandbox, listen: number): Promise<string[]> {
  return Promise.all(
    sandbox.hosts.map(async host => {
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await fetch(`http://${host.address}:${listen}/`);
          if (response.ok) return await response.text();
        } catch (error) {
          if (attempt >= 100) throw error;
        }
        if (attempt >= 100) throw new Error(`${host.name}:${listen} does not answer 200`);
        await new Promise(resolve => setTimeout(resolve, 100));
      }
    }),
  );
}

/** A command on the manager. */
export function onManager(sandbox: Sandbox, command: string): Promise<string> {
  return hostRun(sandbox.hosts[0] as Sandbox['hosts'][number], ['sh', '-c', command]);
}

/**
 * What each node's engine did to the service's containers since `sinceMs` (start, health, kill, die with its exit
 * code), and its nginx's errors: attached to a failed check of the load, so that a failed request says which task
 * was where.
 */
export async function swarmTimeline(sandbox: Sandbox, service: string, sinceMs: number): Promise<string> {
  const since = (sinceMs / 1000).toFixed(3);
  const until = (Date.now() / 1000).toFixed(3);
  const format =
    '{{.TimeNano}} {{.Action}} {{index .Actor.Attributes "circuitverse.deploy.version"}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}';
  const parts = await Promise.all(
    sandbox.hosts.map(async host => {
      const events = await hostRun(host, [
        'sh',
        '-c',
        `docker events --since ${since} --until ${until} --filter label=com.docker.swarm.service.name=${service} --format '${format}' | grep -v exec_`,
      ]).catch(error => String(error));
      const errors = await hostRun(host, ['sh', '-c', "grep -v '(111: Connection refused)' /var/log/nginx/error.log | tail -n 40"]).catch(error =>
        String(error),
      );
      return `${host.name} engine:\n${events}${host.name} nginx errors (refusals left out):\n${errors}`;
    }),
  );
  return parts.join('\n');
}
