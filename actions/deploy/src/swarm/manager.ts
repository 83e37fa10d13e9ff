import {errorMessage, type Logger} from '@circuitverse/shared';
import {connectSsh} from '@circuitverse/shared/ssh';
import type {DeployInputs} from '../inputs.js';
import {unlock} from './deploy-swarm.js';
import {engineOverSsh} from './engine-api.js';

/** The Engine API of the swarm's manager, the first of `hosts`, over a verified SSH connection. */
export async function openSwarmManager(inputs: DeployInputs) {
  const connection = await connectSsh(inputs.hosts[0] as DeployInputs['hosts'][number], inputs.ssh);
  return {...engineOverSsh(connection), close: () => connection.close()};
}

/** The post step's safety net: deletes the lock config a cancelled or killed deploy left on the manager. */
export async function releaseSwarmLock(inputs: DeployInputs, token: string, logger: Logger): Promise<void> {
  try {
    const api = await openSwarmManager(inputs);
    try {
      if (await unlock(api, inputs.service, token)) logger.info(`${api.where}: released the lock the deploy left behind.`);
    } finally {
      api.close();
    }
  } catch (error) {
    logger.warning(`Could not check the swarm's deploy lock (${errorMessage(error)}).`);
  }
}
