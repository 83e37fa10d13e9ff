// The legacy comparison's database side on 1,000,000 CarrierWave records (90% with a legacy file, 1 in 1,000 of those
// never migrated), in the sandbox's PostgreSQL (a schema of its own, dropped at the end), through the action's own
// queries, against the hand-written anti-join run by psql on the same tables. Legacy files are not read: their cost is
// the sample's, not the table's.
//
//   node --experimental-transform-types --import ./bench/resolve-ts.mjs bench/legacy.ts
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {findSandbox, stub} from '@circuitverse/testkit';
import pg from 'pg';
import {checkLegacySchema, compareLegacy} from '../src/legacy-comparison.js';
import type {LegacyFiles} from '../src/legacy-files.js';
import {parseLegacyMapping} from '../src/legacy-mapping.js';
import {openPostgresBlobs} from '../src/postgres-blobs.js';
import {activeStorageDdl} from '../test/helpers/active-storage.js';
import {psqlPath} from '../test/helpers/psql.js';
import {median, time} from './timing.js';

const execFileAsync = promisify(execFile);
const rows = 1_000_000;
const runs = 5;
const sandbox = findSandbox();
if (!sandbox) throw new Error('No sandbox: run sandbox/up first.');
const schema = `verify_attachments_legacy_bench_${process.pid}`;
const url = `${sandbox.postgres.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const mappings = parseLegacyMapping(
  '- {table: projects, carrierwave: image_preview, record_type: Project, name: circuit_preview, files: "ssh://app-1/srv/uploads/{id}/{filename}"}',
);
const handWritten = `SELECT count(*) FROM projects l
  LEFT JOIN active_storage_attachments a ON a.record_type = 'Project' AND a.record_id = l.id AND a.name = 'circuit_preview'
  WHERE l.image_preview IS NOT NULL AND l.image_preview <> '' AND a.id IS NULL`;

const admin = new pg.Client({connectionString: sandbox.postgres.url});
await admin.connect();
try {
  process.stdout.write(`filling ${rows} records… `);
  const filled = await time(async () => {
    await admin.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    await admin.query(activeStorageDdl);
    await admin.query('CREATE TABLE projects (id bigserial PRIMARY KEY, name varchar NOT NULL, image_preview varchar)');
    await admin.query(`INSERT INTO projects (name, image_preview)
      SELECT 'project ' || i, CASE WHEN i % 10 = 0 THEN NULL ELSE 'preview.png' END FROM generate_series(1, ${rows}) AS i`);
    await admin.query(`INSERT INTO active_storage_blobs (id, key, filename, content_type, metadata, service_name, byte_size, checksum, created_at)
      SELECT i, md5(i::text) || lpad(i::text, 8, '0'), 'preview.png', 'image/png', '{}', 'amazon', 1000, 'vckNNU4TN7zbzl+o3tjXPQ==',
             timestamp '2023-06-18' FROM generate_series(1, ${rows}) AS i`);
    await admin.query(`INSERT INTO active_storage_attachments (name, record_type, record_id, blob_id, created_at)
      SELECT 'circuit_preview', 'Project', i, i, timestamp '2023-06-18' FROM generate_series(1, ${rows}) AS i WHERE i % 1000 <> 7`);
    // As autovacuum leaves a production table: visibility map and hint bits set, so reads don't write.
    for (const table of ['projects', 'active_storage_blobs', 'active_storage_attachments']) await admin.query(`VACUUM ANALYZE ${table}`);
  });
  console.log(`${Math.round(filled.ms)}ms`);

  const source = await openPostgresBlobs(url, 'bench');
  const database = source.database;
  if (!database) throw new Error('the source has no database');
  const files = stub<LegacyFiles>('files', {hash: async () => undefined});
  const actionTimes: number[] = [];
  const psqlTimes: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const compared = await time(async () => {
        await checkLegacySchema(mappings, database);
        return compareLegacy(mappings, {seed: String(run), sampleSize: 100, concurrency: 16}, {database, files});
      });
      actionTimes.push(compared.ms);
      if (compared.value.counts.unmigrated !== rows / 1000) throw new Error(`counted ${compared.value.counts.unmigrated} unmigrated`);
      const psql = await time(() => execFileAsync(psqlPath, [url, '-X', '-q', '-At', '-c', 'SET jit = off', '-c', handWritten]));
      psqlTimes.push(psql.ms);
    }
  } finally {
    await source.close();
  }
  const action = median(actionTimes);
  const handMade = median(psqlTimes);
  console.log(`action (schema check, counts, examples, sample of 100): median ${Math.round(action)}ms of ${runs}`);
  console.log(`hand-written anti-join by psql:                          median ${Math.round(handMade)}ms of ${runs}`);
  console.log(`ratio: ${(action / handMade).toFixed(2)}×`);
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
