import '@circuitverse/shared/bundle-globals';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InputReader, systemClock} from '@circuitverse/shared';
import {createActionsLogger, runStep} from '@circuitverse/shared/actions';
import {openBlobKeys} from './blob-keys.js';
import {openBlobSource, openDatabase} from './blob-source.js';
import {createBucketReader} from './bucket-listing.js';
import {readInputs} from './inputs.js';
import {type VerifyAttachmentsOutputs, verifyAttachments} from './run.js';
import {createS3Client, createS3Store} from './s3-store.js';

function toOutputs(outputs: VerifyAttachmentsOutputs) {
  return {
    sampled: String(outputs.sampled),
    missing: String(outputs.missing),
    mismatched: String(outputs.mismatched),
    unverifiable: String(outputs.unverifiable),
    'missing-rate': String(outputs.missingRate),
    'missing-rate-upper': String(outputs.missingRateUpper),
    report: outputs.report,
  };
}

/** The verify step; the action has no post step. */
export async function run(): Promise<void> {
  const logger = createActionsLogger();
  await runStep({
    main: async () => {
      const inputs = readInputs(new InputReader(process.env), logger, new Date());
      const s3 = {region: inputs.region, endpoint: inputs.endpoint, concurrency: inputs.concurrency};
      const listing = createS3Client(s3);
      const temp = process.env.RUNNER_TEMP ?? tmpdir();
      try {
        return await verifyAttachments(inputs, {
          logger,
          clock: systemClock,
          openBlobs: () => openBlobSource(inputs),
          store: createS3Store(s3),
          // GITHUB_ACTION is the step's id: two verify steps in one job keep two reports.
          reportPath: join(temp, `verify-attachments-${process.env.GITHUB_ACTION ?? process.pid}.json`),
          reader: createBucketReader(listing),
          openBlobKeys: () => openDatabase(inputs.source.kind === 'database' ? inputs.source.url : '', inputs.tunnel, openBlobKeys),
          spillDirectory: temp,
        });
      } finally {
        listing.destroy();
      }
    },
    outputs: toOutputs,
  });
}
