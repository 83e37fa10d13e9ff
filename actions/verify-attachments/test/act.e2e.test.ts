import {createHash, randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, PutObjectCommand} from '@aws-sdk/client-s3';
import {findSandbox, runAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {awsEnvironment, sandboxS3} from './helpers/sandbox-s3.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe.skipIf(!sandbox)('verify-attachments bundle under act', () => {
  if (!sandbox) return;

  it('verifies a blob with no summary file, warning once that the summary is skipped', async () => {
    const client = sandboxS3(sandbox);
    const bucket = `act-${randomBytes(4).toString('hex')}`;
    const body = Buffer.from('an avatar');
    const blob = {
      key: 'act-avatar',
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
      const run = await runAction(action, {
        inputs: {'blobs-file': blobsFile, services: `amazon=${bucket}`, endpoint: sandbox.s3.endpoint, region: sandbox.s3.region},
        env: awsEnvironment(sandbox),
        act: true,
        withoutSummaryFile: true,
      });
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.sampled).toBe('1');
      expect(run.warnings).toEqual(['No job summary here (act discards them); the summary is skipped.']);
    } finally {
      await client.send(new DeleteObjectCommand({Bucket: bucket, Key: blob.key}));
      await client.send(new DeleteBucketCommand({Bucket: bucket}));
    }
  });
});
