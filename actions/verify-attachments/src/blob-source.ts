import {connectSsh} from '@circuitverse/shared/ssh';
import type {BlobRecord} from './blob.js';
import type {VerifyAttachmentsInputs} from './inputs.js';
import type {SqlRunner} from './integrity-report.js';
import {openNdjsonBlobs} from './ndjson-blobs.js';
import {openPostgresBlobs} from './postgres-blobs.js';
import type {IdSpace} from './sampling-plan.js';
import {forwardLocalPort} from './tunnel.js';

/** Where the blob rows come from: the app's database, or a file of them. */
export interface BlobSource extends IdSpace {
  /** For log lines: what was opened, without secrets. */
  readonly label: string;
  /** The full rows for these ids, in any order. */
  read(ids: number[]): Promise<BlobRecord[]>;
  /** The database's queries, for checks that read it set-wise; absent for a blobs file. */
  readonly sql?: SqlRunner;
  /** Every blob created at or after `since`. */
  createdSince(since: Date): Promise<BlobRecord[]>;
  close(): Promise<void>;
}

/** Opens the blobs file, or the database, directly or through the SSH tunnel. */
export async function openBlobSource(inputs: Pick<VerifyAttachmentsInputs, 'source' | 'tunnel'>): Promise<BlobSource> {
  const {source, tunnel} = inputs;
  if (source.kind === 'file') return openNdjsonBlobs(source.path);
  if (tunnel === undefined) return openPostgresBlobs(source.url, 'database');

  const connection = await connectSsh(tunnel.target, tunnel.credentials);
  const url = new URL(source.url);
  const forward = await forwardLocalPort(connection, url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 5432));
  try {
    url.hostname = '127.0.0.1';
    url.port = String(forward.port);
    const blobs = await openPostgresBlobs(url.toString(), `database through ${tunnel.target.label}`);
    return {
      ...blobs,
      close: async () => {
        await blobs.close();
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
