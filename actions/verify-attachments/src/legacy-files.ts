import {createHash} from 'node:crypto';
import type {Readable} from 'node:stream';
import {type Clock, errorMessage} from '@circuitverse/shared';
import {connectSsh, type SshConnection, type SshCredentials} from '@circuitverse/shared/ssh';
import type {LegacyLocation} from './legacy-mapping.js';
import type {BodyDigest, ObjectStore} from './object-store.js';
import {storeRetryPolicy, withRetries} from './retry.js';

/** Hashes legacy files where they are, as they stream: never a whole file in memory. */
export interface LegacyFiles {
  /**
   * The file's size and digests; `undefined` when there is no such file. One file that cannot be read is an
   * `UnreadableLegacyFile`; a host that cannot be reached at all rejects with its own error.
   */
  hash(location: LegacyLocation, path: string): Promise<BodyDigest | undefined>;
  close(): void;
}

/** This one file could not be read (refused, cut off, or the store failed for good): the others may still be. */
export class UnreadableLegacyFile extends Error {
  override readonly name = 'UnreadableLegacyFile';
}

/**
 * Files on hosts over SFTP (one verified connection per host, opened on first use, with the action's SSH credentials)
 * and objects in legacy buckets through the action's store.
 */
export function createLegacyFiles(options: {credentials: SshCredentials | undefined; store: ObjectStore; clock: Clock}): LegacyFiles {
  const connections = new Map<string, Promise<SshConnection>>();
  const connectionFor = (location: Extract<LegacyLocation, {kind: 'ssh'}>) => {
    const {target} = location;
    const id = `${target.user}@${target.host}:${target.port}`;
    let connection = connections.get(id);
    if (!connection) {
      // The inputs require the credentials whenever a mapping names an SSH host.
      connection = connectSsh(target, options.credentials as SshCredentials);
      connections.set(id, connection);
    }
    return connection;
  };
  return {
    async hash(location, path) {
      if (location.kind === 's3') {
        const read = await withRetries(() => options.store.hash(location.bucket, path), {policy: storeRetryPolicy, clock: options.clock});
        if (!read.ok) throw new UnreadableLegacyFile(read.error.message, {cause: read.error});
        return read.value;
      }
      const connection = await connectionFor(location);
      try {
        const stream = await connection.readFile(path);
        return stream && (await hashStream(stream));
      } catch (error) {
        throw new UnreadableLegacyFile(errorMessage(error), {cause: error});
      }
    },
    close() {
      for (const connection of connections.values()) connection.then(open => open.close()).catch(() => {});
    },
  };
}

async function hashStream(stream: Readable): Promise<BodyDigest> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return {size, md5: md5.digest(), sha256: sha256.digest()};
}
