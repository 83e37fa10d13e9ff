import {createHash, randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type {Sandbox} from '@circuitverse/testkit';
import type {PlantedDataset} from './active-storage.js';
import type {ObjectQuirk} from './s3-proxy.js';

/** A client for the sandbox's s3rver, which accepts any credentials and wants path-style URLs. */
export function sandboxS3(sandbox: Sandbox): S3Client {
  return new S3Client({
    endpoint: sandbox.s3.endpoint,
    region: sandbox.s3.region,
    forcePathStyle: true,
    credentials: {accessKeyId: sandbox.s3.accessKeyId, secretAccessKey: sandbox.s3.secretAccessKey},
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** The AWS variables the action reads, through the SDK's default chain, to reach the sandbox's S3. */
export function awsEnvironment(sandbox: Sandbox): Record<string, string> {
  return {AWS_ACCESS_KEY_ID: sandbox.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.s3.secretAccessKey, AWS_REGION: sandbox.s3.region};
}

/** Creates the dataset's buckets and uploads its objects, in parts where planted; returns how real S3 would show them. */
export async function uploadDataset(client: S3Client, dataset: PlantedDataset): Promise<Map<string, ObjectQuirk>> {
  for (const bucket of Object.values(dataset.buckets)) await client.send(new CreateBucketCommand({Bucket: bucket}));
  const quirks = new Map<string, ObjectQuirk>();
  const uploads = dataset.blobs.filter(blob => blob.object !== undefined && blob.bucket !== undefined);
  let next = 0;
  const worker = async () => {
    while (next < uploads.length) {
      const blob = uploads[next++];
      if (!blob?.object || !blob.bucket) continue;
      const quirk: ObjectQuirk = {};
      if (blob.parts > 1) quirk.multipartEtag = await uploadInParts(client, blob.bucket, blob.key, blob.object, blob.parts, blob.objectContentType);
      else await client.send(new PutObjectCommand({Bucket: blob.bucket, Key: blob.key, Body: blob.object, ContentType: blob.objectContentType}));
      if (blob.plant === 'kms') quirk.kms = true;
      if (blob.checksum?.startsWith('sha256:')) quirk.sha256 = createHash('sha256').update(blob.object).digest('base64');
      if (Object.keys(quirk).length) quirks.set(blob.key, quirk);
    }
  };
  await Promise.all(Array.from({length: 16}, worker));
  return quirks;
}

async function uploadInParts(client: S3Client, bucket: string, key: string, body: Buffer, parts: number, contentType: string): Promise<string> {
  const {UploadId} = await client.send(new CreateMultipartUploadCommand({Bucket: bucket, Key: key, ContentType: contentType}));
  const size = Math.ceil(body.length / parts);
  const partMd5s: Buffer[] = [];
  const completed = [];
  for (let part = 1; part <= parts; part++) {
    const chunk = body.subarray((part - 1) * size, part * size);
    partMd5s.push(createHash('md5').update(chunk).digest());
    const {ETag} = await client.send(new UploadPartCommand({Bucket: bucket, Key: key, UploadId, PartNumber: part, Body: chunk}));
    completed.push({ETag, PartNumber: part});
  }
  await client.send(new CompleteMultipartUploadCommand({Bucket: bucket, Key: key, UploadId, MultipartUpload: {Parts: completed}}));
  return `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${parts}`;
}

/** Empties and deletes buckets this test created. */
export async function deleteBuckets(client: S3Client, buckets: string[]): Promise<void> {
  for (const bucket of buckets) {
    // s3rver 3.7 answers ListObjectsV2 from this SDK with InternalError; the v1 listing works.
    for (let round = 0; round < 100; round++) {
      const listed = await client.send(new ListObjectsCommand({Bucket: bucket, MaxKeys: 1000})).catch(() => undefined);
      const keys = listed?.Contents?.flatMap(object => (object.Key ? [{Key: object.Key}] : [])) ?? [];
      if (keys.length === 0) break;
      // s3rver 3.7 keeps a key's "/" as directories and deletes a batch's keys at once, each removing the directories
      // it empties: two under one directory race, and the loser's late write crashes the server. One at a time, then.
      const nested = keys.filter(key => key.Key.includes('/'));
      for (const key of nested) await client.send(new DeleteObjectCommand({Bucket: bucket, Key: key.Key}));
      const flat = keys.filter(key => !key.Key.includes('/'));
      if (flat.length) await client.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: flat}}));
    }
    await client.send(new DeleteBucketCommand({Bucket: bucket})).catch(() => {});
  }
}

/**
 * A fresh bucket holding one avatar, and its blob row in an NDJSON file, for a run of the action against the sandbox's
 * S3 server; both go once `work` ends.
 */
export async function withOneBlob(sandbox: Sandbox, prefix: string, work: (run: {bucket: string; blobsFile: string}) => Promise<void>): Promise<void> {
  const client = sandboxS3(sandbox);
  const bucket = `${prefix}-${randomBytes(4).toString('hex')}`;
  const body = Buffer.from('an avatar');
  const blob = {
    key: `${prefix}-avatar`,
    byte_size: body.length,
    checksum: createHash('md5').update(body).digest('base64'),
    service_name: 'amazon',
    content_type: 'text/plain',
    created_at: '2026-11-27T12:00:00Z',
  };
  const blobsFile = join(tmpdir(), `${bucket}.ndjson`);
  await writeFile(blobsFile, `${JSON.stringify(blob)}\n`);
  await client.send(new CreateBucketCommand({Bucket: bucket}));
  await client.send(new PutObjectCommand({Bucket: bucket, Key: blob.key, Body: body, ContentType: 'text/plain'}));
  try {
    await work({bucket, blobsFile});
  } finally {
    await client.send(new DeleteObjectCommand({Bucket: bucket, Key: blob.key}));
    await client.send(new DeleteBucketCommand({Bucket: bucket}));
  }
}
