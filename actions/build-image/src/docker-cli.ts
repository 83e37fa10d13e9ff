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

// docker/cli's cli-plugins/manager looks in the config directory's cli-plugins, the config file's cliPluginsExtraDirs,
// then these.
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

// Each probe is a docker process (two with buildx, which runs its plugin), so only what can answer is asked.
async function probe(runCommand: RunCommand, path: string, askBuildx: boolean): Promise<BuildCli | undefined> {
  if (askBuildx) {
    const buildx = await runCommand([path, 'buildx', 'version']);
    if (buildx.exitCode === 0) return {path, kind: 'buildx', version: buildx.output.trim()};
  }
  const client = await runCommand([path, '--version']);
  const major = Number(/^Docker version (\d+)\./.exec(client.output)?.[1]);
  if (client.exitCode === 0 && major >= 20 && major < 23) return {path, kind: 'builtin', version: client.output.trim()};
  return undefined;
}

async function probeAll(runCommand: RunCommand, candidates: string[], askBuildx: boolean): Promise<BuildCli | undefined> {
  const probed = await Promise.all(candidates.map(path => probe(runCommand, path, askBuildx)));
  return probed.find(found => found !== undefined);
}

/**
 * The first `docker` on PATH that can build with BuildKit (which `RUN --mount=type=secret` needs): one with the buildx
 * plugin, else a client old enough to carry BuildKit itself. A newer client without buildx is passed over. Buildx is
 * asked for only when its plugin is where `hasBuildxPlugin` looks, or when no docker could build otherwise.
 */
export async function findBuildCli(runCommand: RunCommand, pathVariable: string, buildxPluginFound: boolean): Promise<BuildCli> {
  const candidates = findDockerExecutables(pathVariable);
  const cli = (await probeAll(runCommand, candidates, buildxPluginFound)) ?? (buildxPluginFound ? undefined : await probeAll(runCommand, candidates, true));
  if (cli) return cli;
  const looked = candidates.length === 0 ? 'there is no docker on PATH' : `${candidates.join(', ')} cannot build with BuildKit`;
  throw new RemoteError('Docker CLI', looked, {next: 'Install the buildx plugin (docker/setup-buildx-action does), or put a Docker 20.10 client on PATH.'});
}
