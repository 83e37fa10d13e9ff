import {accessSync, constants, readFileSync, realpathSync} from 'node:fs';
import {delimiter, join} from 'node:path';
import {RemoteError} from '@circuitverse/shared';
import type {RunCommand} from './command-runner.js';

export interface BuildCli {
  /** The `docker` executable, as found on PATH. */
  path: string;
  /**
   * `buildx`: `docker buildx build --load`, as on GitHub's runners. `builtin`: a 20.10 to 22.x client, which runs
   * BuildKit itself under `DOCKER_BUILDKIT=1`; from 23 on, `docker build` needs the buildx plugin instead.
   */
  kind: 'buildx' | 'builtin';
  /** What the CLI says its version is, for the log. */
  version: string;
}

/** Each `docker` on PATH, in PATH order, each file once however many links lead to it. */
function findDockerExecutables(pathVariable: string): string[] {
  const found = new Map<string, string>();
  for (const directory of pathVariable.split(delimiter).filter(Boolean)) {
    const candidate = join(directory, 'docker');
    if (!isExecutable(candidate)) continue;
    const real = realpathSync(candidate);
    if (!found.has(real)) found.set(real, candidate);
  }
  return [...found.values()];
}

// Besides the config directory's cli-plugins and the config file's cliPluginsExtraDirs, docker/cli's plugin manager
// looks in these.
const systemPluginDirectories = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

/** Whether a `docker-buildx` plugin is where the docker CLI looks for one, given its config directory (DOCKER_CONFIG). */
export function hasBuildxPlugin(configDirectory: string, systemDirectories = systemPluginDirectories): boolean {
  let extraDirectories: unknown;
  try {
    extraDirectories = JSON.parse(readFileSync(join(configDirectory, 'config.json'), 'utf8')).cliPluginsExtraDirs;
  } catch {
    // no config file, or not JSON: the CLI then looks in the default places alone
  }
  const directories = [join(configDirectory, 'cli-plugins'), ...(Array.isArray(extraDirectories) ? extraDirectories.map(String) : []), ...systemDirectories];
  return directories.some(directory => isExecutable(join(directory, 'docker-buildx')));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Each probe is a docker process (two for buildx, which runs its plugin), so each docker is asked one thing at a time.
async function probeBuildx(runCommand: RunCommand, path: string): Promise<BuildCli | undefined> {
  const buildx = await runCommand([path, 'buildx', 'version']);
  return buildx.exitCode === 0 ? {path, kind: 'buildx', version: buildx.output.trim()} : undefined;
}

async function probeBuiltinBuildKit(runCommand: RunCommand, path: string): Promise<BuildCli | undefined> {
  const client = await runCommand([path, '--version']);
  const major = Number(/^Docker version (\d+)\./.exec(client.output)?.[1]);
  return client.exitCode === 0 && major >= 20 && major < 23 ? {path, kind: 'builtin', version: client.output.trim()} : undefined;
}

async function firstFound(candidates: string[], probe: (path: string) => Promise<BuildCli | undefined>): Promise<BuildCli | undefined> {
  const probed = await Promise.all(candidates.map(probe));
  return probed.find(found => found !== undefined);
}

/**
 * The first `docker` on PATH that can build with BuildKit (which `RUN --mount=type=secret` needs). When the buildx
 * plugin is where `hasBuildxPlugin` looks, the first docker that runs it; else the first client old enough to carry
 * BuildKit itself (20.10 to 22.x); else, for a plugin kept elsewhere, the first docker that runs buildx after all.
 */
export async function findBuildCli(runCommand: RunCommand, pathVariable: string, buildxPluginFound: boolean): Promise<BuildCli> {
  const candidates = findDockerExecutables(pathVariable);
  const cli =
    (buildxPluginFound ? await firstFound(candidates, path => probeBuildx(runCommand, path)) : undefined) ??
    (await firstFound(candidates, path => probeBuiltinBuildKit(runCommand, path))) ??
    (buildxPluginFound ? undefined : await firstFound(candidates, path => probeBuildx(runCommand, path)));
  if (cli) return cli;
  const looked = candidates.length === 0 ? 'there is no docker on PATH' : `${candidates.join(', ')} cannot build with BuildKit`;
  throw new RemoteError('Docker CLI', looked, {next: 'Install the buildx plugin (docker/setup-buildx-action does), or put a Docker 20.10 client on PATH.'});
}
