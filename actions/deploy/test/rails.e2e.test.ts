import {join} from 'node:path';
import {findSandbox, hostRun, type LoadReport, railsAppDeployInputs, resetAppDatabase, runAction, type SandboxHost, startLoad} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';
import {addServerBlock, deployInputs, resetService, servedVersions} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'rails';
const port = 8084;
const database = 'cv_deploy';

// The first users' shape: Puma takes the traffic, Sidekiq moves after its switch, quieted first and given longer
// than its own 25 s shutdown.
const roles = `
web:
  cmd: bundle exec puma -C config/puma.rb
  memory: 512m
sidekiq:
  cmd: bundle exec sidekiq
  memory: 512m
  quiet-signal: TSTP
  stop-timeout: 35s
`;

interface JobRun {
  release: string;
  finished_at: string | null;
}

describe.skipIf(!sandbox)('deploy of the real Rails app', () => {
  if (!sandbox) return;
  const hosts = sandbox.hosts;
  const [host1] = sandbox.hosts as [SandboxHost];
  const app = railsAppDeployInputs(sandbox, {database, redisDb: 3});
  const inputs = {
    ...deployInputs(sandbox, service),
    roles,
    env: app.env,
    secrets: app.secrets,
    'pre-deploy': 'bin/rails db:migrate',
    'health-timeout': '90s',
  };
  // The tag names the release, the digest pins it.
  const release = (version: 'v1' | 'v2' | 'v3') => {
    const {tag, digest} = sandbox.railsApp.releases[version];
    return `${sandbox.railsApp.image}:${tag}@${digest}`;
  };
  const front = (path: string, init?: RequestInit) => fetch(`http://${host1.address}:${port}${path}`, init);

  /** Each host's running containers of the service, by role label, as their versions. */
  async function rolesOnHosts(): Promise<Array<Record<string, string[]>>> {
    return Promise.all(
      hosts.map(async host => {
        const stdout = await hostRun(host, [
          'docker',
          'ps',
          '--filter',
          `label=circuitverse.deploy.service=${service}`,
          '--format',
          '{{.Label "circuitverse.deploy.role"}} {{.Label "circuitverse.deploy.version"}}',
        ]);
        const byRole: Record<string, string[]> = {};
        for (const [role = '', version = ''] of stdout
          .trim()
          .split('\n')
          .filter((line: string) => line !== '')
          .map((line: string) => line.split(' '))) {
          byRole[role] = [...(byRole[role] ?? []), version].sort();
        }
        return byRole;
      }),
    );
  }
  const allOn = (tag: string) => sandbox.hosts.map(() => ({web: [tag], sidekiq: [tag]}));

  async function jobRuns(token: string): Promise<JobRun[]> {
    return (await (await front(`/jobs/${token}`)).json()) as JobRun[];
  }

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    await resetService(sandbox, service);
    await resetAppDatabase(sandbox, database);
    const first = await runAction(action, {inputs: {...inputs, image: release('v1')}});
    expect(first.errors).toEqual([]);
    await addServerBlock(sandbox, service, port);
    expect(await rolesOnHosts()).toEqual(allOn('v1'));
  }, 300_000);

  it('goes v1 → v2 → rollback → v3 with a failing migration under load: no failed request, web and Sidekiq always on one release, every job run once', async () => {
    const created = await (await front('/projects?name=circuit', {method: 'POST'})).text();
    const projectId = /id=(\d+)/.exec(created)?.[1];
    expect(projectId).toBeDefined();
    // A 10 s job that is running when the deploy starts.
    expect((await front('/jobs?token=running-at-start&seconds=10', {method: 'POST'})).status).toBe(202);
    await waitFor('the job to start', async () => (await jobRuns('running-at-start')).length > 0);

    const load = startLoad({
      targets: sandbox.hosts.map(host => ({name: host.name, url: `http://${host.address}:${port}`})),
      connectionsPerTarget: 4,
      holdPath: '/hold?seconds=2',
      maxRequests: 200_000,
      maxDurationMs: 400_000,
    });
    let report: LoadReport;
    let enqueued: Promise<Response> | undefined;
    try {
      const toV2 = await runAction(action, {
        inputs: {...inputs, image: release('v2')},
        // A job enqueued while the deploy runs: once the web has switched, before Sidekiq moves.
        onLine: line => {
          if (!enqueued && /Switch sidekiq/.test(line)) enqueued = front('/jobs?token=during-deploy&seconds=1', {method: 'POST'});
        },
      });
      expect(toV2.errors).toEqual([]);
      expect((await enqueued)?.status).toBe(202);
      expect(await rolesOnHosts()).toEqual(allOn('v2'));
      // v2 reads the column its migration added: empty on a row v1 wrote, set on one v2 writes.
      expect(await (await front(`/projects/${projectId}`)).text()).toBe(`project id=${projectId} name=circuit description=`);
      const second = /id=(\d+)/.exec(await (await front('/projects?name=adder&description=full', {method: 'POST'})).text())?.[1];
      expect(await (await front(`/projects/${second}`)).text()).toBe(`project id=${second} name=adder description=full`);

      const back = await runAction(action, {inputs: {...inputs, rollback: 'true'}});
      expect(back.errors).toEqual([]);
      expect(back.outputs.version).toBe('v1');
      expect(await rolesOnHosts()).toEqual(allOn('v1'));

      const failing = await runAction(action, {inputs: {...inputs, image: release('v3')}});
      expect(failing.exitCode).toBe(1);
      expect(failing.errors.at(-1)).toMatch(/pre-deploy failed \(exit 1\)/);
      expect(failing.log).toContain("release 3's migration fails on purpose");
      expect(await rolesOnHosts()).toEqual(allOn('v1'));
    } finally {
      report = await load.stop();
    }
    console.log(`rails: ${report.responses.length} responses, ${report.failures.length} failures, ${report.retries} RFC 9112 §9.3.1 retries`);
    expect(report.failures).toEqual([]);
    expect(report.responses.filter(response => response.status < 200 || response.status > 299)).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(sandbox.hosts.map(() => 'railsapp v1'));

    const atStart = await jobRuns('running-at-start');
    expect(atStart).toEqual([expect.objectContaining({release: 'v1', finished_at: expect.any(String)})]);
    await waitFor('the job enqueued during the deploy to finish', async () => (await jobRuns('during-deploy')).some(run => run.finished_at !== null));
    expect(await jobRuns('during-deploy')).toHaveLength(1);
  }, 900_000);

  it('moves the web back on every host when Sidekiq fails to start after the web switched: no host is left split', async () => {
    const before = await rolesOnHosts();
    const {'pre-deploy': _, ...withoutMigration} = inputs;
    const run = await runAction(action, {
      inputs: {...withoutMigration, image: release('v2'), roles: roles.replace('cmd: bundle exec sidekiq', 'cmd: [sh, -c, "echo no redis here >&2; exit 3"]')},
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/v2 (exited \(status exited, exit code 3|exited, and Docker restarted it)/);
    expect(run.outputs['rolled-back']).toBe('true');
    expect(run.log).toMatch(/Switch web/);
    expect(await rolesOnHosts()).toEqual(before);
  }, 300_000);

  it('refuses a release whose memory limit the hosts cannot hold, with the figures, before the pull or anything else', async () => {
    const before = await rolesOnHosts();
    const run = await runAction(action, {inputs: {...inputs, image: release('v2'), roles: roles.replace('memory: 512m', 'memory: 1000g')}});
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(
      /^198\.18\.0\.1\d: has [\d.]+ [MG]iB of memory available, and starting web's new container \(its memory limit\) needs 1000 GiB\. Nothing was changed\./,
    );
    expect(run.log).not.toMatch(/Pull|Lock|Pre-deploy|Switch web/);
    expect(await rolesOnHosts()).toEqual(before);
  });

  it('fails a release the kernel kills for memory while it boots with "out of memory", and the old one keeps serving', async () => {
    const {'pre-deploy': _, ...withoutMigration} = inputs;
    const before = await rolesOnHosts();
    const served = await servedVersions(sandbox, port);
    const run = await runAction(action, {
      inputs: {...withoutMigration, image: release('v2'), env: `${app.env}BOOT_ALLOCATE_MB=400\n`, roles: roles.replace('memory: 512m', 'memory: 200m')},
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toMatch(/v2 was killed for running out of memory: it reached its memory limit of 200 MiB/);
    expect(await rolesOnHosts()).toEqual(before);
    expect(await servedVersions(sandbox, port)).toEqual(served);
  }, 300_000);
});
