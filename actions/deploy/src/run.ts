import type {Logger} from '@circuitverse/shared';
import type {DeployInputs} from './inputs.js';

export interface DeployOutputs {
  version: string;
  previousVersion: string | undefined;
  hosts: string;
  rolledBack: boolean;
  durationMs: number;
}

/** Deploys the image to every host with zero downtime, or rolls back. */
export async function deploy(inputs: DeployInputs, collaborators: {logger: Logger}): Promise<DeployOutputs> {
  collaborators.logger.info(`Service ${inputs.service} on ${inputs.hosts.map(host => host.label).join(', ')}`);
  throw new Error('Deploying is not implemented yet (circuitverse/actions#4).');
}
