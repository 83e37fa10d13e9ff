import {createHash} from 'node:crypto';
import type {Readable} from 'node:stream';
import {GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client} from '@aws-sdk/client-s3';
import {ConfigError} from '@circuitverse/shared';
import {type ObjectStore, StoreError} from './object-store.js';

const transientNames = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TimeoutError']);
const transientCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

export interface S3Options {
  region: string | undefined;
  endpoint: string | undefined;
  concurrency: number;
}

/** The SDK client the store and the bucket reader share the settings of. */
export function createS3Client(options: S3Options): S3Client {
  const agent = {keepAlive: true, maxSockets: options.concurrency};
  return new S3Client({
    // An S3-compatible endpoint needs a region to sign with, even if it ignores it.
    ...(options.region ? {region: options.region} : options.endpoint ? {region: 'us-east-1'} : {}),
    ...(options.endpoint ? {endpoint: options.endpoint, forcePathStyle: true} : {followRegionRedirects: true}),
    // The check retries itself: bounded, jittered, counted in the report, and never through the SDK's retry quota,
    // which runs dry under a burst of SlowDown and would turn the rest of the run into failures.
    maxAttempts: 1,
    // The action hashes bodies itself and judges the result; the SDK must not throw on a checksum it disagrees with.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {connectionTimeout: 5_000, socketTimeout: 20_000, httpAgent: agent, httpsAgent: agent},
  });
}

/**
 * The store over `@aws-sdk/client-s3`, with credentials from the SDK's default chain (environment, OIDC web
 * identity, profiles, instance roles), so aws-actions/configure-aws-credentials works unchanged.
 */
export function createS3Store(options: S3Options): ObjectStore {
  const client = createS3Client(options);

  return {
    async checkBucket(bucket) {
      try {
        await client.send(new HeadBucketCommand({Bucket: bucket}));
      } catch (error) {
        // The SDK finds no region only when it first signs; the bucket check is that first call.
        if (error instanceof Error && /region is missing/i.test(error.message)) {
          throw new ConfigError(
            'region',
            'is required: neither the input nor the environment (AWS_REGION) names one',
            "Set region to the buckets' region, e.g. ap-south-1.",
          );
        }
        throw toStoreError(error, `HEAD bucket ${bucket}`);
      }
    },

    async head(bucket, key, {sha256}) {
      try {
        const head = await client.send(new HeadObjectCommand({Bucket: bucket, Key: key, ...(sha256 ? {ChecksumMode: 'ENABLED'} : {})}));
        return {
          found: true,
          size: head.ContentLength ?? -1,
          etag: head.ETag,
          contentType: head.ContentType,
          encryption: head.ServerSideEncryption,
          sha256: head.ChecksumSHA256,
          checksumType: head.ChecksumType,
        };
      } catch (error) {
        // The buckets were checked up front, so a bare 404 here is the key.
        if (statusOf(error) === 404) return {found: false};
        throw toStoreError(error, 'HEAD');
      }
    },

    async hash(bucket, key) {
      try {
        const response = await client.send(new GetObjectCommand({Bucket: bucket, Key: key}));
        const md5 = createHash('md5');
        const sha256 = createHash('sha256');
        let size = 0;
        for await (const chunk of response.Body as Readable) {
          md5.update(chunk as Buffer);
          sha256.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        // A connection cut mid-body can end the stream quietly; that is a failed transfer, not a short object.
        if (response.ContentLength !== undefined && size !== response.ContentLength) {
          throw new StoreError(`GET: the body ended after ${size} of ${response.ContentLength} bytes`, true, undefined);
        }
        return {size, md5: md5.digest(), sha256: sha256.digest()};
      } catch (error) {
        if (error instanceof StoreError) throw error;
        if ((error as Error).name === 'NoSuchKey') return undefined;
        throw toStoreError(error, 'GET');
      }
    },

    close: () => client.destroy(),
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode;
}

/** Sorts an SDK or network error into retry-worthy or not, with a message that names what failed. */
export function toStoreError(error: unknown, what: string): StoreError {
  const status = statusOf(error);
  const name = error instanceof Error ? error.name : 'Error';
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  const transient =
    (status !== undefined && (status >= 500 || status === 429 || status === 408)) ||
    transientNames.has(name) ||
    (code !== undefined && transientCodes.has(code)) ||
    /socket hang up|aborted|premature close/i.test(message);
  // HEAD answers have no body, so the SDK can only name them after the status ("NotFound", "Unknown").
  const detail = status === undefined ? message : `${status} ${name === 'Unknown' || name === 'UnknownError' ? '' : name}`.trim();
  return new StoreError(`${what}: ${detail}`, transient, status, {cause: error});
}
