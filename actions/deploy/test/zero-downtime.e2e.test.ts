import {join} from 'node:path';
import {findSandbox, hostRun, type LoadReport, pushTestApp, runAction, startLoad} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';
import {addServerBlock, deployInputs, resetService, servedVersions} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'zd';
const port = 8081;

interface Switch {
  host: string;
  version: string;
  /** When the log said the host's old workers had drained: from then on it may only answer `version`… */
  liveAt: number;
  /** …until the host starts the next release's container (which takes traffic only after that). */
  nextStartAt?: number;
}

describe.skipIf(!sandbox)('deploy under load', () => {
  if (!sandbox) return;
  const inputs = {...deployInputs(sandbox, service), 'drain-timeout': '20s'};
  const images: Record<string, string> = {};
  const hostNames = new Map(sandbox.hosts.map(host => [host.address, host.name]));

  beforeAll(async () => {
    for (const version of ['v1', 'v2', 'v3']) images[version] = await pushTestApp(sandbox, version);
    await resetService(sandbox, service);
    const first = await runAction(action, {inputs: {...inputs, image: images.v1 as string}});
    expect(first.errors).toEqual([]);
    await addServerBlock(sandbox, service, port);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('answers every request with a 2xx through deploy, rollback and a failed deploy, and never goes back to an old version', async () => {
    const switches: Switch[] = [];
    const watch = (line: string) => {
      const match = /^(\S+): (?:started \S+|(\S+) is live and the old nginx workers have drained)/.exec(line);
      if (!match) return;
      const host = hostNames.get(match[1] as string) as string;
      if (match[2] === undefined) {
        const current = switches.findLast(entry => entry.host === host);
        if (current && current.nextStartAt === undefined) current.nextStartAt = Date.now();
      } else {
        switches.push({host, version: match[2], liveAt: Date.now()});
      }
    };
    const load = startLoad({
      targets: sandbox.hosts.map(host => ({name: host.name, url: `http://${host.address}:${port}`})),
      connectionsPerTarget: 16,
      holdPath: '/hold',
      maxRequests: 400_000,
      maxDurationMs: 240_000,
    });
    let report: LoadReport;
    try {
      const toV2 = await runAction(action, {inputs: {...inputs, image: images.v2 as string}, onLine: watch});
      expect(toV2.errors).toEqual([]);
      const back = await runAction(action, {inputs: {...inputs, rollback: 'true'}, onLine: watch});
      expect(back.errors).toEqual([]);
      const failing = await runAction(action, {inputs: {...inputs, image: images.v3 as string, env: 'FAIL_HEALTH=1', 'health-timeout': '3s'}, onLine: watch});
      expect(failing.exitCode).toBe(1);
    } finally {
      report = await load.stop();
    }

    console.log(
      `zero-downtime: ${report.responses.length} responses, ${report.failures.length} failures, ${report.retries} RFC 9112 §9.3.1 retries (reused connections closed before any response byte), ${switches.length} switches`,
    );
    expect(report.failures).toEqual([]);
    expect(report.responses.filter(response => response.status < 200 || response.status > 299)).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(switches.map(entry => entry.version).sort()).toEqual(['v1', 'v1', 'v1', 'v2', 'v2', 'v2']);

    for (const entry of switches) {
      const stale = report.responses.filter(
        response =>
          response.target === entry.host &&
          response.startedAt > entry.liveAt &&
          response.startedAt < (entry.nextStartAt ?? Number.POSITIVE_INFINITY) &&
          response.body !== entry.version,
      );
      expect({host: entry.host, version: entry.version, stale: stale.length}).toEqual({host: entry.host, version: entry.version, stale: 0});
    }

    const holds = report.responses.filter(response => response.path === '/hold');
    const heldThroughSwitch = holds.filter(hold =>
      switches.some(entry => entry.host === hold.target && hold.startedAt < entry.liveAt && hold.endedAt > entry.liveAt - 1000),
    );
    expect(holds.every(hold => hold.status === 200)).toBe(true);
    expect(heldThroughSwitch.length).toBeGreaterThan(0);
  });

  // A host the release before HAProxy deployed: nginx's upstream names the container, and there is no HAProxy section.
  // The next deploy moves it with one nginx reload per host, whose losses this measures.
  it('moves hosts an earlier release pointed straight at a container, with one nginx reload each', async () => {
    const upstreamFile = `/etc/nginx/conf.d/${service}-upstream.conf`;
    const toDirect = `set -eu
port=$(sed -n 's/^# container: 127\\.0\\.0\\.1:\\([0-9]*\\).*/\\1/p' "$1")
printf '# Written by circuitverse/actions deploy: %s v1. Changes here are overwritten by the next deploy.\\nupstream %s {\\n  server 127.0.0.1:%s;\\n}\\n' "$2" "$2" "$port" >"$1"
workers=$(pgrep -P "$(cat /run/nginx.pid)")
nginx -s reload
# HAProxy drops the listener only once no nginx worker sends to it, for at most 10 s.
for pid in $workers; do
  polls=0
  while kill -0 "$pid" 2>/dev/null && [ "$polls" -lt 200 ]; do polls=$((polls + 1)); sleep 0.05; done
done
rm -f "/etc/haproxy/conf.d/$2.cfg"
kill -USR2 "$(cat /run/haproxy.pid)"`;
    await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', toDirect, 'to-direct', upstreamFile, service])));
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    const load = startLoad({
      targets: sandbox.hosts.map(host => ({name: host.name, url: `http://${host.address}:${port}`})),
      connectionsPerTarget: 16,
      holdPath: '/hold',
      maxRequests: 200_000,
      maxDurationMs: 120_000,
    });
    let report: LoadReport;
    try {
      // Steady load first: the reloads of the setup above are over before the deploy's own.
      await new Promise(resolve => setTimeout(resolve, 2000));
      const moved = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
      expect(moved.errors).toEqual([]);
      await new Promise(resolve => setTimeout(resolve, 1000));
    } finally {
      report = await load.stop();
    }
    console.log(
      `migration: ${report.responses.length} responses, ${report.failures.length} failures (3 nginx reloads), ${report.retries} RFC 9112 §9.3.1 retries: ${report.failures
        .slice(0, 5)
        .map(failure => `${failure.target} ${failure.path} ${failure.error}`)
        .join('; ')}`,
    );
    expect(report.responses.filter(response => response.status < 200 || response.status > 299)).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    const files = await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', `cat ${upstreamFile} /etc/haproxy/conf.d/${service}.cfg`])));
    for (const text of files) {
      expect(text).toMatch(/^# container: 127\.0\.0\.1:\d+/m);
      expect(text).toMatch(/^ {2}server live 127\.0\.0\.1:\d+$/m);
    }
  });
});
