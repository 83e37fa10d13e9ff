import {createInterface} from 'node:readline';
import {errorMessage, type Logger, RemoteError} from '@circuitverse/shared';
import type Docker from 'dockerode';
import {authServerAddress, type RegistryCredentials} from './registry.js';

export type PushAuth = Docker.AuthConfigObject;

/** The Engine's push credentials for a registry. */
export function pushAuthFor(registry: string, credentials: RegistryCredentials): PushAuth {
  return {username: credentials.username, password: credentials.password, serveraddress: authServerAddress(registry)};
}

interface PushEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: {message?: string};
  aux?: {Tag?: string; Digest?: string; Size?: number};
}

// The one status each layer ends with; the rest (Preparing, Waiting, Pushing 3MB/9MB) is progress bar noise.
const finalLayerStatus = /^(Pushed|Layer already exists|Mounted from .+)$/;

/**
 * Pushes one tag through the Docker Engine API and returns the manifest digest the Engine reports. The Engine answers
 * HTTP 200 even when the registry refuses, and puts the refusal in the stream, so every line is read.
 */
export async function pushTag(docker: Docker, repository: string, tag: string, authconfig: PushAuth | undefined, logger: Logger): Promise<string> {
  const where = `Push of ${repository}:${tag}`;
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.getImage(repository).push({tag, authconfig});
  } catch (error) {
    throw new RemoteError(where, 'was refused by the Docker Engine', {cause: error, remoteOutput: errorMessage(error)});
  }
  let digest: string | undefined;
  let failure: string | undefined;
  for await (const line of createInterface({input: stream, crlfDelay: Number.POSITIVE_INFINITY})) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as PushEvent;
    if (event.error !== undefined || event.errorDetail !== undefined) failure = event.errorDetail?.message ?? event.error;
    else if (event.aux?.Digest) digest = event.aux.Digest;
    else if (event.id && event.status && finalLayerStatus.test(event.status)) logger.info(`${tag}: layer ${event.id} ${event.status.toLowerCase()}`);
  }
  if (failure !== undefined) throw new RemoteError(where, 'failed', {remoteOutput: failure});
  if (digest === undefined) throw new RemoteError(where, 'ended without a digest from the Docker Engine');
  logger.info(`${tag}: pushed ${digest}`);
  return digest;
}
