import {type Clock, ConfigError, countOf, type Logger, RemoteError} from '@circuitverse/shared';
import type {BlobKeys} from './blob-keys.js';
import type {BucketReader} from './bucket-listing.js';
import {checkListable, findBucketOrphans, type OrphansReport, servicesByBucket} from './bucket-orphans.js';
import type {VerifyAttachmentsInputs} from './inputs.js';
import {checkInventory, type InventoryReport} from './inventory-check.js';
import {type InventoryManifest, parseInventoryManifest} from './inventory-manifest.js';
import {storeRetryPolicy, withRetries} from './retry.js';
import {toStoreError} from './s3-store.js';

/** What the orphan listing and the inventory check are run with. */
export interface BucketCheckCollaborators {
  reader: BucketReader;
  clock: Clock;
  logger: Logger;
  /** Where the inventory's rows are sorted, on disk. */
  spillDirectory: string;
}

/** Orphans and inventory faults listed as examples, in the report and the summary. */
const bucketExamples = 20;
/** A manifest lists its data files; one larger than this is not one. */
const maxManifestBytes = 16 * 1024 * 1024;

/**
 * Checks the inputs of the bucket-side checks before anything else is read: a bucket these credentials cannot list, a
 * manifest that is missing, unreadable, not one, or of another bucket, is bad input. Returns the manifest.
 */
export async function checkBucketInputs(inputs: VerifyAttachmentsInputs, collaborators: BucketCheckCollaborators): Promise<InventoryManifest | undefined> {
  const {reader, clock, logger} = collaborators;
  const buckets = servicesByBucket(inputs.services);
  if (inputs.orphans) {
    await checkListable(buckets.keys(), inputs.services.has('') ? 'bucket' : 'services', reader, clock);
    logger.info(`${[...buckets.keys()].join(', ')}: listable`);
  }
  const location = inputs.inventoryManifest;
  if (!location) return undefined;
  const read = await withRetries(async () => readText(await reader.read(location.bucket, location.key), `GET ${location.url}`), {
    policy: storeRetryPolicy,
    clock,
  });
  if (!read.ok) {
    const {error} = read;
    if (error.status === 404)
      throw new ConfigError('inventory-manifest', `names ${location.url}, which does not exist`, 'Check the bucket, the prefix and the date folder.');
    if (error.status === 403) {
      throw new ConfigError(
        'inventory-manifest',
        `names ${location.url}, which these credentials may not read (AccessDenied)`,
        'Allow s3:GetObject on the inventory destination.',
      );
    }
    throw new RemoteError(location.url, 'could not be read', {cause: error, remoteOutput: error.message});
  }
  const manifest = parseInventoryManifest(read.value, buckets.keys());
  logger.info(
    `${location.url}: the inventory of ${manifest.sourceBucket} begun ${new Date(manifest.createdAt).toISOString()}, ${countOf(manifest.files.length, 'data file')}`,
  );
  return manifest;
}

async function readText(body: AsyncIterable<Buffer>, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxManifestBytes)
        throw new ConfigError('inventory-manifest', `names a file of more than ${maxManifestBytes} bytes`, 'Point it at a manifest.json.');
      chunks.push(chunk);
    }
  } catch (error) {
    // A body cut short is a failed request, retried like one.
    throw error instanceof ConfigError ? error : toStoreError(error, what);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The orphan listing of every configured bucket. */
export function listOrphans(inputs: VerifyAttachmentsInputs, collaborators: BucketCheckCollaborators & {blobKeys: BlobKeys}): Promise<OrphansReport> {
  return findBucketOrphans(
    {
      buckets: servicesByBucket(inputs.services),
      graceMs: inputs.orphanGraceMs,
      concurrency: inputs.concurrency,
      examples: bucketExamples,
      threshold: inputs.maxOrphanObjects,
    },
    collaborators,
  );
}

/** Every blob of the inventory's bucket against the inventory. */
export function checkEveryBlob(
  inputs: VerifyAttachmentsInputs,
  manifest: InventoryManifest,
  collaborators: BucketCheckCollaborators & {blobKeys: BlobKeys},
): Promise<InventoryReport> {
  return checkInventory(
    {
      manifestUrl: inputs.inventoryManifest?.url ?? '',
      manifest,
      services: servicesByBucket(inputs.services).get(manifest.sourceBucket),
      examples: bucketExamples,
      threshold: inputs.maxInventoryFaults,
      spillDirectory: collaborators.spillDirectory,
    },
    collaborators,
  );
}
