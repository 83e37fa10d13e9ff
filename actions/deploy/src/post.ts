import {errorMessage, type Logger, type SshTarget} from '@circuitverse/shared';
import type {SshConnection} from '@circuitverse/shared/ssh';
import {DeployHost} from './deploy-host.js';
import type {DeployInputs} from './inputs.js';

/** Releases the locks this run's main step took, on every host where it still holds them. */
export async function releaseLocks(
  inputs: DeployInputs,
  token: string,
  collaborators: {logger: Logger; connect: (target: SshTarget) => Promise<SshConnection>},
): Promise<void> {
  const {logger} = collaborators;
  await Promise.all(
    inputs.hosts.map(async target => {
      try {
        const connection = await collaborators.connect(target);
        try {
          if (await new DeployHost(connection, inputs.service).unlock(token)) logger.info(`${target.label}: released the lock the deploy left behind.`);
        } finally {
          connection.close();
        }
      } catch (error) {
        logger.warning(`${target.label}: could not check the deploy lock (${errorMessage(error)}).`);
      }
    }),
  );
}
