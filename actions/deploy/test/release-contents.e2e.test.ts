import {createHash, randomBytes} from 'node:crypto';
import {join} from 'node:path';
import {findSandbox, hostRun, pushTestApp, runAction} from '@circuitverse/testkit';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {addServerBlock, deployInputs, resetService, servedVersions} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'app';
const port = 8083;

describe.skipIf(!sandbox)('deploy: env, secrets, pre-deploy, workers and retention', () => {
  if (!sandbox) return;
  const inputs = deployInputs(sandbox, service);
  const images: Record<string, string> = {};
  const [host1] = sandbox.hosts;
  if (!host1) throw new Error('The sandbox has no hosts.');

  const runningVersions = async () =>
    (
      await hostRun(host1, ['docker', 'ps', '--filter', `label=circuitverse.deploy.service=${service}`, '--format', '{{.Label "circuitverse.deploy.version"}}'])
    ).trim();

  beforeAll(async () => {
    // Versions of their own: no other test's containers hold these images, so pruning can remove them.
    for (const version of ['v1', 'v2', 'r1', 'r2', 'r3', 'r4']) images[version] = await pushTestApp(sandbox, version);
  });

  beforeEach(async () => {
    await resetService(sandbox, service);
  });

  it('keeps secrets out of the log and off every command line, in a 0600 file the pre-deploy step can read', async () => {
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const digest = createHash('md5').update(secret).digest('hex');
    const seenOnHosts: string[] = [];
    let running = true;
    // Every process's command line on every host, over and over, for the whole deploy (what `ps` shows).
    const listCommandLines = 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done 2>/dev/null; true';
    const watcher = (async () => {
      while (running) {
        for (const host of sandbox.hosts) seenOnHosts.push(await hostRun(host, ['sh', '-c', listCommandLines]));
      }
    })();
    const run = await runAction(action, {
      inputs: {
        ...inputs,
        image: images.v1 as string,
        env: 'RAILS_ENV=production',
        secrets: `SECRET_KEY_BASE=${secret}`,
        // Proves the one-off container has the secret without printing it: its digest is printed instead.
        'pre-deploy': 'printf %s "$SECRET_KEY_BASE" | md5sum; echo "env=$RAILS_ENV"',
      },
    });
    running = false;
    await watcher;
    expect(run.errors).toEqual([]);
    expect(run.log).toContain(digest);
    expect(run.log).toContain('env=production');
    // The raw log, unmasked; only the runner's own ::add-mask:: commands (never displayed) may carry the value.
    expect(run.rawLog.replace(/^::add-mask::.*$/gm, '')).not.toContain(secret);
    expect(run.summary).not.toContain(secret);
    expect(seenOnHosts.length).toBeGreaterThan(3);
    expect(seenOnHosts.filter(listing => listing.includes(secret))).toEqual([]);
    const mode = await hostRun(host1, ['stat', '-c', '%a %U', `/var/lib/circuitverse-deploy/${service}/env/v1.env`]);
    expect(mode.trim()).toBe('600 root');
  });

  it('stops with nothing switched when pre-deploy fails, quoting its output', async () => {
    expect((await runAction(action, {inputs: {...inputs, image: images.v1 as string}})).errors).toEqual([]);
    await addServerBlock(sandbox, service, port);
    const run = await runAction(action, {
      inputs: {...inputs, image: images.v2 as string, 'pre-deploy': 'echo migrating; echo "relation users does not exist" >&2; exit 3'},
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toBe('198.18.0.11: pre-deploy failed (exit 3): relation users does not exist. Nothing was switched.');
    expect(run.log).toContain('migrating');
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('replaces a worker (proxy: none) once the new one has stayed up', async () => {
    const worker = {...inputs, proxy: 'none'};
    expect((await runAction(action, {inputs: {...worker, image: images.v1 as string}})).errors).toEqual([]);
    const run = await runAction(action, {inputs: {...worker, image: images.v2 as string}});
    expect(run.errors).toEqual([]);
    expect(await runningVersions()).toBe('v2');
  });

  it('fails a worker that exits, keeping the old one running', async () => {
    const worker = {...inputs, proxy: 'none'};
    expect((await runAction(action, {inputs: {...worker, image: images.v1 as string}})).errors).toEqual([]);
    // The test app exits when it cannot listen on its port.
    const run = await runAction(action, {inputs: {...worker, image: images.v2 as string, env: 'PORT=not-a-port'}});
    expect(run.exitCode).toBe(1);
    // Seen stopped, or seen again running after Docker's restart policy brought it back.
    expect(run.errors.at(-1)).toMatch(/v2 (exited \(status (exited|restarting)|exited, and Docker restarted it)/);
    expect(await runningVersions()).toBe('v1');
  });

  it('keeps the images and env files of the last `retain` releases and prunes the rest', async () => {
    for (const version of ['r1', 'r2', 'r3', 'r4']) {
      expect((await runAction(action, {inputs: {...inputs, image: images[version] as string, retain: '2'}})).errors).toEqual([]);
    }
    const present = async (image: string) =>
      (await hostRun(host1, ['sh', '-c', `docker image inspect ${image} >/dev/null 2>&1 && echo yes || echo no`])).trim();
    const presence = [];
    for (const version of ['r1', 'r2', 'r3', 'r4']) presence.push(await present(images[version] as string));
    expect(presence).toEqual(['no', 'no', 'yes', 'yes']);
    const envFiles = await hostRun(host1, ['ls', `/var/lib/circuitverse-deploy/${service}/env`]);
    expect(envFiles.trim().split('\n')).toEqual(['r3.env', 'r4.env']);
    const back = await runAction(action, {inputs: {...inputs, rollback: 'true'}});
    expect(back.outputs.version).toBe('r3');
  });
});
