import {createHash, randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, PutObjectCommand} from '@aws-sdk/client-s3';
import {findSandbox, runLocalAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {awsEnvironment, sandboxS3} from './helpers/sandbox-s3.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe.skipIf(!sandbox)('verify-attachments through @github/local-action', () => {
  if (!sandbox) return;

  it('verifies a blob in the sandbox S3 server', async () => {
    const client = sandboxS3(sandbox);
    const bucket = `localaction-${randomBytes(4).toString('hex')}`;
    const body = Buffer.from('an avatar');
    const blob = {
      key: 'localaction-avatar',
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
      const run = await runLocalAction(action, {
        inputs: {'blobs-file': blobsFile, services: `amazon=${bucket}`, endpoint: sandbox.s3.endpoint, region: sandbox.s3.region},
        env: awsEnvironment(sandbox),
      });
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.sampled).toBe('1');
      expect(run.outputs.missing).toBe('0');
    } finally {
      await client.send(new DeleteObjectCommand({Bucket: bucket, Key: blob.key}));
      await client.send(new DeleteBucketCommand({Bucket: bucket}));
    }
  });

  it('fails a bad input with exit code 1 and one clean line', async () => {
    const run = await runLocalAction(action, {inputs: {'database-url': sandbox.postgres.url, services: 'amazon=Bad_Bucket'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^Input "services" names an invalid bucket "Bad_Bucket"/);
    expect(run.log).not.toMatch(/^\s+at .*src\//m);
    expect(run.log).not.toContain(sandbox.postgres.password);
  });
});
