// Objects per second of the orphan listing (the action's own: ListObjectsV2 by key range, 16 at a time, each page's
// keys looked up in PostgreSQL) against the raw ListObjectsV2 rate of the same s3rver in the same run: a bare SDK
// loop paging through the whole bucket, as `aws s3api list-objects-v2` does. The raw rate listed concurrently over
// 36 key ranges, as a bucket of 720,000 objects would be, is printed too: s3rver walks its keys from the first for
// every page, so splitting costs it more than it gains.
//
//   node --experimental-transform-types --import ./bench/resolve-ts.mjs bench/orphan-listing.ts
import {randomBytes} from 'node:crypto';
import {CreateBucketCommand, ListObjectsV2Command, PutObjectCommand} from '@aws-sdk/client-s3';
import {createConsoleLogger, systemClock} from '@circuitverse/shared';
import {findSandbox, type Sandbox} from '@circuitverse/testkit';
import pg from 'pg';
import {openBlobKeys} from '../src/blob-keys.js';
import {createBucketReader} from '../src/bucket-listing.js';
import {findBucketOrphans} from '../src/bucket-orphans.js';
import {type KeyRange, placeInRange, planKeyRanges, startAfterOf} from '../src/key-ranges.js';
import {createS3Client} from '../src/s3-store.js';
import {activeStorageDdl} from '../test/helpers/active-storage.js';
import {deleteBuckets, sandboxS3} from '../test/helpers/sandbox-s3.js';

const objects = 20_000;
const orphans = 20;
const concurrency = 16;
/** Measured rounds, after a warm-up round. */
const rounds = 3;
/** The upload stops after this long, whatever is left. */
const maxUploadMs = 300_000;

const sandbox = findSandbox();
if (!sandbox) throw new Error('No sandbox: run sandbox/up first.');
Object.assign(process.env, {AWS_ACCESS_KEY_ID: sandbox.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.s3.secretAccessKey, AWS_REGION: sandbox.s3.region});
const bucket = `va-orphan-bench-${process.pid}`;
const schema = `va_orphan_bench_${process.pid}`;
const s3 = sandboxS3(sandbox);
const database = new pg.Client({connectionString: sandbox.postgres.url});
const quiet = createConsoleLogger({write: () => {}});
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const activeStorageKey = () => [...randomBytes(28)].map(byte => (byte % 36).toString(36)).join('');

async function rawSequential(): Promise<number> {
  // The SDK's own defaults (no socket timeout, its retries), as a bare listing loop has them.
  const client = sandboxS3(sandbox as Sandbox);
  const started = performance.now();
  let listed = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({Bucket: bucket, MaxKeys: 1000, ContinuationToken: token}));
    listed += page.KeyCount ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const rate = (listed / (performance.now() - started)) * 1000;
  client.destroy();
  if (listed !== objects) throw new Error(`the raw listing saw ${listed} of ${objects} objects`);
  return rate;
}

async function rawByRange(): Promise<number> {
  // The SDK's own defaults (no socket timeout, its retries), as a bare listing loop has them.
  const client = sandboxS3(sandbox as Sandbox);
  // As the action would split a bucket of 720,000 objects: what splitting costs this server.
  const ranges = planKeyRanges(720_000);
  const started = performance.now();
  let listed = 0;
  let next = 0;
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (next < ranges.length) {
        const range = ranges[next++] as KeyRange;
        let token: string | undefined;
        do {
          const startAfter = token ? undefined : startAfterOf(range);
          const page = await client.send(new ListObjectsV2Command({Bucket: bucket, MaxKeys: 1000, ContinuationToken: token, StartAfter: startAfter}));
          const keys = (page.Contents ?? []).map(object => placeInRange(range, object.Key ?? ''));
          listed += keys.filter(place => place === 'in').length;
          token = page.IsTruncated && !keys.includes('past') ? page.NextContinuationToken : undefined;
        } while (token);
      }
    }),
  );
  const rate = (listed / (performance.now() - started)) * 1000;
  client.destroy();
  return rate;
}

async function orphanListing(): Promise<number> {
  const client = createS3Client({region: sandbox?.s3.region, endpoint: sandbox?.s3.endpoint, concurrency});
  const blobKeys = await openBlobKeys(`${sandbox?.postgres.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, 'database');
  const started = performance.now();
  const report = await findBucketOrphans(
    {buckets: new Map([[bucket, ['amazon']]]), graceMs: 0, concurrency, examples: 20, threshold: 0},
    {reader: createBucketReader(client), blobKeys, clock: systemClock, logger: quiet},
  );
  const rate = (report.listed / (performance.now() - started)) * 1000;
  await blobKeys.close();
  client.destroy();
  if (report.listed !== objects || report.count !== orphans) throw new Error(`the orphan listing saw ${report.listed} objects, ${report.count} orphans`);
  return rate;
}

try {
  await database.connect();
  await s3.send(new CreateBucketCommand({Bucket: bucket}));
  const keys = Array.from({length: objects}, activeStorageKey);
  let next = 0;
  const deadline = Date.now() + maxUploadMs;
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (next < keys.length && Date.now() < deadline) await s3.send(new PutObjectCommand({Bucket: bucket, Key: keys[next++], Body: 'x'}));
    }),
  );
  if (next < keys.length) throw new Error(`uploaded only ${next} of ${objects} objects within ${maxUploadMs / 1000}s`);
  console.log(`${objects} objects uploaded`);
  await database.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  await database.query(activeStorageDdl);
  await database.query(
    `INSERT INTO active_storage_blobs (key, filename, service_name, byte_size, checksum, created_at)
     SELECT key, 'preview.png', 'amazon', 1, 'LZ7qELKfnd4=', now() FROM unnest($1::text[]) AS key`,
    [keys.slice(orphans)],
  );
  await database.query('VACUUM ANALYZE active_storage_blobs');

  const sides = [rawSequential, orphanListing, rawByRange];
  const rates: number[][] = [[], [], []];
  // Round 0 warms s3rver, PostgreSQL and the clients up alike and is not counted; the order rotates.
  for (let round = 0; round <= rounds; round++) {
    const measured: number[] = [];
    for (let turn = 0; turn < sides.length; turn++) {
      const side = (round + turn) % sides.length;
      measured[side] = await (sides[side] as () => Promise<number>)();
    }
    if (round === 0) continue;
    for (const [side, rate] of measured.entries()) rates[side]?.push(rate);
    const [raw, listing, byRange] = measured as [number, number, number];
    console.log(
      `round ${round}: raw ListObjectsV2 ${raw.toFixed(0)}/s, by range ${byRange.toFixed(0)}/s, orphan listing ${listing.toFixed(0)}/s, ratio ${(listing / raw).toFixed(2)}`,
    );
  }
  const [raw, listing, byRange] = rates.map(median) as [number, number, number];
  console.log(
    `${objects} objects (${orphans} orphans), concurrency ${concurrency}, median of ${rounds} rounds: raw ListObjectsV2 ${raw.toFixed(0)} objects/s, ` +
      `orphan listing ${listing.toFixed(0)} objects/s, ratio ${(listing / raw).toFixed(2)} (target ≥ 0.7); ` +
      `raw over 36 key ranges, ${concurrency} at a time, ${byRange.toFixed(0)}/s`,
  );
} finally {
  await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  await database.end();
  await deleteBuckets(s3, [bucket]);
  s3.destroy();
}
