import type {BuildCli} from './docker-cli.js';

export interface BuildRequest {
  context: string;
  dockerfile: string;
  target: string | undefined;
  buildArgs: Map<string, string>;
  labels: Map<string, string>;
  /** Full `<image>:<tag>` references. */
  refs: string[];
  cacheFrom: string[];
  /** Secret id → the 0600 file holding its value: only the path is ever on the command line. */
  secretFiles: Map<string, string>;
  /** Where the CLI writes the built image's ID. */
  iidFile: string;
  /** A DOCKER_CONFIG directory with the registry login, when there is one. */
  dockerConfig: string | undefined;
}

export interface BuildCommand {
  argv: string[];
  env: Record<string, string>;
}

/** The `docker` command line and environment for one build. */
export function planBuildCommand(cli: BuildCli, request: BuildRequest): BuildCommand {
  const argv = cli.kind === 'buildx' ? [cli.path, 'buildx', 'build', '--load'] : [cli.path, 'build'];
  argv.push('--progress=plain', '--iidfile', request.iidFile, '--file', request.dockerfile);
  if (request.target) argv.push('--target', request.target);
  for (const [key, value] of request.buildArgs) argv.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of request.labels) argv.push('--label', `${key}=${value}`);
  for (const ref of request.refs) argv.push('--tag', ref);
  for (const ref of request.cacheFrom) argv.push('--cache-from', ref);
  for (const [id, file] of request.secretFiles) argv.push('--secret', `id=${id},src=${file}`);
  argv.push(request.context);

  const env: Record<string, string> = {};
  if (cli.kind === 'builtin') env.DOCKER_BUILDKIT = '1';
  if (request.dockerConfig) env.DOCKER_CONFIG = request.dockerConfig;
  return {argv, env};
}
