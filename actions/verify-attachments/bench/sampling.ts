// Sampling and integrity cost against table size, in one run, as ratios against baselines measured alongside:
// - a stratified sample of 1,000 (planSample through the action's PostgreSQL source) from 100k, 1M and 10M rows,
//   against 1,000 primary-key lookups of blob rows at 10M (target ≤ 3×) and `ORDER BY random() LIMIT 1000` at 1M and
//   10M (target: faster);
// - the integrity report on 1M blobs against the same counts hand-written as anti-joins and run by psql (target ≤ 2×).
// ActiveStorage's tables are filled set-wise (generate_series) in schemas of their own in the sandbox's PostgreSQL
// (its role may not create databases), dropped at the end: 10M rows take about 4 GB while they exist.
//
//   node --experimental-transform-types --import ./bench/resolve-ts.mjs bench/sampling.ts [rows…]
import {spawn} from 'node:child_process';
import {findSandbox} from '@circuitverse/testkit';
import pg from 'pg';
import {parseIntegrityMax, readIntegrity} from '../src/integrity-report.js';
import {openPostgresBlobs} from '../src/postgres-blobs.js';
import {seededRandom} from '../src/random.js';
import {planSample} from '../src/sampling-plan.js';
import {activeStorageDdl} from '../test/helpers/active-storage.js';
import {psqlPath} from '../test/helpers/psql.js';
import {median, time} from './timing.js';

const sampleSize = 1000;
const runs = 11;
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
if (!sizes.length) sizes.push(100_000, 1_000_000, 10_000_000);
const largest = Math.max(...sizes);
const integritySize = sizes.includes(1_000_000) ? 1_000_000 : largest;

const sandbox = findSandbox();
if (!sandbox) throw new Error('No sandbox: run sandbox/up first.');
const schemaOf = (rows: number) => `verify_attachments_bench_${process.pid}_${rows}`;
const urlFor = (schema: string) => `${sandbox.postgres.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

// The tables first, their keys and indexes after the rows: building an index once is far cheaper than 10M inserts into it.
const constraintsAt = activeStorageDdl.indexOf('ALTER TABLE ONLY active_storage_attachments ADD CONSTRAINT active_storage_attachments_pkey');
const tablesDdl = activeStorageDdl.slice(0, constraintsAt);
const indexesDdl = activeStorageDdl.slice(constraintsAt);

// Names as CircuitVerse has them: previews, profile pictures, a few logos, a few unattached; 3% of ids deleted; a
// sprinkling of each integrity fault, so the report has findings to count and keep.
async function fill(client: pg.Client, schema: string, rows: number): Promise<void> {
  await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; SET maintenance_work_mem = '256MB'`);
  await client.query(tablesDdl);
  await client.query(`
    INSERT INTO active_storage_blobs (id, key, filename, content_type, metadata, service_name, byte_size, checksum, created_at)
    SELECT i, md5(i::text) || lpad(i::text, 8, '0'),
           CASE WHEN i % 20011 = 0 THEN 'preview.png ' ELSE 'preview.png' END,
           CASE WHEN i % 10007 = 0 THEN 'img/jpeg' ELSE 'image/png' END,
           '{}', CASE WHEN i % 50021 = 0 THEN 'local' ELSE 'amazon' END,
           CASE WHEN i % 30011 = 0 THEN 0 ELSE 1000 + i % 5000 END,
           'vckNNU4TN7zbzl+o3tjXPQ==', timestamp '2023-06-18' + i * interval '1 second'
    FROM generate_series(1, ${rows}) AS i WHERE abs(hashint4(i) % 100) >= 3`);
  await client.query(`
    INSERT INTO active_storage_attachments (id, name, record_type, record_id, blob_id, created_at)
    SELECT id, CASE WHEN id % 1000 < 700 THEN 'circuit_preview' WHEN id % 1000 < 998 THEN 'profile_picture' ELSE 'logo' END,
           CASE WHEN id % 1000 < 700 THEN 'Project' WHEN id % 1000 < 998 THEN 'User' ELSE 'Organization' END,
           CASE WHEN id % 40009 = 0 THEN id - 1 ELSE id END, id, timestamp '2023-06-18'
    FROM active_storage_blobs WHERE id % 500 <> 7`);
  await client.query(indexesDdl);
  await client.query(`SELECT setval('active_storage_blobs_id_seq', ${rows}); SELECT setval('active_storage_attachments_id_seq', ${rows})`);
  // As autovacuum leaves a production table: visibility map and hint bits set, statistics read, so reads don't write.
  await client.query('VACUUM ANALYZE active_storage_blobs');
  await client.query('VACUUM ANALYZE active_storage_attachments');
  await client.query('RESET search_path');
}

// The integrity counts as one would write them by hand: anti-joins for the missing and the orphans, a GROUP BY for
// duplicates, one scan of the blobs for their columns.
const handWritten = `
SELECT count(*) FROM active_storage_attachments a WHERE NOT EXISTS (SELECT 1 FROM active_storage_blobs b WHERE b.id = a.blob_id);
SELECT count(*) FROM active_storage_blobs b WHERE b.created_at < now() - interval '1 day'
  AND NOT EXISTS (SELECT 1 FROM active_storage_attachments a WHERE a.blob_id = b.id)
  AND NOT EXISTS (SELECT 1 FROM active_storage_variant_records v WHERE v.blob_id = b.id);
SELECT record_type, name, count(*) FROM (SELECT record_type, record_id, name FROM active_storage_attachments GROUP BY 1, 2, 3 HAVING count(*) > 1) d GROUP BY 1, 2;
SELECT count(*) FILTER (WHERE service_name <> 'amazon'), count(*) FILTER (WHERE byte_size = 0 OR checksum IS NULL),
  count(*) FILTER (WHERE content_type IS NULL OR content_type !~* '^[a-z0-9.+-]+/[a-z0-9.+-]+$'
    OR (lower(filename) LIKE '%.png' AND content_type <> 'image/png') OR (lower(filename) ~ '\\.jpe?g$' AND content_type <> 'image/jpeg')),
  count(*) FILTER (WHERE filename ~ '^[[:space:]]|[[:space:]]$|[[:cntrl:]]')
FROM active_storage_blobs;
SELECT name, count(*) FROM active_storage_attachments WHERE name ~ '^[[:space:]]|[[:space:]]$|[[:cntrl:]]' GROUP BY name;
`;

/** psql's own `\timing` of each statement, summed: the server's time and the transfer, not psql's start. */
function timePsql(schema: string, script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(psqlPath, [urlFor(schema), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
      env: {...process.env, PGOPTIONS: '-c jit=off'},
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', code => {
      if (code !== 0) return reject(new Error(`psql exited ${code}`));
      resolve([...output.matchAll(/^Time: ([\d.]+) ms/gm)].reduce((sum, match) => sum + Number(match[1]), 0));
    });
    child.stdin.end(`\\timing on\n${script}`);
  });
}

const fixed = (ms: number) => `${ms.toFixed(1)}ms`;

const admin = new pg.Client({connectionString: sandbox.postgres.url});
await admin.connect();
try {
  for (const rows of sizes) {
    process.stdout.write(`filling ${rows.toLocaleString('en-US')} rows… `);
    const filled = await time(() => fill(admin, schemaOf(rows), rows));
    console.log(`${(filled.ms / 1000).toFixed(1)}s`);
  }
  const sources = await Promise.all(sizes.map(rows => openPostgresBlobs(urlFor(schemaOf(rows)), 'bench')));
  const planTimes = sizes.map(() => [] as number[]);
  const probes = sizes.map(() => 0);
  const lookupTimes: number[] = [];
  // 1,000 blob rows by primary key in one query, on a connection set up as the action's: ids drawn from the range, 3% of them gaps.
  const lookups = new pg.Client({connectionString: urlFor(schemaOf(largest))});
  await lookups.connect();
  await lookups.query('SET jit = off');
  const lookUp = (seed: string) => {
    const random = seededRandom(seed);
    const ids = Array.from({length: sampleSize}, () => 1 + random.below(largest));
    return lookups.query('SELECT * FROM active_storage_blobs WHERE id = ANY($1::bigint[])', [ids]);
  };
  // One warm-up each, then the runs rotate over the tables and the baseline so that load from elsewhere hits all alike.
  for (const source of sources) await planSample(source, sampleSize, seededRandom('warm-up'));
  await lookUp('warm-up');
  for (let run = 0; run < runs; run++) {
    for (const index of sizes.keys()) {
      const {ms, value} = await time(() => planSample(sources[index] as (typeof sources)[number], sampleSize, seededRandom(`bench ${run}`)));
      planTimes[index]?.push(ms);
      probes[index] = value.probes;
      if (value.units.length !== sampleSize) throw new Error(`drew ${value.units.length}, not ${sampleSize}`);
    }
    lookupTimes.push((await time(() => lookUp(`lookups ${run}`))).ms);
  }

  const integritySource = sources[sizes.indexOf(integritySize)] as (typeof sources)[number];
  const integrityTimes: number[] = [];
  const psqlTimes: number[] = [];
  const integrityOptions = {
    orphanCutoff: new Date(Date.now() - 86_400_000),
    singles: [{recordType: undefined, name: 'circuit_preview'}],
    services: ['amazon'],
    max: parseIntegrityMax(new Map()),
    examples: 1000,
  };
  await readIntegrity(integritySource.database as NonNullable<typeof integritySource.database>, integrityOptions);
  await timePsql(schemaOf(integritySize), handWritten);
  for (let run = 0; run < 5; run++) {
    integrityTimes.push((await time(() => readIntegrity(integritySource.database as NonNullable<typeof integritySource.database>, integrityOptions))).ms);
    psqlTimes.push(await timePsql(schemaOf(integritySize), handWritten));
  }
  const report = await readIntegrity(integritySource.database as NonNullable<typeof integritySource.database>, integrityOptions);
  for (const source of sources) await source.close();
  await lookups.end();

  const randomTimes = new Map<number, number>();
  for (const rows of sizes.filter(rows => rows >= 1_000_000)) {
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      times.push((await time(() => admin.query(`SELECT id FROM ${schemaOf(rows)}.active_storage_blobs ORDER BY random() LIMIT ${sampleSize}`))).ms);
    }
    randomTimes.set(rows, median(times));
  }

  const lookup = median(lookupTimes);
  console.log(`1,000 primary-key lookups at ${largest.toLocaleString('en-US')} rows: median ${fixed(lookup)} over ${runs} runs`);
  for (const [index, rows] of sizes.entries()) {
    const plan = median(planTimes[index] ?? []);
    const random = randomTimes.get(rows);
    console.log(
      `${rows.toLocaleString('en-US')} rows: planSample(${sampleSize}) median ${fixed(plan)} over ${runs} runs, ${probes[index]} ids probed` +
        (random === undefined ? '' : `; ORDER BY random() median ${fixed(random)} (planSample ${(random / plan).toFixed(1)}× faster, target > 1)`),
    );
  }
  const plan = median(planTimes[sizes.indexOf(largest)] ?? []);
  console.log(
    `ratio planSample(${sampleSize}) at ${largest.toLocaleString('en-US')} / ${sampleSize} primary-key lookups: ${(plan / lookup).toFixed(2)} (target ≤ 3)`,
  );
  const integrity = median(integrityTimes);
  const psql = median(psqlTimes);
  const found = report.classes.map(result => `${result.class} ${result.count ?? '—'}`).join(', ');
  console.log(`integrity report on ${integritySize.toLocaleString('en-US')} blobs: median ${fixed(integrity)} over 5 runs (${found})`);
  console.log(`hand-written anti-join SQL through psql: median ${fixed(psql)}; ratio ${(integrity / psql).toFixed(2)} (target ≤ 2)`);
} finally {
  for (const rows of sizes) await admin.query(`DROP SCHEMA IF EXISTS ${schemaOf(rows)} CASCADE`);
  await admin.end();
}
