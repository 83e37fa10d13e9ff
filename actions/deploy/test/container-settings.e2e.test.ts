import {join} from 'node:path';
import {findSandbox, hostRun, pushTestApp, runAction, type SandboxHost} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';
import {deployInputs, resetService} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'settings';

describe.skipIf(!sandbox)('container settings', () => {
  if (!sandbox) return;
  const [host] = sandbox.hosts as [SandboxHost];
  const inputs = {...deployInputs(sandbox, service), hosts: host.address};
  let image = '';

  beforeAll(async () => {
    image = await pushTestApp(sandbox, 'v1');
    await resetService(sandbox, service);
    await hostRun(host, ['sh', '-c', 'docker volume rm -f settings-cache >/dev/null; mkdir -p /var/lib/cv-settings-test']);
  });

  it('starts every container with the settings, each as its own argument, and the deploy still switches', async () => {
    const run = await runAction(action, {
      inputs: {
        ...inputs,
        image,
        'add-hosts': 'db.internal:198.18.0.11\nhost.docker.internal:host-gateway',
        volumes: '/var/lib/cv-settings-test:/data:ro\nsettings-cache:/cache',
        memory: '64m',
        cpus: '0.5',
        labels: 'team=platform\ncost-centre=web',
        'log-driver': 'json-file',
        'log-options': 'max-size=1m\nmax-file=2',
        user: '1000:1000',
        'stop-signal': 'TERM',
        'stop-timeout': '12s',
      },
    });
    expect(run.errors).toEqual([]);
    const [name] = (await hostRun(host, ['docker', 'ps', '-q', '--filter', `label=circuitverse.deploy.service=${service}`])).trim().split('\n');
    const inspected = JSON.parse(await hostRun(host, ['docker', 'inspect', name as string]))[0];
    expect(inspected.HostConfig).toMatchObject({
      Memory: 64 * 1024 ** 2,
      MemorySwap: 64 * 1024 ** 2,
      NanoCpus: 500_000_000,
      OomScoreAdj: 500,
      ExtraHosts: ['db.internal:198.18.0.11', 'host.docker.internal:host-gateway'],
      LogConfig: {Type: 'json-file', Config: {'max-size': '1m', 'max-file': '2'}},
    });
    // The engine keeps binds in no fixed order: one run listed these two the other way round.
    expect([...inspected.HostConfig.Binds].sort()).toEqual(['/var/lib/cv-settings-test:/data:ro', 'settings-cache:/cache']);
    expect(inspected.Config).toMatchObject({User: '1000:1000', StopSignal: 'SIGTERM', StopTimeout: 12});
    expect(inspected.Config.Labels).toMatchObject({team: 'platform', 'cost-centre': 'web', 'circuitverse.deploy.service': service});
    expect(await hostRun(host, ['docker', 'exec', name as string, 'cat', '/etc/hosts'])).toMatch(/^198\.18\.0\.11\s+db\.internal$/m);
  });

  it('refuses a setting that would reach docker as a flag, with one line naming the input, and changes nothing', async () => {
    const before = await hostRun(host, ['docker', 'ps', '-a', '--format', '{{.Names}}', '--filter', `label=circuitverse.deploy.service=${service}`]);
    const run = await runAction(action, {inputs: {...inputs, image, volumes: '--privileged:/x'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^Input "volumes" /);
    expect(await hostRun(host, ['docker', 'ps', '-a', '--format', '{{.Names}}', '--filter', `label=circuitverse.deploy.service=${service}`])).toBe(before);
  });
});
