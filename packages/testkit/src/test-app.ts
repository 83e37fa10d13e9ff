import {execFile} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import type {Sandbox} from './sandbox.js';

const execFileAsync = promisify(execFile);

// Debian's docker.io client has BuildKit built in; the newer client first on PATH wants a buildx plugin.
const dockerCli = '/usr/bin/docker';

/**
 * Builds the sandbox's test web app with a version baked in (and `padMegabytes` of random bytes in a layer of its
 * own, for tests of a short disk), pushes it, and returns its reference.
 */
export async function pushTestApp(sandbox: Sandbox, version: string, options: {padMegabytes?: number} = {}): Promise<string> {
  const image = `${sandbox.testApp.image}:${version}`;
  const config = await mkdtemp(join(tmpdir(), 'docker-config-'));
  const env = {...process.env, DOCKER_BUILDKIT: '1', DOCKER_CONFIG: config};
  try {
    await execFileAsync(
      dockerCli,
      ['build', '--quiet', '--build-arg', `VERSION=${version}`, '--build-arg', `PAD_MB=${options.padMegabytes ?? 0}`, '--tag', image, sandbox.testApp.context],
      {env},
    );
    const login = execFileAsync(dockerCli, ['login', '--username', sandbox.registry.username, '--password-stdin', sandbox.registry.address], {env});
    login.child.stdin?.end(sandbox.registry.password);
    await login;
    await execFileAsync(dockerCli, ['push', '--quiet', image], {env});
    return image;
  } finally {
    await rm(config, {recursive: true, force: true});
  }
}
