import {accessSync, constants, realpathSync} from 'node:fs';
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
    try {
      accessSync(candidate, constants.X_OK);
      const real = realpathSync(candidate);
      if (!found.has(real)) found.set(real, candidate);
    } catch {
      // not there, or not executable
    }
  }
  return [...found.values()];
}

async function probe(runCommand: RunCommand, path: string): Promise<BuildCli | undefined> {
  const [buildx, client] = await Promise.all([runCommand([path, 'buildx', 'version']), runCommand([path, '--version'])]);
  if (buildx.exitCode === 0) return {path, kind: 'buildx', version: buildx.output.trim()};
  const major = Number(/^Docker version (\d+)\./.exec(client.output)?.[1]);
  if (client.exitCode === 0 && major >= 20 && major < 23) return {path, kind: 'builtin', version: client.output.trim()};
  return undefined;
}

/**
 * The first `docker` on PATH that can build with BuildKit (which `RUN --mount=type=secret` needs): one with the buildx
 * plugin, else a client old enough to carry BuildKit itself. A newer client without buildx is passed over.
 */
export async function findBuildCli(runCommand: RunCommand, pathVariable: string): Promise<BuildCli> {
  const candidates = findDockerExecutables(pathVariable);
  const probed = await Promise.all(candidates.map(path => probe(runCommand, path)));
  const cli = probed.find(found => found !== undefined);
  if (cli) return cli;
  const looked = candidates.length === 0 ? 'there is no docker on PATH' : `${candidates.join(', ')} cannot build with BuildKit`;
  throw new RemoteError('Docker CLI', looked, {next: 'Install the buildx plugin (docker/setup-buildx-action does), or put a Docker 20.10 client on PATH.'});
}
