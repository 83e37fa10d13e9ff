import {describe, expect, it} from 'vitest';
import {type BuildRequest, planBuildCommand} from '../src/build-command.js';
import type {BuildCli} from '../src/docker-cli.js';

const buildx: BuildCli = {path: '/usr/bin/docker', kind: 'buildx', version: 'github.com/docker/buildx v0.30.1'};
const builtin: BuildCli = {path: '/usr/bin/docker', kind: 'builtin', version: 'Docker version 20.10.24'};

const minimal: BuildRequest = {
  context: '.',
  dockerfile: 'Dockerfile',
  target: undefined,
  buildArgs: new Map(),
  labels: new Map(),
  refs: ['ghcr.io/o/app:abc'],
  cacheFrom: [],
  secretFiles: new Map(),
  iidFile: '/tmp/build-image-x/image-id',
  dockerConfig: undefined,
};

const full: BuildRequest = {
  context: 'app',
  dockerfile: 'app/Dockerfile.prod',
  target: 'runtime',
  buildArgs: new Map([['RAILS_ENV', 'production']]),
  labels: new Map([['org.opencontainers.image.revision', 'abc']]),
  refs: ['ghcr.io/o/app:abc', 'ghcr.io/o/app:main'],
  cacheFrom: ['ghcr.io/o/app:main'],
  secretFiles: new Map([['github_token', '/tmp/build-image-x/secrets/github_token']]),
  iidFile: '/tmp/build-image-x/image-id',
  dockerConfig: '/tmp/build-image-x/docker-config',
};

describe('planBuildCommand', () => {
  // biome-ignore format: each flag and its value on one line
  it.each([
    ['buildx, the fewest inputs', buildx, minimal, [
      '/usr/bin/docker', 'buildx', 'build', '--load',
      '--progress=plain', '--iidfile', '/tmp/build-image-x/image-id', '--file', 'Dockerfile',
      '--tag', 'ghcr.io/o/app:abc',
      '.',
    ], {}],
    ['a 20.10 client, every input', builtin, full, [
      '/usr/bin/docker', 'build',
      '--progress=plain', '--iidfile', '/tmp/build-image-x/image-id', '--file', 'app/Dockerfile.prod',
      '--target', 'runtime',
      '--build-arg', 'RAILS_ENV=production',
      '--label', 'org.opencontainers.image.revision=abc',
      '--tag', 'ghcr.io/o/app:abc',
      '--tag', 'ghcr.io/o/app:main',
      '--cache-from', 'ghcr.io/o/app:main',
      '--secret', 'id=github_token,src=/tmp/build-image-x/secrets/github_token',
      'app',
    ], {DOCKER_BUILDKIT: '1', DOCKER_CONFIG: '/tmp/build-image-x/docker-config'}],
  ])('plans %s', (_, cli, request, argv, env) => {
    expect(planBuildCommand(cli, request)).toEqual({argv, env});
  });

  it('puts a secret on the command line by file only, never by value', () => {
    const {argv, env} = planBuildCommand(buildx, {...full, secretFiles: new Map([['token', '/tmp/build-image-x/secrets/token']])});
    expect(argv).toContain('id=token,src=/tmp/build-image-x/secrets/token');
    expect(Object.keys(env)).not.toContain('token');
  });
});
