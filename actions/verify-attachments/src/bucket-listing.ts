import type {Readable} from 'node:stream';
import {GetObjectCommand, ListObjectsV2Command, type S3Client} from '@aws-sdk/client-s3';
import {StoreError} from './object-store.js';
import {toStoreError} from './s3-store.js';

/** One object as ListObjectsV2 (or an inventory row) shows it. */
export interface ListedObject {
  key: string;
  size: number;
  /** As S3 sends it, quotes included. */
  etag: string | undefined;
  /** Epoch milliseconds. */
  lastModified: number;
}

export interface ListedPage {
  objects: ListedObject[];
  /** Where the next page starts; `undefined` after the last. */
  continuationToken: string | undefined;
}

/** The S3 reads the orphan listing and the inventory check make; throws `StoreError`. */
export interface BucketReader {
  listPage(bucket: string, page: {prefix?: string; startAfter?: string; continuationToken?: string; maxKeys: number}): Promise<ListedPage>;
  /** The object's body as it streams; a missing object is a `StoreError` with status 404. */
  read(bucket: string, key: string): Promise<Readable>;
}

/** The reader over an SDK client the caller owns (and destroys). */
export function createBucketReader(client: S3Client): BucketReader {
  return {
    async listPage(bucket, page) {
      try {
        const listed = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            MaxKeys: page.maxKeys,
            ...(page.prefix ? {Prefix: page.prefix} : {}),
            ...(page.continuationToken ? {ContinuationToken: page.continuationToken} : page.startAfter ? {StartAfter: page.startAfter} : {}),
          }),
        );
        return {
          objects: (listed.Contents ?? []).map(object => ({
            key: object.Key ?? '',
            size: object.Size ?? -1,
            etag: object.ETag,
            lastModified: object.LastModified?.getTime() ?? 0,
          })),
          continuationToken: listed.IsTruncated ? listed.NextContinuationToken : undefined,
        };
      } catch (error) {
        throw toStoreError(error, `ListObjectsV2 ${bucket}`);
      }
    },
    async read(bucket, key) {
      try {
        const response = await client.send(new GetObjectCommand({Bucket: bucket, Key: key}));
        if (!response.Body) throw new StoreError(`GET ${bucket}/${key}: no body`, true, undefined);
        return response.Body as Readable;
      } catch (error) {
        if (error instanceof StoreError) throw error;
        throw toStoreError(error, `GET s3://${bucket}/${key}`);
      }
    },
  };
}
