import {stat} from 'node:fs/promises';
import {homedir, tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {ConfigError, type Environment, errorMessage, type Logger, RemoteError, runPhase, type Tracer} from '@circuitverse/shared';
import type Docker from 'dockerode';
import {runBuild} from './build.js';
import {BuildError} from './build-progress.js';
import type {RunCommand} from './command-runner.js';
import {type BuildCli, findBuildCli, hasBuildxPlugin} from './docker-cli.js';
import {type GitHubContext, isPullRequest} from './github-context.js';
import {planImageMetadata} from './image-metadata.js';
import {type BuildImageInputs, registryCredentials} from './inputs.js';
import {pushAuthFor, pushTag} from './push.js';
import type {RegistryClient} from './registry.js';
import {createStepDirectory, removeStepDirectory, writeDockerConfig, writeSecretFiles} from './step-files.js';
import {formatSummary} from './summary.js';

export interface BuildImageOutputs {
  /** Unset when nothing was pushed. */
  digest: string | undefined;
  imageRef: string | undefined;
  tags: string[];
  version: string;
  metadata: string;
}

export interface BuildImageCollaborators {
  docker: Docker;
  runCommand: RunCommand;
  /** The client for `inputs.image`'s repository. */
  registry: RegistryClient;
  clock: {now(): number};
  logger: Logger;
  tracer: Tracer;
  saveState(name: string, value: string): void;
  /** Where PATH (to find docker), RUNNER_TEMP, DOCKER_CONFIG, BUILDX_CONFIG and HOME come from. */
  environment: Environment;
}

function userDockerConfig(environment: Environment): string {
  // Docker reads a relative DOCKER_CONFIG from the working directory; the links made to it live in another one.
  return resolve(environment.DOCKER_CONFIG || join(environment.HOME || homedir(), '.docker'));
}

// buildx keeps its state under BUILDX_CONFIG when that is set, where the build finds it without a link.
function buildStateToLink(cli: BuildCli, environment: Environment): BuildCli['kind'] | undefined {
  return cli.kind === 'buildx' && environment.BUILDX_CONFIG ? undefined : cli.kind;
}

// Both are checked before anything touches the Engine or the registry, so a typo costs seconds, not a build.
async function checkBuildFiles(inputs: BuildImageInputs): Promise<string> {
  const context = await stat(inputs.context).catch(() => undefined);
  if (!context?.isDirectory()) {
    throw new ConfigError('context', `is not a directory ("${inputs.context}")`, 'Set it to the directory to build, relative to the workspace.');
  }
  const dockerfile = inputs.file ?? join(inputs.context, 'Dockerfile');
  const file = await stat(dockerfile).catch(() => undefined);
  if (file?.isFile()) return dockerfile;
  if (inputs.file) throw new ConfigError('file', `names no file ("${inputs.file}")`, 'Set it to the Dockerfile path, relative to the workspace.');
  throw new ConfigError('file', `is not set, and the context has no Dockerfile ("${dockerfile}")`, 'Add one, or set file to the Dockerfile path.');
}

async function checkEngineCliAndRegistry(push: boolean, collaborators: BuildImageCollaborators): Promise<BuildCli> {
  const {docker, runCommand, registry, logger, environment} = collaborators;
  const [engine, cli] = await Promise.all([
    docker.version().catch((error: unknown) => {
      throw new RemoteError('Docker Engine', 'cannot be reached', {
        cause: error,
        remoteOutput: errorMessage(error),
        next: 'Check DOCKER_HOST, or that dockerd runs.',
      });
    }),
    findBuildCli(runCommand, environment.PATH ?? '', hasBuildxPlugin(userDockerConfig(environment))),
    push ? registry.checkPushAccess() : undefined,
  ]);
  logger.info(`Docker Engine ${engine.Version} (API ${engine.ApiVersion}) on ${engine.Os}/${engine.Arch}`);
  logger.info(`Building with ${cli.path}: ${cli.kind === 'buildx' ? cli.version : `${cli.version}, its own BuildKit (DOCKER_BUILDKIT=1)`}`);
  if (push) logger.info(`Registry ${registry.registry} accepts the login`);
  return cli;
}

async function verifyTags(registry: RegistryClient, tags: string[], digest: string, logger: Logger): Promise<void> {
  const resolved = await Promise.all(tags.map(async tag => ({tag, digest: await registry.readDigest(tag)})));
  const wrong = resolved.filter(found => found.digest !== digest);
  if (wrong.length > 0) {
    const answers = wrong.map(found => `${found.tag} → ${found.digest ?? 'no such tag'}`).join(', ');
    throw new RemoteError(`Registry ${registry.registry}`, `does not serve the pushed digest ${digest}`, {remoteOutput: answers});
  }
  for (const found of resolved) logger.info(`${registry.repository}:${found.tag} → ${found.digest}`);
}

/** Builds, tags and labels the image, pushes every tag and checks the registry serves the pushed digest for each. */
export async function buildImage(inputs: BuildImageInputs, context: GitHubContext, collaborators: BuildImageCollaborators): Promise<BuildImageOutputs> {
  const {docker, runCommand, registry, clock, logger, saveState, environment} = collaborators;
  const push = inputs.push ?? !isPullRequest(context);
  const metadata = planImageMetadata(context, inputs, new Date(clock.now()));
  const credentials = registryCredentials(inputs);
  const dockerfile = await checkBuildFiles(inputs);
  logger.info(`Tags: ${metadata.tags.join(', ')}${push ? '' : ' (built only, not pushed)'}`);
  const cli = await runPhase(collaborators, 'preflight', 'Check the Docker Engine, the docker CLI and the registry', () =>
    checkEngineCliAndRegistry(push, collaborators),
  );

  const buildStarted = clock.now();
  const directory = await createStepDirectory(environment.RUNNER_TEMP || tmpdir(), saveState);
  let imageId: string;
  try {
    const request = {
      context: inputs.context,
      dockerfile,
      target: inputs.target,
      buildArgs: inputs.buildArgs,
      labels: metadata.labels,
      refs: metadata.refs,
      cacheFrom: inputs.cacheFrom,
      secretFiles: await writeSecretFiles(directory, inputs.secrets),
      iidFile: join(directory, 'image-id'),
      dockerConfig:
        credentials && (await writeDockerConfig(directory, registry.registry, credentials, userDockerConfig(environment), buildStateToLink(cli, environment))),
    };
    imageId = await runPhase(
      collaborators,
      'build',
      `Build ${inputs.image}`,
      async span => {
        const id = await runBuild(cli, request, runCommand, logger);
        span.setAttributes({'container.image.id': id});
        return id;
      },
      {'container.image.tags': metadata.tags},
    );
  } catch (error) {
    // The group is folded by now; the lines that explain the failure go right above the error.
    if (error instanceof BuildError) {
      logger.info(`Last output of ${error.step}:`);
      for (const line of error.lastLines) logger.untrusted(`  ${line}`);
    }
    throw error;
  } finally {
    // The login and the secrets stay on disk only while the build runs; the post step is there for a killed step.
    await removeStepDirectory(directory);
  }
  const buildMs = clock.now() - buildStarted;
  const image = await docker.getImage(imageId).inspect();

  let digest: string | undefined;
  let pushMs: number | undefined;
  if (push) {
    const pushStarted = clock.now();
    const auth = credentials && pushAuthFor(registry.registry, credentials);
    // The Engine uploads a layer once however many tags ask for it at the same time.
    const digests = await runPhase(
      collaborators,
      'push',
      `Push ${metadata.tags.length} tags to ${registry.registry}`,
      () => Promise.all(metadata.tags.map(tag => pushTag(docker, inputs.image, tag, auth, logger))),
      {'server.address': registry.registry},
    );
    digest = digests[0] as string;
    if (digests.some(other => other !== digest))
      throw new RemoteError('Docker Engine', 'pushed one image under different digests', {remoteOutput: digests.join(', ')});
    pushMs = clock.now() - pushStarted;
    await runPhase(
      collaborators,
      'digest check',
      `Check the registry serves ${digest} for every tag`,
      () => verifyTags(registry, metadata.tags, digest as string, logger),
      {'container.image.repo_digests': [`${inputs.image}@${digest}`]},
    );
  }

  const layers = image.RootFS.Layers?.length ?? 0;
  await logger.summary(formatSummary({image: inputs.image, refs: metadata.refs, digest, sizeBytes: image.Size, layers, buildMs, pushMs}));
  const imageRef = digest && `${inputs.image}@${digest}`;
  return {
    digest,
    imageRef,
    tags: metadata.refs,
    version: metadata.version,
    metadata: JSON.stringify({
      image: inputs.image,
      imageId,
      digest,
      imageRef,
      version: metadata.version,
      tags: metadata.refs,
      labels: Object.fromEntries(metadata.labels),
      pushed: push,
      size: image.Size,
      layers,
      buildMs,
      pushMs,
    }),
  };
}
