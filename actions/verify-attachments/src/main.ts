import '@circuitverse/shared/bundle-globals';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InputReader, parseTraceparent, systemClock} from '@circuitverse/shared';
import {createActionsLogger, runStep, traceStep} from '@circuitverse/shared/actions';
import {openBlobKeys} from './blob-keys.js';
import {openBlobSource, openDatabase} from './blob-source.js';
import {createBucketReader} from './bucket-listing.js';
import {readInputs} from './inputs.js';
import {createLegacyFiles} from './legacy-files.js';
import {type VerifyAttachmentsOutputs, verifyAttachments} from './run.js';
import {createS3Client, createS3Store} from './s3-store.js';

function toOutputs(outputs: VerifyAttachmentsOutputs) {
  return {
    sampled: String(outputs.sampled),
    missing: String(outputs.missing),
    mismatched: String(outputs.mismatched),
    unverifiable: String(outputs.unverifiable),
    ...(outputs.missingRate === undefined ? {} : {'missing-rate': String(outputs.missingRate)}),
    ...(outputs.missingRateUpper === undefined ? {} : {'missing-rate-upper': String(outputs.missingRateUpper)}),
    report: outputs.report,
    ...(outputs.unmigrated === undefined ? {} : {unmigrated: String(outputs.unmigrated)}),
    ...(outputs.legacyMismatched === undefined ? {} : {'legacy-mismatched': String(outputs.legacyMismatched)}),
  };
}

/** The verify step; the action has no post step. */
export async function run(): Promise<void> {
  const logger = createActionsLogger();
  await runStep({
    main: () => {
      const reader = new InputReader(process.env);
      return traceStep(
        {name: 'verify-attachments', taskType: 'test'},
        {traceparent: parseTraceparent(reader.optional('traceparent')), logger},
        async tracer => {
          const inputs = readInputs(reader, logger, new Date());
          const s3 = {region: inputs.region, endpoint: inputs.endpoint, concurrency: inputs.concurrency};
          const store = createS3Store(s3);
          const listing = createS3Client(s3);
          const temp = process.env.RUNNER_TEMP ?? tmpdir();
          try {
            return await verifyAttachments(inputs, {
              logger,
              tracer,
              clock: systemClock,
              openBlobs: () => openBlobSource(inputs),
              store,
              ...(inputs.legacy ? {legacyFiles: createLegacyFiles({credentials: inputs.legacy.credentials, store, clock: systemClock})} : {}),
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
      );
    },
    outputs: toOutputs,
  });
}
