import {connectSsh, type Logger, type SshConnection} from '@circuitverse/shared';
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
  const {logger} = collaborators;
  const connections = await logger.group('Connect', () => connectAll(inputs, logger));
  try {
    throw new Error(`Connected to ${connections.length} hosts; switching releases is not implemented yet (circuitverse/actions#4).`);
  } finally {
    for (const connection of connections) connection.close();
  }
}

// Every host is verified before anything runs anywhere: one bad host key stops the deploy with nothing changed.
async function connectAll(inputs: DeployInputs, logger: Logger): Promise<SshConnection[]> {
  const attempts = await Promise.allSettled(inputs.hosts.map(host => connectSsh(host, inputs.ssh)));
  const connections = attempts.flatMap(attempt => (attempt.status === 'fulfilled' ? [attempt.value] : []));
  const failure = attempts.find(attempt => attempt.status === 'rejected');
  if (failure) {
    for (const connection of connections) connection.close();
    throw failure.reason;
  }
  for (const connection of connections) {
    const engine = await connection.run('docker version', ['docker', 'version', '--format', '{{.Server.Version}}']);
    logger.info(`${connection.target.label}: host key verified, Docker Engine ${engine.trim()}`);
  }
  return connections;
}
