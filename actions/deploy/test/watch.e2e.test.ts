import {join} from 'node:path';
import {findSandbox, hostRun, type LoadReport, pushTestApp, runAction, type SandboxHost, startLoad} from '@circuitverse/testkit';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {deployInputs, servedVersions, serveFresh} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'watch';
const port = 8085;
const stateDir = `/var/lib/circuitverse-deploy/${service}`;

describe.skipIf(!sandbox)('deploy with a watch after the switch', () => {
  if (!sandbox) return;
  const inputs = deployInputs(sandbox, service);
  const images: Record<string, string> = {};
  const addresses = sandbox.hosts.map(host => host.address);

  /** Per host: the last line of its release history, and whether a lock is left. */
  const hostRecords = () =>
    Promise.all(
      sandbox.hosts.map(async (host: SandboxHost) => {
        const history = await hostRun(host, ['sh', '-c', `tail -n 1 ${stateDir}/history`]);
        const lock = await hostRun(host, ['sh', '-c', `ls -d ${stateDir}/lock 2>/dev/null; true`]);
        const [, version, , backFrom] = history.trim().split('\t');
        return {version, backFrom, locked: lock.trim() !== ''};
      }),
    );

  beforeAll(async () => {
    for (const version of ['v1', 'v2']) images[version] = await pushTestApp(sandbox, version);
  });

  beforeEach(() => serveFresh(action, sandbox, service, port, inputs, images.v1 as string));

  it('rolls every host back when the release starts failing 10 s after its start, with no request lost', async () => {
    const load = startLoad({
      targets: sandbox.hosts.map(host => ({name: host.name, url: `http://${host.address}:${port}`})),
      connectionsPerTarget: 16,
      holdPath: '/hold',
      maxRequests: 400_000,
      maxDurationMs: 180_000,
    });
    let report: LoadReport;
    let run: Awaited<ReturnType<typeof runAction>>;
    const started = Date.now();
    try {
      run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, env: 'FAIL_AFTER=10', watch: '40s'}});
    } finally {
      report = await load.stop();
    }
    const failing = report.responses.filter(response => response.status < 200 || response.status > 299);
    const window = failing.length
      ? ((Math.max(...failing.map(response => response.endedAt)) - Math.min(...failing.map(response => response.startedAt))) / 1000).toFixed(1)
      : '0';
    console.log(
      `watch, failing release: ${report.responses.length} responses, ${report.failures.length} failures, ${failing.length} 5xx from the failing release over ${window} s, ${report.retries} RFC 9112 §9.3.1 retries; deploy took ${((Date.now() - started) / 1000).toFixed(1)} s; error: ${run.errors.at(-1)}`,
    );
    expect(run.exitCode).toBe(1);
    const error = run.errors.at(-1) ?? '';
    expect(error).toMatch(/^198\.18\.0\.1\d: v2 failed the watch after \d+\.\ds: GET \/up answered 500, 500, 500 \(3 failed rounds in a row\)/);
    for (const address of addresses) expect(error).toContain(address);
    expect(error).toContain('Every host is back on v1, recorded in its history as back from v2.');
    expect(run.outputs['rolled-back']).toBe('true');
    expect(run.log).toMatch(/::error::198\.18\.0\.1\d: last lines of watch-v2-[0-9a-f]{6}:/);

    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(await hostRecords()).toEqual(sandbox.hosts.map(() => ({version: 'v1', backFrom: 'back from v2', locked: false})));
    // No request lost, and the only errors are the failing release's own, in the seconds before the rollback.
    expect(report.failures).toEqual([]);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.filter(response => response.status !== 500 || response.body !== 'failing')).toEqual([]);
    expect(report.responses.filter(response => response.body === 'v1').length).toBeGreaterThan(0);
  });

  it('rolls every host back when a release is killed for memory during the watch, and says so', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, env: 'ALLOCATE_AFTER=5', memory: '64m', watch: '30s'}});
    console.log(`watch, OOM: ${run.errors.at(-1)}`);
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(
      /^198\.18\.0\.1\d: v2 failed the watch after \d+\.\ds: watch-v2-[0-9a-f]{6} was killed for running out of memory: it reached its memory limit of 64 MiB/,
    );
    expect(run.outputs['rolled-back']).toBe('true');
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(await hostRecords()).toEqual(sandbox.hosts.map(() => ({version: 'v1', backFrom: 'back from v2', locked: false})));
  });

  it('leaves the release serving when cancelled during the watch, says so, and unlocks', async () => {
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, watch: '60s'},
      cancel: {when: /^198\.18\.0\.1\d: 10\.\ds watched: /m, signal: 'SIGINT'},
    });
    expect(run.log).toMatch(/Cancelled \d+\.\ds into the watch: v2 stays live on every host, unwatched\. To go back, deploy with rollback: true\./);
    expect(run.outputs['rolled-back']).toBe('false');
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    expect(await hostRecords()).toEqual(sandbox.hosts.map(() => ({version: 'v2', backFrom: undefined, locked: false})));
  });

  it('ends the watch of a healthy release and unlocks', async () => {
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string, watch: '5s'}});
    expect(run.errors).toEqual([]);
    expect(run.log).toMatch(/v2 held on every host for 5\.\ds\./);
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    expect(await hostRecords()).toEqual(sandbox.hosts.map(() => ({version: 'v2', backFrom: undefined, locked: false})));
  });
});
