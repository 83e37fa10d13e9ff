import {join} from 'node:path';
import {findSandbox, hostRun, pushTestApp, runAction, runPostStep, type SandboxHost} from '@circuitverse/testkit';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {monitCheckFile, parseMonitStatus} from '../src/monit.js';
import {addServerBlock, deployInputs, resetService, servedVersions} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'monitored';
const port = 8111;
const checks = [service, `${service}-container`];

describe.skipIf(!sandbox)('deploy with Monit on every host', () => {
  if (!sandbox) return;
  const inputs = deployInputs(sandbox, service);
  const withMonit = {...inputs, monit: 'true', 'monit-check': 'write'};
  const images: Record<string, string> = {};

  /** Each check of the service and what Monit says of its monitoring, on one host. */
  const monitoring = async (host: SandboxHost): Promise<Record<string, string> | undefined> => {
    // Monit's CLI socket is gone while it reloads: undefined until it answers again.
    const output = await hostRun(host, ['monit', '-B', 'status']).catch(() => undefined);
    const status = output === undefined ? undefined : parseMonitStatus(0, output);
    if (status?.kind !== 'answers') return undefined;
    return Object.fromEntries(status.checks.filter(check => checks.includes(check.name)).map(check => [check.name, check.monitoring]));
  };

  /** Until every host's Monit monitors both checks (a monitored check is Initializing until its next cycle), 15 s at most. */
  const monitoredEverywhere = async (): Promise<Array<Record<string, string> | undefined>> => {
    let states: Array<Record<string, string> | undefined> = [];
    for (let attempt = 0; attempt < 60; attempt++) {
      states = await Promise.all(sandbox.hosts.map(monitoring));
      if (states.every(state => checks.every(name => state?.[name] === 'Monitored'))) break;
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    return states;
  };
  const allMonitored = sandbox.hosts.map(() => Object.fromEntries(checks.map(name => [name, 'Monitored'])));

  const logSizes = () => Promise.all(sandbox.hosts.map(async host => Number(await hostRun(host, ['stat', '-c', '%s', '/var/log/monit.log']))));
  /** What each host's Monit logged since `sizes`. */
  const logSince = (sizes: number[]) =>
    Promise.all(sandbox.hosts.map((host, index) => hostRun(host, ['tail', '-c', `+${(sizes[index] as number) + 1}`, '/var/log/monit.log'])));
  // A failed test of a check is an error line naming it: the event Monit alerts on.
  const failures = (log: string) => log.split('\n').filter(line => /\berror +: '(monitored|monitored-container)' /.test(line));

  /** Lines naming the service's checks, until each host has one matching `pattern`; 10 s at most. */
  const untilLogged = async (sizes: number[], pattern: RegExp): Promise<string[]> => {
    let logs: string[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      logs = await logSince(sizes);
      if (logs.every(log => pattern.test(log))) break;
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    return logs;
  };

  const liveContainers = () =>
    Promise.all(
      sandbox.hosts.map(async host =>
        (await hostRun(host, ['docker', 'ps', '--filter', `label=circuitverse.deploy.service=${service}`, '--format', '{{.Names}}'])).trim(),
      ),
    );
  const checkFileContainers = () =>
    Promise.all(sandbox.hosts.map(async host => /docker inspect --format \S+ (\S+) \|/.exec(await hostRun(host, ['cat', monitCheckFile(service)]))?.[1]));

  beforeAll(async () => {
    const missing: string[] = [];
    for (const host of sandbox.hosts) await hostRun(host, ['monit', '-B', 'summary']).catch(() => missing.push(host.name));
    if (missing.length) {
      throw new Error(`Monit does not answer on ${missing.join(', ')}: run sandbox/up from a tree that starts it (sandbox/README.md, "The hosts").`);
    }
    for (const version of ['v1', 'v2']) images[version] = await pushTestApp(sandbox, version);
  });

  // v1 served on every host, deployed with the Monit inputs: its check file names v1's container, monitored.
  beforeEach(async () => {
    await resetService(sandbox, service);
    await Promise.all(sandbox.hosts.map(host => hostRun(host, ['sh', '-c', 'rm -f "$1" && monit reload >/dev/null', 'reset', monitCheckFile(service)])));
    // A reload is done at Monit's next wakeup: until then the checks are still there.
    for (let attempt = 0; attempt < 40; attempt++) {
      const states = await Promise.all(sandbox.hosts.map(monitoring));
      if (states.every(state => state !== undefined && Object.keys(state).length === 0)) break;
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    const first = await runAction(action, {inputs: {...withMonit, image: images.v1 as string}});
    expect(first.errors).toEqual([]);
    await addServerBlock(sandbox, service, port);
    expect(await monitoredEverywhere()).toEqual(allMonitored);
  });

  it('the check does alert when a deploy leaves Monit alone: the container it names is gone', async () => {
    const sizes = await logSizes();
    const run = await runAction(action, {inputs: {...inputs, image: images.v2 as string}});
    expect(run.errors).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    const logs = await untilLogged(sizes, /error +: 'monitored-container' status failed/);
    for (const log of logs) expect(failures(log).length).toBeGreaterThan(0);
  });

  it('a healthy deploy to 3 hosts fires no alert, and leaves both checks monitored, on the new container', async () => {
    const sizes = await logSizes();
    const run = await runAction(action, {inputs: {...withMonit, image: images.v2 as string}});
    expect(run.errors).toEqual([]);
    expect(run.warnings).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    expect(await monitoredEverywhere()).toEqual(allMonitored);
    // Three more of Monit's one-second cycles, for a failure of the check as it now stands to show.
    await new Promise(resolve => setTimeout(resolve, 3000));
    const logs = await logSince(sizes);
    expect(logs.map(failures)).toEqual([[], [], []]);
    for (const log of logs) {
      expect(log).toMatch(/'monitored-container' unmonitor action done[\s\S]*Reinitializing[\s\S]*'monitored-container' monitor action done/);
    }
    expect(await checkFileContainers()).toEqual(await liveContainers());
  });

  it('a failed deploy (health check) leaves both checks monitored, on the container still serving', async () => {
    const sizes = await logSizes();
    const before = await liveContainers();
    const run = await runAction(action, {inputs: {...withMonit, image: images.v2 as string, env: 'FAIL_HEALTH=1', 'health-timeout': '3s'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/failed its health check at \/up/);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
    expect(await monitoredEverywhere()).toEqual(allMonitored);
    expect(await checkFileContainers()).toEqual(before);
    await new Promise(resolve => setTimeout(resolve, 3000));
    expect((await logSince(sizes)).map(failures)).toEqual([[], [], []]);
  });

  it('a cancelled deploy leaves both checks monitored', async () => {
    const run = await runAction(action, {
      inputs: {...withMonit, image: images.v2 as string, env: 'BOOT_DELAY=30'},
      cancel: {when: /: started /, signal: 'SIGINT'},
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/cancelled/);
    const post = await runPostStep(action, run, {inputs: {...withMonit, image: images.v2 as string}});
    expect(post.exitCode).toBe(0);
    expect(await monitoredEverywhere()).toEqual(allMonitored);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('a run killed while the checks are unmonitored: the post step monitors them again', async () => {
    const run = await runAction(action, {
      inputs: {...withMonit, image: images.v2 as string, env: 'BOOT_DELAY=30'},
      cancel: {when: /: started /, signal: 'SIGKILL'},
    });
    expect(run.signal).toBe('SIGKILL');
    const left = await Promise.all(sandbox.hosts.map(monitoring));
    expect(left.some(state => state?.[service] === 'Not monitored')).toBe(true);
    const post = await runPostStep(action, run, {inputs: {...withMonit, image: images.v2 as string}});
    expect(post.exitCode).toBe(0);
    expect(post.log).toMatch(/Monit monitors monitored, monitored-container again\./);
    expect(await monitoredEverywhere()).toEqual(allMonitored);
    const again = await runAction(action, {inputs: {...withMonit, image: images.v2 as string}});
    expect(again.errors).toEqual([]);
    expect(await monitoredEverywhere()).toEqual(allMonitored);
  });
});
