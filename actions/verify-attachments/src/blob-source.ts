import {connectSsh} from '@circuitverse/shared/ssh';
import type {BlobRecord} from './blob.js';
import type {VerifyAttachmentsInputs} from './inputs.js';
import {openNdjsonBlobs} from './ndjson-blobs.js';
import {openPostgresBlobs} from './postgres-blobs.js';
import type {IdSpace} from './sampling-plan.js';
import {forwardLocalPort} from './tunnel.js';

/** The app's database, for the checks that ask it more than the blob rows. */
export interface Database {
  /** Runs one statement; a failure is a `RemoteError` that says it was `what`. */
  query<T extends object>(what: string, text: string, values: unknown[]): Promise<T[]>;
}

/** Where the blob rows come from: the app's database, or a file of them. */
export interface BlobSource extends IdSpace {
  /** For log lines: what was opened, without secrets. */
  readonly label: string;
  /** The database, for the checks that read it set-wise; absent for a blobs file. */
  readonly database?: Database;
  /** The full rows for these ids, in any order. */
  read(ids: number[]): Promise<BlobRecord[]>;
  /** Every blob created at or after `since`. */
  createdSince(since: Date): Promise<BlobRecord[]>;
  close(): Promise<void>;
}

/** Opens the blobs file, or the database, directly or through the SSH tunnel. */
export async function openBlobSource(inputs: Pick<VerifyAttachmentsInputs, 'source' | 'tunnel'>): Promise<BlobSource> {
  const {source} = inputs;
  if (source.kind === 'file') return openNdjsonBlobs(source.path);
  return openDatabase(source.url, inputs.tunnel, openPostgresBlobs);
}

/** Opens the database at `url` with `open`, directly or through the SSH tunnel, which goes when it is closed. */
export async function openDatabase<T extends {close(): Promise<void>}>(
  databaseUrl: string,
  tunnel: VerifyAttachmentsInputs['tunnel'],
  open: (url: string, where: string) => Promise<T>,
): Promise<T> {
  if (tunnel === undefined) return open(databaseUrl, 'database');

  const connection = await connectSsh(tunnel.target, tunnel.credentials);
  const url = new URL(databaseUrl);
  const forward = await forwardLocalPort(connection, url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 5432));
  try {
    url.hostname = '127.0.0.1';
    url.port = String(forward.port);
    const opened = await open(url.toString(), `database through ${tunnel.target.label}`);
    return {
      ...opened,
      close: async () => {
        await opened.close();
        await forward.close();
        connection.close();
      },
    };
  } catch (error) {
    await forward.close();
    connection.close();
    throw forward.lastError() ?? error;
  }
}
