import type {Logger} from '@circuitverse/shared';
import type Docker from 'dockerode';
import type {BuildImageInputs} from './inputs.js';

export interface BuildImageOutputs {
  digest: string;
  imageRef: string;
  tags: string[];
  version: string;
  metadata: string;
}

/** Builds, tags, labels and pushes the image; returns what was pushed. */
export async function buildImage(inputs: BuildImageInputs, collaborators: {docker: Docker; logger: Logger}): Promise<BuildImageOutputs> {
  const {docker, logger} = collaborators;
  await logger.group('Docker Engine', async () => {
    const version = await docker.version();
    logger.info(`Docker Engine ${version.Version} (API ${version.ApiVersion}) on ${version.Os}/${version.Arch}`);
  });
  throw new Error(`Building ${inputs.image} is not implemented yet (circuitverse/actions#3).`);
}
