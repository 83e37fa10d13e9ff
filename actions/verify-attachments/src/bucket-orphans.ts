import {type Clock, ConfigError, countOf, formatDuration, type Logger, RemoteError} from '@circuitverse/shared';
import type {BlobKeys} from './blob-keys.js';
import type {BucketReader, ListedObject, ListedPage} from './bucket-listing.js';
import {compareKeys} from './key-order.js';
import {describeRange, estimateObjects, type KeyRange, placeInRange, planKeyRanges, startAfterOf} from './key-ranges.js';
import {cell, code} from './markdown.js';
import type {StoreError} from './object-store.js';
import {storeRetryPolicy, withRetries} from './retry.js';

/** An object in a bucket that no blob row names. */
export interface OrphanObject {
  bucket: string;
  key: string;
  size: number;
  lastModified: string;
}

/** The `orphans` section of the JSON report. */
export interface OrphansReport {
  buckets: string[];
  /** Objects listed, in all. */
  listed: number;
  /** Objects newer than the grace period, left out as uploads in flight. */
  inGrace: number;
  graceMs: number;
  /** `variants/<blob key>/…` objects whose blob exists. */
  variants: number;
  count: number;
  /** The first orphans in key order, per bucket in the order of `buckets`. */
  examples: OrphanObject[];
  threshold: number;
}

export interface OrphanOptions {
  /** Bucket → the services whose blobs may live there (`undefined`: any service). */
  buckets: Map<string, string[] | undefined>;
  graceMs: number;
  concurrency: number;
  examples: number;
  threshold: number;
}

const pageKeys = 1000;
const variantKey = /^variants\/([^/]+)\//;

/** The blob an object belongs to: itself, or for an (untracked) variant the blob it was made from. */
export function owningBlobKey(key: string): {blobKey: string; variant: boolean} {
  const variant = variantKey.exec(key);
  return variant ? {blobKey: variant[1] as string, variant: true} : {blobKey: key, variant: false};
}

/** The services of `services` whose blobs live in `bucket`; `undefined` for every service (the `bucket` input). */
export function servicesByBucket(services: Map<string, string>): Map<string, string[] | undefined> {
  const buckets = new Map<string, string[] | undefined>();
  for (const [service, bucket] of services) {
    if (service === '') buckets.set(bucket, undefined);
    else if (!buckets.has(bucket) || buckets.get(bucket) !== undefined) buckets.set(bucket, [...(buckets.get(bucket) ?? []), service]);
  }
  return buckets;
}

/** Keeps the `limit` smallest orphans by key, whatever order the ranges finish in. */
function keepExamples(examples: OrphanObject[], found: OrphanObject[], limit: number): OrphanObject[] {
  if (found.length === 0) return examples;
  const merged = [...examples, ...found].sort((a, b) => compareKeys(a.key, b.key));
  return merged.slice(0, limit);
}

async function listWithRetries(
  reader: BucketReader,
  clock: Clock,
  bucket: string,
  range: KeyRange,
  page: Parameters<BucketReader['listPage']>[1],
): Promise<ListedPage> {
  const listed = await withRetries(() => reader.listPage(bucket, page), {policy: storeRetryPolicy, clock});
  if (listed.ok) return listed.value;
  throw new RemoteError(`s3://${bucket}`, `listing ${describeRange(range)} failed`, {cause: listed.error, remoteOutput: listed.error.message});
}

/**
 * Fails in one line, before anything is read, on a bucket these credentials cannot list: a missing bucket or a
 * denied s3:ListBucket would otherwise end the run half-way, or (denied) look like an empty bucket.
 */
export async function checkListable(buckets: Iterable<string>, input: string, reader: BucketReader, clock: Clock): Promise<void> {
  for (const bucket of buckets) {
    const listed = await withRetries(() => reader.listPage(bucket, {maxKeys: 1}), {policy: storeRetryPolicy, clock});
    if (listed.ok) continue;
    throw listingError(listed.error, bucket, input);
  }
}

function listingError(error: StoreError, bucket: string, input: string): Error {
  if (error.status === 404) return new ConfigError(input, `names the bucket "${bucket}", which does not exist`, 'Check the bucket name (and endpoint).');
  if (error.status === 403) {
    const code = error.cause instanceof Error && !/^Unknown/.test(error.cause.name) ? error.cause.name : 'AccessDenied';
    return new ConfigError(
      input,
      `names the bucket "${bucket}", which these credentials may not list (${code})`,
      'Allow s3:ListBucket on it, or turn orphans off.',
    );
  }
  return new RemoteError(`s3://${bucket}`, 'could not be listed', {cause: error, remoteOutput: error.message});
}

/**
 * Lists every object of the buckets, contiguous ranges of the keyspace `concurrency` at a time, and looks each page's
 * keys up in the blob rows (one indexed query per page): the cost grows with the objects listed, and memory holds a
 * page per range, however large the bucket.
 */
export async function findBucketOrphans(
  options: OrphanOptions,
  collaborators: {reader: BucketReader; blobKeys: BlobKeys; clock: Clock; logger: Logger},
): Promise<OrphansReport> {
  const {reader, blobKeys, clock, logger} = collaborators;
  const cutoff = clock.now() - options.graceMs;
  const report: OrphansReport = {
    buckets: [...options.buckets.keys()],
    listed: 0,
    inGrace: 0,
    graceMs: options.graceMs,
    variants: 0,
    count: 0,
    examples: [],
    threshold: options.threshold,
  };
  const examples = new Map<string, OrphanObject[]>();

  /** Judges the page's objects that are the range's; says whether the range goes on, and from where. */
  const takePage = async (bucket: string, services: string[] | undefined, range: KeyRange, page: ListedPage) => {
    let past = false;
    const objects: ListedObject[] = [];
    for (const object of page.objects) {
      const place = placeInRange(range, object.key);
      if (place === 'past') {
        past = true;
        break;
      }
      if (place === 'in') objects.push(object);
    }
    await judgePage(bucket, services, objects);
    return past ? undefined : page.continuationToken;
  };

  const listRange = async (bucket: string, services: string[] | undefined, range: KeyRange, from: string | undefined) => {
    const startAfter = startAfterOf(range);
    for (let continuationToken = from; ; ) {
      const page = await listWithRetries(reader, clock, bucket, range, {
        ...(continuationToken ? {continuationToken} : startAfter === undefined ? {} : {startAfter}),
        maxKeys: pageKeys,
      });
      continuationToken = await takePage(bucket, services, range, page);
      if (continuationToken === undefined) return;
    }
  };

  const judgePage = async (bucket: string, services: string[] | undefined, objects: ListedObject[]) => {
    report.listed += objects.length;
    const settled = objects.filter(object => object.lastModified <= cutoff);
    report.inGrace += objects.length - settled.length;
    if (settled.length === 0) return;
    const owners = settled.map(object => ({object, ...owningBlobKey(object.key)}));
    const present = await blobKeys.present([...new Set(owners.map(owner => owner.blobKey))], services);
    const orphans: OrphanObject[] = [];
    for (const {object, blobKey, variant} of owners) {
      if (present.has(blobKey)) {
        if (variant) report.variants++;
        continue;
      }
      orphans.push({bucket, key: object.key, size: object.size, lastModified: new Date(object.lastModified).toISOString()});
    }
    report.count += orphans.length;
    examples.set(bucket, keepExamples(examples.get(bucket) ?? [], orphans, options.examples));
  };

  const started = clock.now();
  // Each bucket's first page, from the start, tells how large it is, and so how many ranges to list it in; the first
  // range goes on from there.
  const work: Array<{bucket: string; services: string[] | undefined; range: KeyRange; from: string | undefined}> = [];
  for (const [bucket, services] of options.buckets) {
    const first = await listWithRetries(reader, clock, bucket, {from: undefined, before: undefined}, {maxKeys: pageKeys});
    const last = first.objects.at(-1)?.key;
    const ranges =
      first.continuationToken === undefined || last === undefined
        ? [{from: undefined, before: undefined}]
        : planKeyRanges(estimateObjects(first.objects.length, last));
    logger.info(`${bucket}: ${countOf(ranges.length, 'key range')}`);
    const [head, ...rest] = ranges as [KeyRange, ...KeyRange[]];
    const from = await takePage(bucket, services, head, first);
    if (from !== undefined) work.push({bucket, services, range: head, from});
    work.push(...rest.map(range => ({bucket, services, range, from: undefined})));
  }

  let lastProgress = started;
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const item = work[next++];
      if (!item) return;
      await listRange(item.bucket, item.services, item.range, item.from);
      if (clock.now() - lastProgress >= 10_000) {
        lastProgress = clock.now();
        logger.info(`${report.listed} object(s) listed, ${report.count} orphan(s) so far`);
      }
    }
  };
  await Promise.all(Array.from({length: Math.min(options.concurrency, work.length)}, worker));
  report.examples = report.buckets.flatMap(bucket => examples.get(bucket) ?? []).slice(0, options.examples);
  const elapsed = clock.now() - started;
  logger.info(
    `${countOf(report.listed, 'object')} listed in ${formatDuration(elapsed)} (${Math.round((report.listed / Math.max(elapsed, 1)) * 1000)}/s): ` +
      `${countOf(report.count, 'orphan')}, ${report.variants} variant(s) of existing blobs, ${report.inGrace} within the grace period`,
  );
  for (const orphan of report.examples) logger.untrusted(`orphan: s3://${orphan.bucket}/${orphan.key} (${orphan.size} bytes, ${orphan.lastModified})`);
  return report;
}

/** The job summary's table of the orphan listing. */
export function renderOrphansTable(report: OrphansReport): string[] {
  return [
    `### S3 objects without a blob row: ${report.count}`,
    '',
    '| | |',
    '| --- | ---: |',
    `| Buckets | ${report.buckets.join(', ')} |`,
    `| Objects listed | ${report.listed} |`,
    `| Orphans | ${report.count} (max-orphan-objects: ${report.threshold}) |`,
    `| Variants of existing blobs | ${report.variants} |`,
    `| Newer than the grace period (${formatDuration(report.graceMs)}) | ${report.inGrace} |`,
    '',
  ];
}

/** The job summary's examples of orphans. */
export function renderOrphansExamples(report: OrphansReport): string[] {
  if (!report.examples.length) return [];
  const lines = ['### S3 objects without a blob row', '', '| Bucket | Key | Size | Last modified |', '| --- | --- | ---: | --- |'];
  for (const orphan of report.examples) lines.push(`| ${cell(orphan.bucket)} | ${code(orphan.key)} | ${orphan.size} | ${orphan.lastModified} |`);
  if (report.count > report.examples.length) lines.push('', `…and ${report.count - report.examples.length} more in the report.`);
  lines.push('');
  return lines;
}
