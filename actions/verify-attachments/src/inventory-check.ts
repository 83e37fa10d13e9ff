import {createHash} from 'node:crypto';
import {createReadStream, createWriteStream} from 'node:fs';
import {rm} from 'node:fs/promises';
import {join} from 'node:path';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {createGunzip} from 'node:zlib';
import {type Clock, countOf, formatDuration, type Logger, RemoteError} from '@circuitverse/shared';
import {parse} from 'csv-parse';
import type {BlobKeys, KeyedBlob} from './blob-keys.js';
import type {BucketReader} from './bucket-listing.js';
import {parseChecksum} from './checksum-verdict.js';
import type {InventoryFile, InventoryManifest} from './inventory-manifest.js';
import {cell, code} from './markdown.js';
import {StoreError} from './object-store.js';
import {storeRetryPolicy, withRetries} from './retry.js';
import {toStoreError} from './s3-store.js';
import {mergeSorted, UnsortedStreamError} from './sorted-merge.js';
import {sortBySpilling} from './spill-sort.js';

/** One object of the inventory, its key decoded. */
export interface InventoryRow {
  key: string;
  size: number;
  /** Unquoted; `undefined` when the inventory has no ETag field. */
  etag: string | undefined;
  /** `SSE-S3`, `SSE-KMS`, … or `undefined` when the inventory has no EncryptionStatus field. */
  encryption: string | undefined;
}

export type InventoryFinding = 'ok' | 'missing' | 'wrong-size' | 'wrong-checksum' | 'unverifiable' | 'newer' | 'no-blob';

export interface InventoryExample {
  key: string;
  finding: 'missing' | 'wrong-size' | 'wrong-checksum';
  problem: string;
}

/** The `inventory` section of the JSON report. */
export interface InventoryReport {
  manifest: string;
  sourceBucket: string;
  /** When S3 began the scan the inventory holds. */
  createdAt: string;
  files: number;
  rows: number;
  blobs: number;
  counts: Record<InventoryFinding, number>;
  /** Blobs missing from the inventory or with the wrong size or checksum. */
  count: number;
  /** The first of them, in key order. */
  examples: InventoryExample[];
  threshold: number;
}

/** Rows sorted in memory at a time before they go to a file. */
const sortChunkRows = 200_000;
const plainMd5 = /^[0-9a-f]{32}$/;
/** With these, S3's ETag is not the MD5 of the object, even for a single part. */
const opaqueEtags = new Set(['SSE-KMS', 'DSSE-KMS', 'SSE-C']);

/**
 * What one key of the merge of blobs and inventory rows shows. A blob created after the scan began may be absent
 * without fault; an object with no blob is the orphan check's business, not this one's.
 */
export function judgeInventoryPair(
  blob: KeyedBlob | undefined,
  row: InventoryRow | undefined,
  scannedAt: number,
): {finding: InventoryFinding; problem?: string} {
  if (blob === undefined) return {finding: 'no-blob'};
  if (row === undefined) {
    if (blob.createdAt >= scannedAt) return {finding: 'newer'};
    return {finding: 'missing', problem: 'not in the inventory'};
  }
  if (row.size !== blob.byteSize) return {finding: 'wrong-size', problem: `size is ${row.size} bytes, the database says ${blob.byteSize}`};
  if (row.etag === undefined || !plainMd5.test(row.etag) || (row.encryption !== undefined && opaqueEtags.has(row.encryption))) {
    return {finding: 'unverifiable'};
  }
  const expected = parseChecksum(blob.checksum);
  if ('problem' in expected || expected.algorithm !== 'md5') return {finding: 'unverifiable'};
  const hex = expected.digest.toString('hex');
  if (hex !== row.etag) return {finding: 'wrong-checksum', problem: `ETag (MD5) is ${row.etag}, the database's checksum is ${hex}`};
  return {finding: 'ok'};
}

/** One CSV record of the inventory as a row; `undefined` for the versions and delete markers that are not the object. */
export function toInventoryRow(record: string[], manifest: InventoryManifest): InventoryRow | undefined {
  const {columns} = manifest;
  if (columns.isLatest !== undefined && record[columns.isLatest] !== 'true') return undefined;
  if (columns.isDeleteMarker !== undefined && record[columns.isDeleteMarker] === 'true') return undefined;
  // The CSV format URL-encodes keys (form-style: a space may come as "+", a "+" as %2B).
  const key = decodeURIComponent((record[columns.key] ?? '').replace(/\+/g, ' '));
  const etag = columns.etag === undefined ? undefined : (record[columns.etag] ?? '').replace(/"/g, '').toLowerCase();
  const encryption = manifest.columns.encryption === undefined ? undefined : record[manifest.columns.encryption];
  return {key, size: Number(record[columns.size]), etag, encryption};
}

/**
 * Fetches a data file to disk whole, hashing it on the way: a connection cut mid-body is then retried like any
 * other request, instead of leaving half a file's rows in the comparison.
 */
async function downloadDataFile(reader: BucketReader, clock: Clock, manifest: InventoryManifest, file: InventoryFile, directory: string): Promise<string> {
  const where = `s3://${manifest.destinationBucket}/${file.key}`;
  const path = join(directory, `${createHash('sha1').update(file.key).digest('hex')}.csv.gz`);
  const download = async () => {
    const md5 = createHash('md5');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(await reader.read(manifest.destinationBucket, file.key), hashing, createWriteStream(path));
    } catch (error) {
      throw error instanceof StoreError ? error : toStoreError(error, `GET ${where}`);
    }
    return {bytes, md5: md5.digest('hex')};
  };
  const downloaded = await withRetries(download, {policy: storeRetryPolicy, clock});
  if (!downloaded.ok) {
    throw new RemoteError(where, 'could not be read', {
      cause: downloaded.error,
      remoteOutput: downloaded.error.message,
      next: 'The manifest names this inventory data file: check that it is still there and readable.',
    });
  }
  const {bytes, md5} = downloaded.value;
  if (md5 !== file.md5 || bytes !== file.size) {
    throw new RemoteError(where, `does not match the manifest (${bytes} bytes, MD5 ${md5}; the manifest says ${file.size} bytes, MD5 ${file.md5})`, {
      next: 'The inventory is damaged or was copied in part: use a complete one.',
    });
  }
  return path;
}

async function* readDataFile(manifest: InventoryManifest, file: InventoryFile, path: string): AsyncGenerator<InventoryRow> {
  const where = `s3://${manifest.destinationBucket}/${file.key}`;
  const records = parse({relax_column_count: false});
  const piped = pipeline(createReadStream(path), createGunzip(), records);
  piped.catch(() => {});
  try {
    for await (const record of records as AsyncIterable<string[]>) {
      if (record.length !== manifest.columnCount)
        throw new RemoteError(where, `has a row of ${record.length} fields where the fileSchema has ${manifest.columnCount}`);
      const row = toInventoryRow(record, manifest);
      if (row) yield row;
    }
    await piped;
  } catch (error) {
    if (error instanceof RemoteError) throw error;
    throw new RemoteError(where, 'is not a gzipped CSV inventory file', {cause: error, remoteOutput: (error as Error).message});
  } finally {
    await rm(path, {force: true});
  }
}

async function* readInventory(
  reader: BucketReader,
  clock: Clock,
  manifest: InventoryManifest,
  directory: string,
  counted: {rows: number},
): AsyncGenerator<InventoryRow> {
  for (const file of manifest.files) {
    const path = await downloadDataFile(reader, clock, manifest, file, directory);
    for await (const row of readDataFile(manifest, file, path)) {
      counted.rows++;
      yield row;
    }
  }
}

/**
 * Checks every blob of the inventory's bucket against its row, with no request per object: the blob rows stream in
 * key order from a cursor, the inventory rows are sorted by spilling to disk (S3 does not promise their order), and
 * the two are merge-joined. Memory holds a sort chunk, whatever the bucket's size.
 */
export async function checkInventory(
  options: {manifestUrl: string; manifest: InventoryManifest; services: string[] | undefined; examples: number; threshold: number; spillDirectory: string},
  collaborators: {reader: BucketReader; blobKeys: BlobKeys; clock: Clock; logger: Logger},
): Promise<InventoryReport> {
  const {manifest} = options;
  const {clock, logger} = collaborators;
  const started = clock.now();
  const counts: Record<InventoryFinding, number> = {ok: 0, missing: 0, 'wrong-size': 0, 'wrong-checksum': 0, unverifiable: 0, newer: 0, 'no-blob': 0};
  const examples: InventoryExample[] = [];
  const counted = {rows: 0};
  let blobs = 0;
  const rows = sortBySpilling(readInventory(collaborators.reader, clock, manifest, options.spillDirectory, counted), row => row.key, {
    chunkItems: sortChunkRows,
    directory: options.spillDirectory,
  });
  try {
    // The sort is done before the database's snapshot opens: fetching and sorting every row can take minutes, and a
    // transaction idle that long is one a server may end.
    const first = await rows.next();
    const sorted = (async function* () {
      if (first.done) return;
      yield first.value;
      yield* rows;
    })();
    for await (const pair of mergeSorted(
      {items: collaborators.blobKeys.streamBlobs(options.services), keyOf: (blob: KeyedBlob) => blob.key, name: 'the blob rows'},
      {items: sorted, keyOf: (row: InventoryRow) => row.key, name: 'the inventory'},
    )) {
      if (pair.left) blobs++;
      const {finding, problem} = judgeInventoryPair(pair.left, pair.right, manifest.createdAt);
      counts[finding]++;
      if ((finding === 'missing' || finding === 'wrong-size' || finding === 'wrong-checksum') && examples.length < options.examples) {
        examples.push({key: pair.key, finding, problem: problem ?? ''});
      }
    }
  } catch (error) {
    // The inventory's own keys may repeat (one row per version listed); the database's cannot (unique index).
    if (error instanceof UnsortedStreamError) {
      throw new RemoteError(options.manifestUrl, `${error.side} holds the key "${error.key}" twice or out of order`, {
        next: error.side === 'the inventory' ? 'Use an inventory of current versions only.' : "Check the database's collation.",
      });
    }
    throw error;
  } finally {
    // However the merge ended, the spill files go.
    await rows.return(undefined);
  }
  const report: InventoryReport = {
    manifest: options.manifestUrl,
    sourceBucket: manifest.sourceBucket,
    createdAt: new Date(manifest.createdAt).toISOString(),
    files: manifest.files.length,
    rows: counted.rows,
    blobs,
    counts,
    count: counts.missing + counts['wrong-size'] + counts['wrong-checksum'],
    examples,
    threshold: options.threshold,
  };
  logger.info(
    `${countOf(report.rows, 'inventory row')} against ${countOf(blobs, 'blob')} in ${formatDuration(clock.now() - started)}: ` +
      `${counts.missing} missing, ${counts['wrong-size']} wrong size, ${counts['wrong-checksum']} wrong checksum, ` +
      `${counts.unverifiable} size only (no plain MD5 ETag), ${counts.newer} created after the scan`,
  );
  for (const example of examples) logger.untrusted(`${example.finding}: ${example.key}: ${example.problem}`);
  return report;
}

/** The job summary's table of the inventory check. */
export function renderInventoryTable(report: InventoryReport): string[] {
  const {counts} = report;
  return [
    `### Every blob against the inventory of ${report.sourceBucket}: ${report.count} fault(s)`,
    '',
    '| | |',
    '| --- | ---: |',
    `| Inventory | \`${report.manifest}\` (scanned from ${report.createdAt}, ${report.files} file(s), ${report.rows} rows) |`,
    `| Blobs | ${report.blobs} |`,
    `| Missing | ${counts.missing} |`,
    `| Wrong size | ${counts['wrong-size']} |`,
    `| Wrong checksum | ${counts['wrong-checksum']} |`,
    `| Size only (multipart, SSE-KMS or no MD5) | ${counts.unverifiable} |`,
    `| Created after the scan | ${counts.newer} |`,
    `| Faults | ${report.count} (max-inventory-faults: ${report.threshold}) |`,
    '',
  ];
}

/** The job summary's examples of the inventory check's faults. */
export function renderInventoryExamples(report: InventoryReport): string[] {
  if (!report.examples.length) return [];
  const lines = ['### Inventory faults', '', '| Key | Finding | What is wrong |', '| --- | --- | --- |'];
  for (const example of report.examples) lines.push(`| ${code(example.key)} | ${example.finding} | ${cell(example.problem)} |`);
  if (report.count > report.examples.length) lines.push('', `…and ${report.count - report.examples.length} more in the report.`);
  lines.push('');
  return lines;
}
