import {join} from 'node:path';
import {findSandbox, runAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {awsEnvironment, withOneBlob} from './helpers/sandbox-s3.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe.skipIf(!sandbox)('verify-attachments bundle under act', () => {
  if (!sandbox) return;

  it('verifies a blob with no summary file, warning once that the summary is skipped', async () => {
    await withOneBlob(sandbox, 'act', async ({bucket, blobsFile}) => {
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
    });
  });
});
