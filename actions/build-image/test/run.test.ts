import {existsSync, readdirSync, statSync} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {PassThrough} from 'node:stream';
import {createConsoleLogger, type Environment, noopTracer, RemoteError} from '@circuitverse/shared';
import {catchConfigError, recordingTracer, stub} from '@circuitverse/testkit';
import type Docker from 'dockerode';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {RunCommand} from '../src/command-runner.js';
import type {GitHubContext} from '../src/github-context.js';
import type {BuildImageInputs} from '../src/inputs.js';
import type {RegistryClient} from '../src/registry.js';
import {type BuildImageCollaborators, buildImage} from '../src/run.js';

const digest = `sha256:${'d'.repeat(64)}`;
const sha = 'a'.repeat(40);
const pushContext: GitHubContext = {
  eventName: 'push',
  ref: 'refs/heads/main',
  sha,
  repository: 'circuitverse/circuitverse',
  serverUrl: 'https://github.com',
  payload: {repository: {name: 'circuitverse', default_branch: 'main'}},
};
const pullRequestContext: GitHubContext = {
  ...pushContext,
  eventName: 'pull_request',
  ref: 'refs/pull/7/merge',
  payload: {number: 7, pull_request: {number: 7, head: {sha}}},
};

let workspace: string;
let calls: string[];
let log: string[];

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'run-test-'));
  await writeFile(join(workspace, 'Dockerfile'), 'FROM scratch\n');
  // Only found on PATH; the fake runner answers for it.
  await mkdir(join(workspace, 'bin'));
  await writeFile(join(workspace, 'bin', 'docker'), '', {mode: 0o755});
  calls = [];
  log = [];
});

afterEach(async () => {
  await rm(workspace, {recursive: true, force: true});
});

function inputsWith(overrides: Partial<BuildImageInputs> = {}): BuildImageInputs {
  return {
    image: '127.0.0.1:5000/app',
    context: workspace,
    file: undefined,
    target: undefined,
    buildArgs: new Map(),
    secrets: new Map([['token', 'hunter2']]),
    tags: [],
    labels: new Map(),
    push: undefined,
    registryUsername: 'ci',
    registryPassword: 'pw',
    cacheFrom: [],
    ...overrides,
  };
}

/** A docker CLI that builds successfully (or fails with `buildOutput`), an Engine that pushes, a registry that agrees. */
function collaborators(options: {buildOutput?: string[]; registry?: Partial<Record<keyof RegistryClient, unknown>>; environment?: Environment} = {}) {
  let stepDirectory = '';
  let buildDockerConfig: {path: string; entries: string[]; buildxReachable: boolean} | undefined;
  const runCommand: RunCommand = async (argv, commandOptions) => {
    if (argv[1] === 'buildx' && argv[2] === 'version') return {exitCode: 0, output: 'github.com/docker/buildx v0.30.1'};
    if (argv[1] === '--version') return {exitCode: 0, output: 'Docker version 29.1.3'};
    calls.push(`build ${argv.at(-1)}`);
    const dockerConfig = commandOptions?.env?.DOCKER_CONFIG as string;
    buildDockerConfig = {path: dockerConfig, entries: readdirSync(dockerConfig).sort(), buildxReachable: existsSync(join(dockerConfig, 'buildx'))};
    for (const line of options.buildOutput ?? []) commandOptions?.onLine?.(line);
    if (options.buildOutput) return {exitCode: 1, output: options.buildOutput.join('\n')};
    await writeFile(argv[argv.indexOf('--iidfile') + 1] as string, 'sha256:1mage');
    return {exitCode: 0, output: ''};
  };
  const docker = stub<Docker>('docker', {
    version: async () => ({Version: '29.1.3', ApiVersion: '1.52', Os: 'linux', Arch: 'amd64'}),
    getImage: (name: string) =>
      stub('image', {
        inspect: async () => ({Size: 2_000_000, RootFS: {Layers: ['a', 'b']}}),
        push: async ({tag}: {tag: string}) => {
          calls.push(`push ${name}:${tag}`);
          const stream = new PassThrough();
          stream.end(`${JSON.stringify({status: `${tag}: digest: ${digest} size: 528`})}\n${JSON.stringify({aux: {Tag: tag, Digest: digest, Size: 528}})}\n`);
          return stream;
        },
      }),
  });
  const registry = stub<RegistryClient>('registry', {
    registry: '127.0.0.1:5000',
    repository: '127.0.0.1:5000/app',
    checkPushAccess: async () => {
      calls.push('login');
    },
    readDigest: async () => digest,
    ...options.registry,
  });
  const result: BuildImageCollaborators = {
    docker,
    runCommand,
    registry,
    clock: {now: () => Date.parse('2026-11-27T12:00:00Z')},
    logger: {...createConsoleLogger({write: line => log.push(line)}), untrusted: text => log.push(`untrusted: ${text}`)},
    tracer: noopTracer,
    saveState: (_, value) => {
      stepDirectory = value;
    },
    environment: {PATH: join(workspace, 'bin'), RUNNER_TEMP: workspace, HOME: workspace, ...options.environment},
  };
  return {collaborators: result, stepDirectory: () => stepDirectory, buildDockerConfig: () => buildDockerConfig};
}

describe('buildImage', () => {
  it('logs in, builds, pushes every tag and returns the verified digest', async () => {
    const {collaborators: c} = collaborators();
    const outputs = await buildImage(inputsWith(), pushContext, c);
    expect(calls).toEqual(['login', `build ${workspace}`, `push 127.0.0.1:5000/app:${sha}`, 'push 127.0.0.1:5000/app:main', 'push 127.0.0.1:5000/app:latest']);
    expect(outputs).toMatchObject({digest, imageRef: `127.0.0.1:5000/app@${digest}`, version: sha});
    expect(log.join('\n')).toContain('### Pushed `127.0.0.1:5000/app`');
  });

  it('traces each stage: the checks, the build, the push and the digest check, and marks the one that failed', async () => {
    const tracer = recordingTracer();
    const {collaborators: c} = collaborators();
    await buildImage(inputsWith(), pushContext, {...c, tracer});
    expect(tracer.tree()).toEqual(['preflight', 'build', 'push', 'digest check']);
    const failing = recordingTracer();
    const refused = collaborators({registry: {readDigest: async () => 'sha256:other'}});
    await expect(buildImage(inputsWith(), pushContext, {...refused.collaborators, tracer: failing})).rejects.toThrow(/does not serve the pushed digest/);
    expect(failing.tree()).toEqual(['preflight', 'build', 'push', '!digest check']);
  });

  it('checks the login before building, and builds and pushes nothing when the registry refuses it', async () => {
    const refusal = new RemoteError('Registry 127.0.0.1:5000', 'refused the login of "ci" (HTTP 401)');
    const {collaborators: c, stepDirectory} = collaborators({
      registry: {
        checkPushAccess: async () => {
          throw refusal;
        },
      },
    });
    await expect(buildImage(inputsWith(), pushContext, c)).rejects.toBe(refusal);
    expect(calls).toEqual([]);
    expect(stepDirectory()).toBe('');
  });

  it('builds without logging in or pushing on a pull request', async () => {
    const {collaborators: c} = collaborators({registry: {}});
    const outputs = await buildImage(inputsWith(), pullRequestContext, c);
    expect(calls).toEqual([`build ${workspace}`]);
    expect(outputs).toMatchObject({digest: undefined, imageRef: undefined, version: sha, tags: [`127.0.0.1:5000/app:${sha}`, '127.0.0.1:5000/app:pr-7']});
    expect(JSON.parse(outputs.metadata)).toMatchObject({pushed: false, imageId: 'sha256:1mage'});
  });

  it('refuses a missing Dockerfile before it touches the Engine or the registry', async () => {
    const {collaborators: c} = collaborators();
    const error = await buildImage(inputsWith({file: join(workspace, 'Dockerfile.prod')}), pushContext, c).catch(caught => caught);
    expect(
      catchConfigError(() => {
        throw error;
      }).input,
    ).toBe('file');
    expect(calls).toEqual([]);
  });

  it('removes the login and the secrets after a failed build, and logs the failing step', async () => {
    const {collaborators: c, stepDirectory} = collaborators({buildOutput: ['#5 [2/2] RUN make', '#5 0.10 cc: not found', '#5 ERROR: exit code: 127']});
    await expect(buildImage(inputsWith(), pushContext, c)).rejects.toThrow('Docker build: [2/2] RUN make failed with exit code 127: cc: not found.');
    expect(stepDirectory()).not.toBe('');
    expect(existsSync(stepDirectory())).toBe(false);
    expect(log.slice(-2)).toEqual(['Last output of [2/2] RUN make:', 'untrusted:   cc: not found']);
    expect(calls.filter(call => call.startsWith('push'))).toEqual([]);
  });

  it('logs what the build printed as untrusted, as it streams and when it is quoted after a failure', async () => {
    const hostile = ['::add-mask::forged', '##[error]forged', '::stop-commands::forged'];
    const {collaborators: c} = collaborators({buildOutput: ['#5 [2/2] RUN make', ...hostile.map(line => `#5 0.10 ${line}`), '#5 ERROR: exit code: 2']});
    await expect(buildImage(inputsWith(), pushContext, c)).rejects.toThrow('[2/2] RUN make failed with exit code 2');
    expect(log.filter(line => line.includes('forged'))).toEqual([
      ...hostile.map(line => `untrusted: #5 0.10 ${line}`),
      ...hostile.map(line => `untrusted:   ${line}`),
    ]);
  });

  it("links buildx's state from a DOCKER_CONFIG given relative to the working directory", async () => {
    const user = join(workspace, 'user-docker');
    const {collaborators: c, buildDockerConfig} = collaborators({environment: {DOCKER_CONFIG: relative(process.cwd(), user)}});
    await buildImage(inputsWith(), pushContext, c);
    expect(buildDockerConfig()).toMatchObject({entries: ['buildx', 'config.json'], buildxReachable: true});
    expect(statSync(join(user, 'buildx')).isDirectory()).toBe(true);
  });

  it("leaves buildx's state alone when BUILDX_CONFIG keeps it elsewhere", async () => {
    const {collaborators: c, buildDockerConfig} = collaborators({environment: {BUILDX_CONFIG: join(workspace, 'buildx-state')}});
    await buildImage(inputsWith(), pushContext, c);
    expect(buildDockerConfig()?.entries).toEqual(['config.json']);
    expect(existsSync(join(workspace, '.docker', 'buildx'))).toBe(false);
  });

  it('fails when a tag resolves to another digest than the one pushed', async () => {
    const other = `sha256:${'e'.repeat(64)}`;
    const {collaborators: c} = collaborators({registry: {readDigest: async (tag: string) => (tag === 'main' ? other : digest)}});
    await expect(buildImage(inputsWith(), pushContext, c)).rejects.toThrow(
      `Registry 127.0.0.1:5000: does not serve the pushed digest ${digest}: main → ${other}.`,
    );
  });
});
