import {randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {existsSync} from 'node:fs';
import {readdir, rm} from 'node:fs/promises';
import {type AddressInfo, createServer} from 'node:net';
import {join} from 'node:path';
import {findSandbox, pushEvent, runAction, runPostStep} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {makeContext, registryFetch, removeLocalImages, repositoryPath, uniqueRepository, waitUntilNoProcessMentions} from './helpers/e2e.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

// The step prints its marker only when it really runs; the comment keeps it from being cached.
const slowDockerfile = (nonce: string) => `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN --mount=type=secret,id=api_token echo "slow step $((6 * 7))" && sleep 5 # ${nonce}
`;

const failingDockerfile = `FROM scratch AS build
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN echo "compiling assets"; echo "assets: 3 errors"; exit 3
`;

describe.skipIf(!sandbox)('build-image failures against the sandbox', () => {
  const s = sandbox as NonNullable<typeof sandbox>;
  const repositories: string[] = [];
  const contexts: string[] = [];
  let context: string;

  function repository(name: string): string {
    const created = uniqueRepository(s, name);
    repositories.push(created);
    return created;
  }

  async function expectNothingPushed(repo: string): Promise<void> {
    const response = await registryFetch(s, `/v2/${repositoryPath(s, repo)}/tags/list`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as {errors: {code: string}[]}).errors[0]?.code).toBe('NAME_UNKNOWN');
  }

  beforeAll(async () => {
    context = await makeContext(s, failingDockerfile);
    contexts.push(context);
  });

  afterAll(async () => {
    for (const repo of repositories) await removeLocalImages(repo);
    for (const dir of contexts) await rm(dir, {recursive: true, force: true});
  });

  it('refuses a wrong password in one line quoting the registry, before building, and pushes nothing', async () => {
    const repo = repository('wrong-password');
    const run = await runAction(action, {inputs: {image: repo, context, 'registry-username': s.registry.username, 'registry-password': 'not-the-password'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Registry ${s.registry.address}: refused the login of "${s.registry.username}" (HTTP 401): UNAUTHORIZED: authentication required. Check registry-username and registry-password.`,
    ]);
    expect(run.log).not.toContain('::group::Build');
    await expectNothingPushed(repo);
  });

  it('names an unreachable registry and its socket error', async () => {
    const port = await freePort();
    const run = await runAction(action, {inputs: {image: `127.0.0.1:${port}/unreachable/app`, context, ...login()}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Registry 127.0.0.1:${port}: cannot be reached at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Check the registry in "image" and that it is up.`,
    ]);
  });

  it('says the Docker Engine cannot be reached, and pushes nothing', async () => {
    const repo = repository('no-engine');
    const socket = join(context, 'no-such-docker.sock');
    const run = await runAction(action, {inputs: {image: repo, context, ...login()}, env: {DOCKER_HOST: `unix://${socket}`}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([`Docker Engine: cannot be reached: connect ENOENT ${socket}. Check DOCKER_HOST, or that dockerd runs.`]);
    await expectNothingPushed(repo);
  });

  it('names the input when the Dockerfile is missing', async () => {
    const run = await runAction(action, {inputs: {image: repository('no-dockerfile'), context, file: join(context, 'Dockerfile.missing')}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Input "file" names no file ("${join(context, 'Dockerfile.missing')}"). Set it to the Dockerfile path, relative to the workspace.`,
    ]);
  });

  it('names an invalid extra tag', async () => {
    const run = await runAction(action, {inputs: {image: repository('bad-tag'), context, tags: 'ok\n-bad'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/^Input "tags" has an invalid tag "-bad"\./);
  });

  it('fails a broken build in one line naming the instruction, with its last output just above', async () => {
    const repo = repository('failing-build');
    const run = await runAction(action, {inputs: {image: repo, context, 'registry-username': s.registry.username, 'registry-password': s.registry.password}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual(['Docker build: [3/3] RUN echo "compiling assets"; echo "assets: 3 errors"; exit 3 failed with exit code 3: assets: 3 errors.']);
    // The quoted lines are the build's: the runner reads no workflow command between the two markers.
    expect(run.log).toMatch(
      /::endgroup::\nLast output of \[3\/3\] RUN .*:\n::stop-commands::(\S+)\n {2}compiling assets\n {2}assets: 3 errors\n::\1::\n(::debug::.*\n)*::error::/,
    );
    await expectNothingPushed(repo);
  });

  it('builds without pushing on a pull request, and still sets the tags and version', async () => {
    const repo = repository('pull-request');
    const prContext = await makeContext(s, 'FROM scratch\nCOPY app /app\n');
    contexts.push(prContext);
    const head = 'fedcba9876543210fedcba9876543210fedcba98';
    const event = {...pushEvent(), ref: 'refs/pull/42/merge', number: 42, pull_request: {number: 42, head: {sha: head}}};
    const run = await runAction(action, {eventName: 'pull_request', event, inputs: {image: repo, context: prContext}});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.tags?.split('\n')).toEqual([`${repo}:${head}`, `${repo}:pr-42`]);
    expect(run.outputs.version).toBe(head);
    expect(run.outputs.digest).toBeUndefined();
    expect(JSON.parse(run.outputs.metadata ?? '{}')).toMatchObject({pushed: false, version: head});
    expect(run.summary).toContain('| Digest | not pushed |');
    await expectNothingPushed(repo);
  });

  describe('the post step', () => {
    it('removes the login and the secrets a killed main step left behind', async () => {
      const slow = await makeContext(s, slowDockerfile(randomBytes(8).toString('hex')));
      contexts.push(slow);
      const inputs = {image: repository('killed'), context: slow, secrets: 'api_token=post-step-secret', ...login()};
      const main = await runAction(action, {inputs, cancel: {when: /^#\d+ [\d.]+ slow step 42$/m, signal: 'SIGKILL'}});
      expect(main.signal).toBe('SIGKILL');
      const directory = main.state['step-directory'] as string;
      expect(await readdir(directory)).toEqual(expect.arrayContaining(['docker-config', 'secrets']));

      const post = await runPostStep(action, main);
      expect(post.exitCode).toBe(0);
      expect(existsSync(directory)).toBe(false);
      expect(post.log).toContain('Removed the registry login and secrets the build step left behind.');
      // The killed step's docker CLI outlives it until its next write; let it go before the next test.
      await waitUntilNoProcessMentions(slow);
    });

    it('finds nothing left after a failed main step, and succeeds', async () => {
      const main = await runAction(action, {inputs: {image: repository('failed-main'), context, secrets: 'api_token=x', ...login()}});
      expect(main.exitCode).toBe(1);
      const directory = main.state['step-directory'] as string;
      expect(directory).toMatch(/build-image-/);
      expect(existsSync(directory)).toBe(false);
      const post = await runPostStep(action, main);
      expect(post.exitCode).toBe(0);
      expect(post.errors).toEqual([]);
    });
  });

  // A port that was free a moment ago: bound, then released.
  async function freePort(): Promise<number> {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const {port} = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    return port;
  }

  function login() {
    return {'registry-username': s.registry.username, 'registry-password': s.registry.password};
  }
});
