import type {Clock} from '@circuitverse/shared';
import type {BlobRecord} from './blob.js';
import {judgeBody, judgeHead, parseChecksum, type Status, type Verdict, type VerifyMode} from './checksum-verdict.js';
import type {ObjectStore, StoreError} from './object-store.js';
import {storeRetryPolicy, withRetries} from './retry.js';

/** Why a blob is checked: drawn into the sample, created since `recent-since`, or both. */
export type Selection = 'sample' | 'recent' | 'sample+recent';

export interface BlobResult {
  id: number;
  key: string;
  service: string;
  /** `undefined` when the service is not in the map. */
  bucket: string | undefined;
  attachmentName: string | null;
  createdAt: string;
  byteSize: number;
  checksum: string | null;
  selected: Selection;
  status: Status;
  problem?: string;
  warnings: string[];
  /** HTTP requests made for this blob, retries included. */
  requests: number;
}

export interface CheckOptions {
  /** Service name → bucket; the empty name is the bucket for every service. */
  services: ReadonlyMap<string, string>;
  verify: VerifyMode;
  concurrency: number;
}

/** Checks every blob against its object, `concurrency` at a time; the results keep the blobs' order. */
export async function checkBlobs(
  blobs: ReadonlyArray<{blob: BlobRecord; selected: Selection}>,
  options: CheckOptions,
  collaborators: {store: ObjectStore; clock: Clock; onChecked?: (done: number) => void},
): Promise<BlobResult[]> {
  const results: BlobResult[] = new Array(blobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < blobs.length) {
      const index = next++;
      const {blob, selected} = blobs[index] as {blob: BlobRecord; selected: Selection};
      results[index] = await checkBlob(blob, selected, options, collaborators);
      collaborators.onChecked?.(++done);
    }
  };
  await Promise.all(Array.from({length: Math.min(options.concurrency, blobs.length)}, worker));
  return results;
}

async function checkBlob(blob: BlobRecord, selected: Selection, options: CheckOptions, collaborators: {store: ObjectStore; clock: Clock}): Promise<BlobResult> {
  const bucket = options.services.get(blob.serviceName) ?? options.services.get('');
  const result = (verdict: Verdict, requests: number): BlobResult => ({
    id: blob.id,
    key: blob.key,
    service: blob.serviceName,
    bucket,
    attachmentName: blob.attachmentName,
    createdAt: blob.createdAt,
    byteSize: blob.byteSize,
    checksum: blob.checksum,
    selected,
    status: verdict.status,
    ...(verdict.problem === undefined ? {} : {problem: verdict.problem}),
    warnings: verdict.warnings,
    requests,
  });
  if (bucket === undefined) {
    return result({status: 'unverifiable', problem: `service "${blob.serviceName}" is not in services, so its bucket is unknown`, warnings: []}, 0);
  }

  const expected = parseChecksum(blob.checksum);
  const sha256 = options.verify === 'checksum' && 'algorithm' in expected && expected.algorithm === 'sha256';
  const retry = {policy: storeRetryPolicy, clock: collaborators.clock};
  const head = await withRetries(() => collaborators.store.head(bucket, blob.key, {sha256}), retry);
  if (!head.ok) return result(failed(head.error, head.attempts), head.attempts);
  const verdict = judgeHead(blob, head.value, options.verify);
  if (verdict !== 'hash-body') return result(verdict, head.attempts);

  const body = await withRetries(() => collaborators.store.hash(bucket, blob.key), retry);
  const requests = head.attempts + body.attempts;
  if (!body.ok) return result(failed(body.error, body.attempts), requests);
  // judgeHead asks for the body only after a HEAD that found the object.
  return result(judgeBody(blob, head.value as Extract<typeof head.value, {found: true}>, body.value), requests);
}

/** A blob the store would not answer for: it may well be there, so it is unverifiable, never missing. */
function failed(error: StoreError, attempts: number): Verdict {
  const tries = error.transient ? ` after ${attempts} tries` : '';
  // Without s3:ListBucket, S3 answers a HEAD for a missing key with 403, not 404.
  const hint = error.status === 403 ? ' (access denied; the credentials need s3:GetObject and s3:ListBucket)' : '';
  return {status: 'unverifiable', problem: `${error.message}${tries}${hint}`, warnings: []};
}
