import {join} from 'node:path';
import {findSandbox, runLocalAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {awsEnvironment, withOneBlob} from './helpers/sandbox-s3.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe.skipIf(!sandbox)('verify-attachments through @github/local-action', () => {
  if (!sandbox) return;

  it('verifies a blob in the sandbox S3 server', async () => {
    await withOneBlob(sandbox, 'localaction', async ({bucket, blobsFile}) => {
      const run = await runLocalAction(action, {
        inputs: {'blobs-file': blobsFile, services: `amazon=${bucket}`, endpoint: sandbox.s3.endpoint, region: sandbox.s3.region},
        env: awsEnvironment(sandbox),
      });
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.sampled).toBe('1');
      expect(run.outputs.missing).toBe('0');
    });
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
