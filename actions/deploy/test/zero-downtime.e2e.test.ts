import {join} from 'node:path';
import {findSandbox, hostRun, type LoadReport, type LoadResponse, pushTestApp, runAction, startLoad} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';
import {addServerBlock, deployInputs, resetService, servedVersions} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'zd';
const port = 8081;

interface Switch {
  host: string;
  version: string;
  /** When the log said the host's old container had drained. */
  liveAt: number;
}

/**
 * Responses from a container older than one that had already answered when they were sent: traffic going back.
 * Containers rank by the end of their first response on the target; a response is stale when it started after the
 * first response of a newer container ended. Exact whatever the test's own event loop lag, unlike log lines.
 */
function wentBack(responses: LoadResponse[]): string[] {
  const firstEnd = new Map<string, number>();
  for (const response of responses) firstEnd.set(response.server, Math.min(firstEnd.get(response.server) ?? Number.POSITIVE_INFINITY, response.endedAt));
  const ranked = [...firstEnd.entries()].sort((a, b) => a[1] - b[1]);
  const newerSince = new Map(ranked.map(([server], rank) => [server, ranked[rank + 1]?.[1] ?? Number.POSITIVE_INFINITY]));
  return responses
    .filter(response => response.startedAt > (newerSince.get(response.server) ?? Number.POSITIVE_INFINITY))
    .map(
      response =>
        `${response.target} ${response.path} "${response.body}" from ${response.server}, started ${response.startedAt - (newerSince.get(response.server) ?? 0)} ms after a newer container answered`,
    );
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
      const match = /^(\S+): (\S+) is live and the old container's requests have drained/.exec(line);
      if (match) switches.push({host: hostNames.get(match[1] as string) as string, version: match[2] as string, liveAt: Date.now()});
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

    expect(report.responses.filter(response => response.server === '')).toEqual([]);
    for (const host of sandbox.hosts) expect(wentBack(report.responses.filter(response => response.target === host.name))).toEqual([]);

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
