import {errorMessage, type Logger, type SshTarget} from '@circuitverse/shared';
import type {SshConnection} from '@circuitverse/shared/ssh';
import {DeployHost} from './deploy-host.js';
import type {DeployInputs} from './inputs.js';
import {planMonitChecks} from './monit.js';

/**
 * Releases the locks this run's main step took, on every host where it still holds them; first, with the monit
 * input, monitors the service's Monit checks again there, which a main step killed mid-switch left unmonitored.
 */
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
          const host = new DeployHost(connection, inputs.service);
          if (inputs.monit) await monitorAgain(host, inputs, token, logger);
          if (await host.unlock(token)) logger.info(`${target.label}: released the lock the deploy left behind.`);
        } finally {
          connection.close();
        }
      } catch (error) {
        logger.warning(`${target.label}: could not check the deploy lock (${errorMessage(error)}).`);
      }
    }),
  );
}

// Under the lock only: once it is released, another deploy may hold it and keep the checks quiet for its own switch.
async function monitorAgain(host: DeployHost, inputs: DeployInputs, token: string, logger: Logger): Promise<void> {
  try {
    const checks = planMonitChecks(inputs.service, inputs.monit as NonNullable<DeployInputs['monit']>, await host.readMonit(), host.label);
    if (await host.switchMonit('monitor', checks, token)) logger.info(`${host.label}: Monit monitors ${checks.join(', ')} again.`);
  } catch (error) {
    logger.warning(`${host.label}: could not make Monit monitor the service's checks again (${errorMessage(error)}); run monit monitor on each there.`);
  }
}
