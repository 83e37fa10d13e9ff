import {errorMessage, RemoteError} from '@circuitverse/shared';
import type pg from 'pg';
import {connectPostgres} from './postgres-blobs.js';

/** What the inventory check needs of a blob row. */
export interface KeyedBlob {
  key: string;
  byteSize: number;
  /** Base64 MD5, `sha256:` and base64, or `null`. */
  checksum: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** The blob rows looked up by key, for the bucket-side checks; `services` `undefined` means every service. */
export interface BlobKeys {
  /** Which of these keys have a blob row of one of the services. */
  present(keys: string[], services: string[] | undefined): Promise<Set<string>>;
  /** Every blob of the services, in S3's key order (`COLLATE "C"` is UTF-8 byte order), through a cursor. */
  streamBlobs(services: string[] | undefined): AsyncGenerator<KeyedBlob>;
  close(): Promise<void>;
}

/** Rows fetched per round trip of the cursor. */
const fetchRows = 10_000;

/** Opens the app's database for key lookups; `where` names it in errors without its password. */
export async function openBlobKeys(url: string, where: string): Promise<BlobKeys> {
  // A cursor's FETCH over a large table, sorted in COLLATE "C", can take minutes on its first page.
  const client = await connectPostgres(url, where, 600_000);
  const query = async <T extends pg.QueryResultRow>(what: string, text: string, values: unknown[] = []): Promise<T[]> => {
    try {
      return (await client.query<T>(text, values)).rows;
    } catch (error) {
      throw new RemoteError(where, `${what} failed`, {cause: error, remoteOutput: errorMessage(error)});
    }
  };
  // `service_name = ANY(NULL)` would match nothing: no list means no condition.
  const ofServices = (services: string[] | undefined, parameter: number) => (services === undefined ? '' : ` AND service_name = ANY($${parameter}::text[])`);

  return {
    async present(keys, services) {
      // One probe of the unique index on key per listed object, a page at a time.
      const rows = await query<{key: string}>(
        'looking up listed keys',
        `SELECT key FROM active_storage_blobs WHERE key = ANY($1::text[])${ofServices(services, 2)}`,
        services === undefined ? [keys] : [keys, services],
      );
      return new Set(rows.map(row => row.key));
    },
    async *streamBlobs(services) {
      // A read-only snapshot, so rows committed while the cursor runs neither appear half-way nor break the order.
      await query('opening a snapshot', 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        await query(
          'reading the blobs in key order',
          `DECLARE inventory_blobs NO SCROLL CURSOR FOR
           SELECT key, byte_size::text AS byte_size, checksum, (extract(epoch FROM created_at) * 1000)::bigint::text AS created_at
           FROM active_storage_blobs WHERE true${ofServices(services, 1)} ORDER BY key COLLATE "C"`,
          services === undefined ? [] : [services],
        );
        for (;;) {
          const rows = await query<{key: string; byte_size: string; checksum: string | null; created_at: string}>(
            'reading the blobs in key order',
            `FETCH ${fetchRows} FROM inventory_blobs`,
          );
          for (const row of rows) yield {key: row.key, byteSize: Number(row.byte_size), checksum: row.checksum, createdAt: Number(row.created_at)};
          if (rows.length < fetchRows) break;
        }
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    },
    close: () => client.end().catch(() => {}),
  };
}
