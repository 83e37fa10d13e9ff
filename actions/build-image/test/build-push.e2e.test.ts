import {createHash, randomBytes} from 'node:crypto';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {type ActionRun, findSandbox, runAction} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {docker, makeContext, manifestTypes, registryFetch, removeLocalImages, repositoryPath, uniqueRepository} from './helpers/e2e.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

// Multi-stage; the secret is used in the first stage only, the build-arg ends up in a file of the final image.
const dockerfile = `FROM scratch AS build
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ARG GREETING
RUN --mount=type=secret,id=api_token,required sha256sum /run/secrets/api_token | cut -d' ' -f1 > /token.sha256
RUN echo "$GREETING" > /greeting
COPY . /context/

FROM scratch
COPY --from=build /bin/busybox /bin/busybox
COPY --from=build /token.sha256 /greeting /
COPY --from=build /context /context
`;

describe.skipIf(!sandbox)('build-image against the sandbox registry', () => {
  const s = sandbox as NonNullable<typeof sandbox>;
  const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
  const greeting = `hello-${randomBytes(4).toString('hex')}`;
  const ignoredMarker = `IGNORED-${randomBytes(8).toString('hex')}`;
  let repository: string;
  let context: string;
  let run: ActionRun;

  beforeAll(async () => {
    repository = uniqueRepository(s, 'multistage');
    context = await makeContext(s, dockerfile, ignoredMarker);
    run = await runAction(action, {
      inputs: {
        image: repository,
        context,
        'build-args': `GREETING=${greeting}`,
        secrets: `api_token=${secret}`,
        labels: 'org.circuitverse.team=platform',
        tags: 'e2e',
        'registry-username': s.registry.username,
        'registry-password': s.registry.password,
      },
    });
  });

  afterAll(async () => {
    if (repository) await removeLocalImages(repository);
    if (context) await rm(context, {recursive: true, force: true});
  });

  it('builds and pushes with the secret and the build-arg, and sets every output', () => {
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const sha = '0123456789abcdef0123456789abcdef01234567';
    expect(run.outputs.version).toBe(sha);
    expect(run.outputs.tags?.split('\n')).toEqual([`${repository}:${sha}`, `${repository}:main`, `${repository}:latest`, `${repository}:e2e`]);
    expect(run.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(run.outputs['image-ref']).toBe(`${repository}@${run.outputs.digest}`);
    const metadata = JSON.parse(run.outputs.metadata ?? '{}');
    expect(metadata).toMatchObject({image: repository, digest: run.outputs.digest, version: sha, pushed: true});
    expect(metadata.labels).toMatchObject({'org.opencontainers.image.revision': sha, 'org.circuitverse.team': 'platform'});
    expect(run.summary).toContain(run.outputs.digest);
  });

  it('reports a digest the registry serves for every listed tag', async () => {
    const refs = run.outputs.tags?.split('\n') ?? [];
    expect(refs).toHaveLength(4);
    for (const ref of refs) {
      const tag = ref.slice(ref.lastIndexOf(':') + 1);
      const response = await registryFetch(s, `/v2/${repositoryPath(s, repository)}/manifests/${tag}`, {headers: {Accept: manifestTypes}});
      expect(response.status).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(run.outputs.digest);
      expect(response.headers.get('docker-content-digest')).toBe(run.outputs.digest);
    }
  });

  it('keeps the secret out of every layer, the image config, the history and the log', async () => {
    // Pull what was pushed (not what the build left locally) and search all of `docker save`: layers, config, history.
    await removeLocalImages(repository);
    const dockerConfig = await mkdtemp(join(tmpdir(), 'build-image-e2e-login-'));
    try {
      const auth = Buffer.from(`${s.registry.username}:${s.registry.password}`).toString('base64');
      await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({auths: {[s.registry.address]: {auth}}}), {mode: 0o600});
      await docker(['pull', '--quiet', run.outputs['image-ref'] as string], {DOCKER_CONFIG: dockerConfig});
    } finally {
      await rm(dockerConfig, {recursive: true, force: true});
    }
    const saved = join(context, '..', `${randomBytes(4).toString('hex')}-saved.tar`);
    await docker(['save', '--output', saved, run.outputs['image-ref'] as string]);
    const archive = await readFile(saved).finally(() => rm(saved, {force: true}));
    const inspect = await docker(['image', 'inspect', run.outputs['image-ref'] as string]);
    const history = await docker(['history', '--no-trunc', run.outputs['image-ref'] as string]);

    for (const place of [archive.toString('latin1'), inspect, history]) expect(place).not.toContain(secret);
    // The secret was there while the build ran: its hash went into the image, as did the build-arg.
    expect(archive.toString('latin1')).toContain(createHash('sha256').update(secret).digest('hex'));
    expect(archive.toString('latin1')).toContain(greeting);
    // .dockerignore kept ignored.txt out of `COPY . /context/`.
    expect(archive.toString('latin1')).not.toContain(ignoredMarker);
    expect(archive.toString('latin1')).toContain('context/app/hello.txt');

    // The runner never shows its own ::add-mask:: commands; no other line may hold the secret, masked or not.
    const printed = run.rawLog
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(printed).not.toContain(secret);
  });

  it('streams the build log inside a group and labels the image from the context', async () => {
    expect(run.log).toMatch(/::group::Build .*\n(.*\n)*#\d+ \[build \d\/\d\] RUN --mount=type=secret/);
    const labels = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', run.outputs['image-ref'] as string]));
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/circuitverse/circuitverse',
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.version': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.title': 'circuitverse',
      'org.circuitverse.team': 'platform',
    });
    expect(Date.parse(labels['org.opencontainers.image.created'])).toBeGreaterThan(Date.now() - 10 * 60_000);
  });
});

describe.skipIf(!sandbox)('build-image on a runner that keeps its home', () => {
  const s = sandbox as NonNullable<typeof sandbox>;

  // The last size BuildKit logs for the build context: "#9 [internal] load build context" ... "#9 transferring context: 2.06MB 0.0s done".
  function contextBytes(run: ActionRun): number {
    const step = /^#(\d+) \[internal\] load build context$/m.exec(run.log)?.[1];
    const sizes = [...run.log.matchAll(new RegExp(`^#${step} transferring context: ([\\d.]+)([kMG]?B)`, 'gm'))];
    const last = sizes.at(-1);
    if (!step || !last) throw new Error(`no context transfer in the log:\n${run.log}`);
    return Number(last[1]) * {B: 1, kB: 1e3, MB: 1e6, GB: 1e9}[last[2] as 'B'];
  }

  it('sends only the changed files of the context on the next build, under the BuildKit node ID kept in its docker config', async () => {
    const repository = uniqueRepository(s, 'node-id');
    const context = await makeContext(s, 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY app /app\n');
    const userConfig = await mkdtemp(join(tmpdir(), 'build-image-user-docker-'));
    try {
      const build = () =>
        runAction(action, {
          inputs: {image: repository, context, push: 'false', 'registry-username': s.registry.username, 'registry-password': s.registry.password},
          env: {DOCKER_CONFIG: userConfig},
        });
      const first = await build();
      expect(first.errors).toEqual([]);
      const nodeId = await readFile(join(userConfig, '.buildNodeID'), 'utf8');
      await writeFile(join(context, 'app', 'hello.txt'), 'hello again\n');
      const second = await build();
      expect(second.errors).toEqual([]);

      expect(await readFile(join(userConfig, '.buildNodeID'), 'utf8')).toBe(nodeId);
      expect(contextBytes(first)).toBeGreaterThan(1e6); // busybox
      expect(contextBytes(second)).toBeLessThan(1e5);
    } finally {
      await removeLocalImages(repository);
      await rm(context, {recursive: true, force: true});
      await rm(userConfig, {recursive: true, force: true});
    }
  });
});
