import type {Logger} from '@circuitverse/shared';
import type {VerifyAttachmentsInputs} from './inputs.js';

export interface VerifyAttachmentsOutputs {
  sampled: number;
  missing: number;
  mismatched: number;
  unverifiable: number;
  missingRate: number;
  missingRateUpper: number;
  report: string;
}

/** Samples blobs and checks their objects in S3. */
export async function verifyAttachments(inputs: VerifyAttachmentsInputs, collaborators: {logger: Logger}): Promise<VerifyAttachmentsOutputs> {
  collaborators.logger.info(`Seed ${inputs.seed}; sample of ${inputs.sampleSize}`);
  throw new Error('Verifying attachments is not implemented yet (circuitverse/actions#5).');
}
