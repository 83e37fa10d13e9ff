// Sampling cost against table size: draws 1,000 blobs, stratified, from 1,000,000 rows and from 100,000 rows of
// ActiveStorage tables in the sandbox's PostgreSQL (a schema of its own, dropped at the end), through the action's own
// PostgreSQL source and planner. `ORDER BY random()` is timed alongside for contrast.
//
//   node --experimental-transform-types --import ./bench/resolve-ts.mjs bench/sampling.ts
import {findSandbox} from '@circuitverse/testkit';
import pg from 'pg';
import {openPostgresBlobs} from '../src/postgres-blobs.js';
import {seededRandom} from '../src/random.js';
import {planSample} from '../src/sampling-plan.js';
import {activeStorageDdl} from '../test/helpers/active-storage.js';
import {median, time} from './timing.js';

const sampleSize = 1000;
const runs = 11;
const sizes = [100_000, 1_000_000];

const sandbox = findSandbox();
if (!sandbox) throw new Error('No sandbox: run sandbox/up first.');
const schemaOf = (rows: number) => `verify_attachments_bench_${process.pid}_${rows}`;
const urlFor = (schema: string) => `${sandbox.postgres.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

// Names as CircuitVerse has them: previews, profile pictures, a few logos, a few unattached; 3% of ids deleted.
async function fill(client: pg.Client, schema: string, rows: number): Promise<void> {
  await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  await client.query(activeStorageDdl);
  await client.query(`
    INSERT INTO active_storage_blobs (id, key, filename, content_type, metadata, service_name, byte_size, checksum, created_at)
    SELECT i, md5(i::text) || lpad(i::text, 8, '0'), 'preview.png', 'image/png', '{}', 'amazon', 1000 + i % 5000,
           'vckNNU4TN7zbzl+o3tjXPQ==', timestamp '2023-06-18' + i * interval '1 minute'
    FROM generate_series(1, ${rows}) AS i WHERE abs(hashint4(i) % 100) >= 3`);
  await client.query(`
    INSERT INTO active_storage_attachments (name, record_type, record_id, blob_id, created_at)
    SELECT CASE WHEN i % 1000 < 700 THEN 'circuit_preview' WHEN i % 1000 < 998 THEN 'profile_picture' ELSE 'logo' END,
           'Project', i, i, timestamp '2023-06-18'
    FROM active_storage_blobs b, LATERAL (SELECT b.id AS i) AS x WHERE i % 500 <> 7`);
  // As autovacuum leaves a production table: visibility map and hint bits set, so reads don't write.
  await client.query('VACUUM ANALYZE active_storage_blobs');
  await client.query('VACUUM ANALYZE active_storage_attachments');
}

const admin = new pg.Client({connectionString: sandbox.postgres.url});
await admin.connect();
const results: Record<number, {plan: number; probes: number; orderByRandom: number}> = {};
try {
  for (const rows of sizes) {
    process.stdout.write(`filling ${rows} rows… `);
    const filled = await time(() => fill(admin, schemaOf(rows), rows));
    console.log(`${Math.round(filled.ms)}ms`);
  }
  const sources = await Promise.all(sizes.map(rows => openPostgresBlobs(urlFor(schemaOf(rows)), 'bench')));
  const planTimes = sizes.map(() => [] as number[]);
  const probes = sizes.map(() => 0);
  // One warm-up each, then the runs alternate between the tables so that load from elsewhere hits both alike.
  for (const source of sources) await planSample(source, sampleSize, seededRandom('warm-up'));
  for (let run = 0; run < runs; run++) {
    const order = run % 2 ? [1, 0] : [0, 1];
    for (const index of order) {
      const {ms, value} = await time(() => planSample(sources[index] as (typeof sources)[number], sampleSize, seededRandom(`bench ${run}`)));
      planTimes[index]?.push(ms);
      probes[index] = value.probes;
      if (value.units.length !== sampleSize) throw new Error(`drew ${value.units.length}, not ${sampleSize}`);
    }
  }
  for (const source of sources) await source.close();
  for (const [index, rows] of sizes.entries()) {
    const randomTimes: number[] = [];
    for (let run = 0; run < 3; run++) {
      const {ms} = await time(() => admin.query(`SELECT id FROM ${schemaOf(rows)}.active_storage_blobs ORDER BY random() LIMIT ${sampleSize}`));
      randomTimes.push(ms);
    }
    const plan = median(planTimes[index] ?? []);
    results[rows] = {plan, probes: probes[index] ?? 0, orderByRandom: median(randomTimes)};
    console.log(
      `${rows.toLocaleString('en-US')} rows: planSample(${sampleSize}) median ${plan.toFixed(1)}ms over ${runs} runs (${probes[index]} ids probed, ${((plan * 1000) / (probes[index] ?? 1)).toFixed(1)}µs each); ORDER BY random() median ${median(randomTimes).toFixed(1)}ms`,
    );
  }
  const [small, large] = sizes.map(rows => results[rows]) as [(typeof results)[number], (typeof results)[number]];
  console.log(
    `ratio 1,000,000 / 100,000: planSample ${(large.plan / small.plan).toFixed(2)} (target ≤ 1.5); ORDER BY random() ${(large.orderByRandom / small.orderByRandom).toFixed(2)}`,
  );
} finally {
  for (const rows of sizes) await admin.query(`DROP SCHEMA IF EXISTS ${schemaOf(rows)} CASCADE`);
  await admin.end();
}
