import {createHash, randomBytes} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client} from '@aws-sdk/client-s3';
import {type ActionRun, findSandbox, runAction} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {activeStorageDdl} from './helpers/active-storage.js';
import {psqlAt, runPsql} from './helpers/psql.js';
import {type S3Proxy, startS3Proxy} from './helpers/s3-proxy.js';
import {awsEnvironment, deleteBuckets, sandboxS3} from './helpers/sandbox-s3.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const tag = `${process.pid}${Date.now().toString(36)}`;
const schema = `va_orphans_${tag}`;
const bucket = `va-orphans-${tag}`;
const inventoryBucket = `va-inventory-${tag}`;
const inventoryPrefix = `inventories/${bucket}/all`;
const scannedAt = Date.parse('2026-11-30T00:00:00Z');

/** An ActiveStorage key: 28 random base-36 characters. */
function activeStorageKey(): string {
  return [...randomBytes(28)].map(byte => (byte % 36).toString(36)).join('');
}

interface PlantedBlob {
  key: string;
  body: Buffer;
  createdAt: string;
}

const blobs: PlantedBlob[] = Array.from({length: 400}, (_, index) => ({
  key: activeStorageKey(),
  body: randomBytes(64 + index),
  createdAt: '2026-11-01T12:00:00Z',
}));
// A key no random one looks like: a space, a "+" and a non-ASCII character, URL-encoded in the inventory.
blobs.push({key: 'imported/Preview du circuit+1 é.png', body: Buffer.from('imported'), createdAt: '2026-11-01T12:00:00Z'});
// Created after the inventory's scan began: absent from it without fault.
const newer: PlantedBlob = {key: activeStorageKey(), body: Buffer.from('newer'), createdAt: '2026-12-01T00:00:00Z'};
blobs.push(newer);
const keysOf = (from: number, count: number) => blobs.slice(from, from + count).map(blob => blob.key);
const md5Hex = (body: Buffer) => createHash('md5').update(body).digest('hex');

const orphans = [
  activeStorageKey(),
  activeStorageKey(),
  activeStorageKey(),
  'Uppercase-Orphan.png',
  '_tmp/upload-1',
  '~last',
  `variants/${activeStorageKey()}/0123456789abcdef`,
];
const variantsOfBlobs = [`variants/${blobs[0]?.key}/9f86d081884c7d65`, `variants/${blobs[1]?.key}/2c26b46b68ffc68f`];
const inventory = {
  missing: keysOf(10, 3),
  wrongSize: keysOf(20, 2),
  wrongEtag: keysOf(30, 2),
  multipart: keysOf(40, 1),
};

/** A row as S3 Inventory writes it: every field quoted, the key URL-encoded. */
function inventoryLine(fields: string[]): string {
  return `${fields.map(field => `"${field}"`).join(',')}\n`;
}

function inventoryRows(): string[] {
  const rows: string[] = [];
  for (const blob of blobs) {
    if (inventory.missing.includes(blob.key) || blob === newer) continue;
    const size = inventory.wrongSize.includes(blob.key) ? blob.body.length + 1 : blob.body.length;
    const etag = inventory.wrongEtag.includes(blob.key)
      ? md5Hex(Buffer.from('other bytes'))
      : inventory.multipart.includes(blob.key)
        ? `${md5Hex(blob.body)}-2`
        : md5Hex(blob.body);
    const key = blob.key.startsWith('imported/') ? encodeURIComponent(blob.key).replace(/%20/g, '+') : encodeURIComponent(blob.key);
    rows.push(inventoryLine([bucket, key, String(size), '2026-11-01T12:00:00.000Z', etag, 'STANDARD', 'NOT-SSE']));
  }
  for (const key of [...orphans, ...variantsOfBlobs])
    rows.push(inventoryLine([bucket, encodeURIComponent(key), '1', '2026-11-01T12:00:00.000Z', md5Hex(Buffer.from('x')), 'STANDARD', 'NOT-SSE']));
  // S3 promises no order: shuffle, so the check must sort.
  return rows.sort(() => Math.random() - 0.5);
}

async function putInventory(s3: S3Client): Promise<string> {
  const rows = inventoryRows();
  const files = [];
  for (const [index, part] of [rows.slice(0, 200), rows.slice(200)].entries()) {
    const data = gzipSync(part.join(''));
    const key = `${inventoryPrefix}/data/part-${index}.csv.gz`;
    await s3.send(new PutObjectCommand({Bucket: inventoryBucket, Key: key, Body: data}));
    files.push({key, size: data.length, MD5checksum: md5Hex(data)});
  }
  const manifest = {
    sourceBucket: bucket,
    destinationBucket: `arn:aws:s3:::${inventoryBucket}`,
    version: '2016-11-30',
    creationTimestamp: String(scannedAt),
    fileFormat: 'CSV',
    fileSchema: 'Bucket, Key, Size, LastModifiedDate, ETag, StorageClass, EncryptionStatus',
    files,
  };
  const key = `${inventoryPrefix}/2026-11-30T00-00Z/manifest.json`;
  await s3.send(new PutObjectCommand({Bucket: inventoryBucket, Key: key, Body: JSON.stringify(manifest, null, 2)}));
  await s3.send(
    new PutObjectCommand({
      Bucket: inventoryBucket,
      Key: `${inventoryPrefix}/other/manifest.json`,
      Body: JSON.stringify({...manifest, sourceBucket: 'someone-elses'}),
    }),
  );
  await s3.send(new PutObjectCommand({Bucket: inventoryBucket, Key: `${inventoryPrefix}/bad/manifest.json`, Body: 'Bucket,Key,Size\n'}));
  const damaged = {...manifest, files: [{...files[0], MD5checksum: md5Hex(Buffer.from('not the file'))}]};
  await s3.send(new PutObjectCommand({Bucket: inventoryBucket, Key: `${inventoryPrefix}/damaged/manifest.json`, Body: JSON.stringify(damaged)}));
  return `s3://${inventoryBucket}/${key}`;
}

function blobsSql(): string {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const values = blobs.map(
    blob =>
      `(${quote(blob.key)}, 'preview.png', 'image/png', 'amazon', ${blob.body.length}, ${quote(createHash('md5').update(blob.body).digest('base64'))}, ${quote(blob.createdAt)})`,
  );
  return `CREATE SCHEMA ${schema}; SET search_path TO ${schema};\n${activeStorageDdl}
INSERT INTO active_storage_blobs (key, filename, content_type, service_name, byte_size, checksum, created_at) VALUES\n${values.join(',\n')};`;
}

/** The report's checks of the buckets; a check that did not run is absent. */
interface BucketReport {
  orphans?: {verdict: string; listed: number; count: number; variants: number; inGrace: number; examples: Array<{key: string}>};
  inventory?: {verdict: string; rows: number; blobs: number; count: number; counts: Record<string, number>; examples: Array<{key: string; finding: string}>};
}

async function reportOf(run: ActionRun): Promise<BucketReport> {
  return JSON.parse(await readFile(run.outputs.report as string, 'utf8')).checks;
}

describe.skipIf(!sandbox)('verify-attachments bucket-side checks against the sandbox', () => {
  if (!sandbox) return;
  let s3: S3Client;
  let manifestUrl: string;
  let proxy: S3Proxy;
  const databaseUrl = `${sandbox.postgres.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const verify = (inputs: Record<string, string>) =>
    runAction(action, {
      inputs: {'database-url': databaseUrl, services: `amazon=${bucket}`, endpoint: sandbox.s3.endpoint, 'sample-size': '10', seed: '1', ...inputs},
      env: awsEnvironment(sandbox),
    });

  beforeAll(async () => {
    s3 = sandboxS3(sandbox);
    for (const name of [bucket, inventoryBucket]) await s3.send(new CreateBucketCommand({Bucket: name}));
    const objects = [...blobs.map(blob => ({key: blob.key, body: blob.body})), ...[...orphans, ...variantsOfBlobs].map(key => ({key, body: Buffer.from('x')}))];
    let next = 0;
    await Promise.all(
      Array.from({length: 16}, async () => {
        while (next < objects.length) {
          const object = objects[next++];
          if (object) await s3.send(new PutObjectCommand({Bucket: bucket, Key: object.key, Body: object.body}));
        }
      }),
    );
    // An s3rver started without OpenSSL's legacy provider answers every truncated ListObjectsV2 page with a 500.
    const page = await s3.send(new ListObjectsV2Command({Bucket: bucket, MaxKeys: 2})).catch((error: Error) => error);
    if (page instanceof Error)
      throw new Error(`The sandbox's s3rver cannot page ListObjectsV2 (${page.name}): run sandbox/up from a tree with its --openssl-legacy-provider change.`);
    manifestUrl = await putInventory(s3);
    await runPsql(psqlAt(sandbox.postgres.url), blobsSql());
    proxy = await startS3Proxy(sandbox.s3.endpoint, new Map());
  });

  afterAll(async () => {
    await proxy?.close();
    await runPsql(psqlAt(sandbox.postgres.url), `DROP SCHEMA IF EXISTS ${schema} CASCADE;`);
    if (s3) await deleteBuckets(s3, [bucket, inventoryBucket]);
    s3?.destroy();
  });

  it('finds exactly the planted orphan objects, not the variants of existing blobs, and fails the step', async () => {
    const run = await verify({orphans: 'true', 'orphan-grace': '0s'});
    const report = await reportOf(run);
    expect(report.orphans?.examples.map(orphan => orphan.key).sort()).toEqual([...orphans].sort());
    expect(report.orphans).toMatchObject({listed: blobs.length + orphans.length + variantsOfBlobs.length, count: orphans.length, variants: 2, inGrace: 0});
    expect(report.inventory).toBeUndefined();
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([`7 S3 objects without a blob row (max-orphan-objects: 0). See the job summary, or ${run.outputs.report}.`]);
    expect(run.summary).toContain('### S3 objects without a blob row: 7');
    expect(run.summary).toContain('| va-orphans-');
  });

  it('leaves objects within the grace period alone, as uploads in flight', async () => {
    const run = await verify({orphans: 'true', 'orphan-grace': '1h'});
    expect(run.errors).toEqual([]);
    const report = await reportOf(run);
    expect(report.orphans).toMatchObject({count: 0, inGrace: blobs.length + orphans.length + variantsOfBlobs.length});
  });

  it('finds the same orphans while the server answers 503 to a share of requests and drops others', async () => {
    proxy.faults = {rate: 0.3, maxInARow: 3};
    const before = {...proxy.stats};
    try {
      const run = await verify({
        endpoint: proxy.url,
        orphans: 'true',
        'orphan-grace': '0s',
        'max-orphan-objects': '7',
        'inventory-manifest': manifestUrl,
        'max-inventory-faults': '7',
      });
      expect(run.errors).toEqual([]);
      const report = await reportOf(run);
      expect(report.orphans?.examples.map(orphan => orphan.key).sort()).toEqual([...orphans].sort());
      expect(report.inventory?.count).toBe(7);
      expect(proxy.stats.slowDowns + proxy.stats.drops - before.slowDowns - before.drops).toBeGreaterThan(5);
    } finally {
      proxy.faults = {rate: 0, maxInARow: 0};
    }
  });

  it('checks every blob against the inventory and finds exactly the rows missing or mismatched', async () => {
    const before = proxy.stats.requests;
    const run = await verify({endpoint: proxy.url, 'inventory-manifest': manifestUrl, 'max-inventory-faults': '7'});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    // No request per blob: the sample's 10 HEADs, the bucket's, the manifest and the two data files.
    expect(proxy.stats.requests - before).toBe(10 + 1 + 1 + 2);
    const report = await reportOf(run);
    const found = (finding: string) =>
      report.inventory?.examples
        .filter(example => example.finding === finding)
        .map(example => example.key)
        .sort();
    expect(found('missing')).toEqual([...inventory.missing].sort());
    expect(found('wrong-size')).toEqual([...inventory.wrongSize].sort());
    expect(found('wrong-checksum')).toEqual([...inventory.wrongEtag].sort());
    expect(report.inventory).toMatchObject({
      blobs: blobs.length,
      rows: blobs.length - 4 + orphans.length + variantsOfBlobs.length,
      count: 7,
      counts: {
        ok: blobs.length - 3 - 2 - 2 - 1 - 1,
        missing: 3,
        'wrong-size': 2,
        'wrong-checksum': 2,
        unverifiable: 1,
        newer: 1,
        'no-blob': orphans.length + variantsOfBlobs.length,
      },
    });
    expect(run.summary).toContain('### Every blob against the inventory of va-orphans-');
  });

  it('fails the step past max-inventory-faults', async () => {
    const run = await verify({'inventory-manifest': manifestUrl});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([`7 blobs missing from the inventory or mismatched (max-inventory-faults: 0). See the job summary, or ${run.outputs.report}.`]);
  });

  it('refuses a data file whose MD5 is not the manifest’s', async () => {
    const run = await verify({'inventory-manifest': manifestUrl.replace('2026-11-30T00-00Z', 'damaged')});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /part-0\.csv\.gz: does not match the manifest \(\d+ bytes, MD5 [0-9a-f]{32}; the manifest says \d+ bytes, MD5 [0-9a-f]{32}\)\. The inventory is damaged/,
    );
  });

  describe('bad input fails in one line and reads nothing else', () => {
    it.each([
      [
        'a manifest that is not one',
        () => ({'inventory-manifest': manifestUrl.replace('2026-11-30T00-00Z', 'bad')}),
        /^Input "inventory-manifest" names a file that is not an S3 Inventory manifest: it is not JSON\./,
      ],
      [
        "a manifest whose sourceBucket is not the configured bucket's",
        () => ({'inventory-manifest': manifestUrl.replace('2026-11-30T00-00Z', 'other')}),
        new RegExp(
          `^Input "inventory-manifest" names an inventory of the bucket "someone-elses", which is not one of the configured buckets \\(${bucket}\\)\\.`,
        ),
      ],
      [
        'a manifest that does not exist',
        () => ({'inventory-manifest': manifestUrl.replace('2026-11-30T00-00Z', 'nowhere')}),
        /^Input "inventory-manifest" names s3:\/\/.*\/nowhere\/manifest\.json, which does not exist\./,
      ],
      [
        'a bucket that does not exist',
        () => ({orphans: 'true', services: `amazon=${bucket}-nowhere`}),
        new RegExp(`^Input "services" names the bucket "${bucket}-nowhere", which does not exist\\.`),
      ],
    ])('%s', async (_, inputs, message) => {
      const run = await verify(inputs());
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(message);
      expect(run.log).not.toContain('Open the blobs');
    });

    it('a bucket these credentials may not list', async () => {
      proxy.deniedListings.add(bucket);
      try {
        const run = await verify({endpoint: proxy.url, orphans: 'true', 'inventory-manifest': manifestUrl});
        expect(run.exitCode).toBe(1);
        expect(run.errors).toEqual([
          `Input "services" names the bucket "${bucket}", which these credentials may not list (AccessDenied). Allow s3:ListBucket on it, or turn orphans off.`,
        ]);
        expect(run.log).not.toContain('Open the blobs');
      } finally {
        proxy.deniedListings.clear();
      }
    });
  });
});
