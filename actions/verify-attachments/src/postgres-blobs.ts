import {ConfigError, errorMessage, RemoteError} from '@circuitverse/shared';
import pg from 'pg';
import type {BlobRecord} from './blob.js';
import type {BlobSource} from './blob-source.js';
import type {Unit} from './sampling-plan.js';

const blobColumns = ['id', 'key', 'byte_size', 'checksum', 'service_name', 'content_type', 'created_at'];
const attachmentColumns = ['name', 'blob_id'];
const integerTypes = new Set(['smallint', 'integer', 'bigint']);
/** Ids walked back per query when collecting recent blobs. */
const recentChunk = 1000;

interface BlobRow {
  id: string;
  key: string;
  byte_size: string;
  checksum: string | null;
  service_name: string;
  content_type: string | null;
  created_at: string;
  name: string | null;
}

/** How long one statement may run, the whole-table ones included. */
const wholeTableTimeoutMs = 600_000;

/**
 * Opens the app's database and checks it holds ActiveStorage's tables (as `rails active_storage:install` creates
 * them), in the connection's search_path. `where` names the database in errors without its password.
 */
export async function openPostgresBlobs(url: string, where: string): Promise<BlobSource> {
  // The sample's queries are index lookups, but the integrity report and the legacy counts read whole tables: at 10M
  // rows those take minutes, and the server is told to give up at the same time, so nothing runs on after the step.
  const client = await connectPostgres(url, where, wholeTableTimeoutMs);
  try {
    await client.query(`SET statement_timeout = ${wholeTableTimeoutMs}`);
    // JIT compiling the sample's lookups would cost more than running them.
    await client.query('SET jit = off');
    return await describeSchema(client, where);
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}

/** A connected client; `where` names the database in errors without its password. */
export async function connectPostgres(url: string, where: string, queryTimeoutMs: number): Promise<pg.Client> {
  const client = new pg.Client({connectionString: url, connectionTimeoutMillis: 15_000, query_timeout: queryTimeoutMs, application_name: 'verify-attachments'});
  // A connection that drops between queries must not crash the process: the next query fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new RemoteError(where, 'could not connect to the database', {cause: error, remoteOutput: errorMessage(error), next: 'Check database-url.'});
  }
  return client;
}

async function columnsOf(client: pg.Client, table: string): Promise<Map<string, string>> {
  const result = await client.query<{name: string; type: string}>(
    `SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [table],
  );
  return new Map(result.rows.map(row => [row.name, row.type]));
}

async function describeSchema(client: pg.Client, where: string): Promise<BlobSource> {
  const blobs = await columnsOf(client, 'active_storage_blobs');
  const missing = blobColumns.filter(column => !blobs.has(column));
  if (missing.length === blobColumns.length) {
    throw new ConfigError(
      'database-url',
      'points to a database without an active_storage_blobs table in its search_path',
      "Point it at the app's database, where bin/rails active_storage:install created the tables.",
    );
  }
  if (missing.length > 0) {
    throw new ConfigError(
      'database-url',
      `points to an active_storage_blobs table without the column(s) ${missing.join(', ')}`,
      'This action reads the schema of Rails 6.1 and later.',
    );
  }
  if (!integerTypes.has(blobs.get('id') ?? '')) {
    throw new ConfigError(
      'database-url',
      `points to an active_storage_blobs table with ${blobs.get('id')} ids`,
      'The sampler draws integer ids; UUID primary keys are not supported.',
    );
  }
  const attachments = await columnsOf(client, 'active_storage_attachments');
  const stratified = attachmentColumns.every(column => attachments.has(column));

  // Rails writes created_at in UTC, into `timestamp` or (with datetime_type :timestamptz) `timestamptz` columns.
  const createdAt = blobs.get('created_at') === 'timestamp with time zone' ? "(b.created_at AT TIME ZONE 'UTC')" : 'b.created_at';
  const name = stratified ? '(SELECT min(a.name) FROM active_storage_attachments a WHERE a.blob_id = b.id)' : 'NULL::text';
  const select = (extra = '') => `SELECT b.id::text AS id, b.key, b.byte_size::text AS byte_size, b.checksum, b.service_name, b.content_type,
    to_char(${createdAt}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, ${name} AS name${extra} FROM active_storage_blobs b`;

  const query = async <T extends object>(what: string, text: string, values: unknown[]): Promise<T[]> => {
    try {
      return (await client.query<T & pg.QueryResultRow>(text, values)).rows;
    } catch (error) {
      throw new RemoteError(where, `${what} failed`, {cause: error, remoteOutput: errorMessage(error)});
    }
  };
  const toUnit = (row: {id: string; name: string | null}): Unit => ({id: Number(row.id), stratum: row.name});

  const range = async () => {
    const [row] = await query<{min: string | null; max: string | null}>(
      'finding the id range',
      'SELECT min(id)::text AS min, max(id)::text AS max FROM active_storage_blobs',
      [],
    );
    if (!row?.min || !row.max) return undefined;
    const bounds = {min: Number(row.min), max: Number(row.max)};
    if (!Number.isSafeInteger(bounds.min) || !Number.isSafeInteger(bounds.max)) {
      throw new RemoteError(where, `active_storage_blobs ids run from ${row.min} to ${row.max}, beyond what the sampler can draw (2^53)`);
    }
    return bounds;
  };

  return {
    label: where,
    database: {query},
    stratified,
    range,
    probe: async ids =>
      (
        await query<{id: string; name: string | null}>(
          'sampling',
          `SELECT b.id::text AS id, ${name} AS name FROM active_storage_blobs b WHERE b.id = ANY($1::bigint[])`,
          [ids],
        )
      ).map(toUnit),
    scan: async (min, max) =>
      (
        await query<{id: string; name: string | null}>(
          'reading the ids',
          `SELECT b.id::text AS id, ${name} AS name FROM active_storage_blobs b WHERE b.id BETWEEN $1 AND $2`,
          [min, max],
        )
      ).map(toUnit),
    read: async ids => (await query<BlobRow>('reading the sampled blobs', `${select()} WHERE b.id = ANY($1::bigint[])`, [ids])).map(toRecord),
    async createdSince(since) {
      // created_at has no index in ActiveStorage's schema, so filtering on it would read the whole table. Ids grow
      // with creation time, so walk back from the newest id a chunk at a time and stop at the first chunk that has
      // rows but none recent: a chunk's width of ids is the margin for rows that committed out of order.
      const bounds = await range();
      if (!bounds) return [];
      const sinceText = since.toISOString().replace('Z', '');
      const recent: BlobRecord[] = [];
      for (let high = bounds.max; high >= bounds.min; high -= recentChunk) {
        const rows = await query<BlobRow & {recent: boolean}>(
          'reading recent blobs',
          `${select(`, ${createdAt} >= $3::timestamp AS recent`)} WHERE b.id BETWEEN $1 AND $2`,
          [high - recentChunk + 1, high, sinceText],
        );
        const fresh = rows.filter(row => row.recent);
        recent.push(...fresh.map(toRecord));
        if (rows.length > 0 && fresh.length === 0) break;
      }
      return recent;
    },
    close: () => client.end().catch(() => {}),
  };
}

function toRecord(row: BlobRow): BlobRecord {
  return {
    id: Number(row.id),
    key: row.key,
    byteSize: Number(row.byte_size),
    checksum: row.checksum,
    serviceName: row.service_name,
    contentType: row.content_type,
    createdAt: row.created_at,
    attachmentName: row.name,
  };
}
