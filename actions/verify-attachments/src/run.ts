import {mkdir, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import {type Clock, ConfigError, countOf, FailureWithOutputs, type Logger, RemoteError} from '@circuitverse/shared';
import type {BlobRecord} from './blob.js';
import type {BlobSource} from './blob-source.js';
import {type BlobResult, checkBlobs, type Selection} from './check-blobs.js';
import {upperConfidenceBound} from './confidence-bound.js';
import type {VerifyAttachmentsInputs} from './inputs.js';
import {type IntegrityReport, integrityFailures, readIntegrity} from './integrity-report.js';
import type {ObjectStore} from './object-store.js';
import {seededRandom} from './random.js';
import {type ActionReport, renderSummary, reportSchemaVersion, type SampleReport} from './report.js';
import {storeRetryPolicy, withRetries} from './retry.js';
import {planSample, type SamplePlan} from './sampling-plan.js';

export interface VerifyAttachmentsOutputs {
  sampled: number;
  missing: number;
  mismatched: number;
  unverifiable: number;
  missingRate: number;
  missingRateUpper: number;
  report: string;
}

export interface VerifyAttachmentsCollaborators {
  logger: Logger;
  clock: Clock;
  /** Opens the database (through the tunnel, if any) or the blobs file. */
  openBlobs: () => Promise<BlobSource>;
  store: ObjectStore;
  /** Where the JSON report goes. */
  reportPath: string;
}

/** More objects missing or mismatched than the inputs tolerate; the outputs and report are complete. */
export class VerificationFailed extends FailureWithOutputs<VerifyAttachmentsOutputs> {
  constructor(message: string, outputs: VerifyAttachmentsOutputs) {
    super(new Error(message), outputs);
  }
}

/** Rows read per query when fetching the sampled blobs. */
const readBatch = 5000;
/** Findings of each integrity class kept in the report: enough to act on, and a bounded report for 10M rows. */
const integrityExamples = 1000;

/** Samples blobs and checks their objects in S3, and reports integrity; writes the report and the summary; fails past the thresholds. */
export async function verifyAttachments(inputs: VerifyAttachmentsInputs, collaborators: VerifyAttachmentsCollaborators): Promise<VerifyAttachmentsOutputs> {
  const {logger, store} = collaborators;
  const sampling = inputs.sampleSize > 0 || inputs.recentSince !== undefined;
  if (sampling) logger.info(`Seed ${inputs.seed}: set seed to this to check the same sample again.`);
  try {
    const blobs = await logger.group('Open the blobs', async () => {
      const source = await collaborators.openBlobs();
      logger.info(`${source.label}: ${source.stratified ? 'stratified by attachment name' : 'no attachment names, one stratum'}`);
      return source;
    });
    let integrity: IntegrityReport | undefined;
    let drawn: {picked: Array<{blob: BlobRecord; selected: Selection}>; plan: SamplePlan} | undefined;
    try {
      if (inputs.integrity) integrity = await logger.group('Integrity report', () => reportIntegrity(blobs, inputs, logger));
      if (sampling) {
        await logger.group('Check the buckets', () => checkBuckets(inputs, collaborators));
        drawn = await logger.group('Sample', () => pickBlobs(blobs, inputs, logger));
      }
    } finally {
      await blobs.close();
    }
    let sample: SampleReport | undefined;
    if (drawn) {
      const {picked, plan} = drawn;
      const results = await logger.group(`Check ${countOf(picked.length, 'object')} (${inputs.verify})`, () => checkAll(picked, inputs, collaborators));
      sample = buildSampleReport(inputs, plan, results, blobs);
    }

    const outputs = {
      sampled: sample?.counts.checked ?? 0,
      missing: sample?.counts.missing ?? 0,
      mismatched: sample?.counts.mismatched ?? 0,
      unverifiable: sample?.counts.unverifiable ?? 0,
      missingRate: sample?.missingRate ?? 0,
      missingRateUpper: sample?.missingRateUpper ?? 0,
      report: collaborators.reportPath,
    };
    const sampleFailures = [
      outputs.missing > inputs.maxMissing ? `${outputs.missing} missing (max-missing: ${inputs.maxMissing})` : '',
      outputs.mismatched > inputs.maxMismatched ? `${outputs.mismatched} mismatched (max-mismatched: ${inputs.maxMismatched})` : '',
    ].filter(Boolean);
    const failures = [
      ...(sampleFailures.length ? [`Of ${countOf(outputs.sampled, 'object')} checked, ${sampleFailures.join(' and ')}.`] : []),
      ...(integrity && integrity.verdict === 'fail' ? [`Integrity: ${integrityFailures(integrity).join(', ')}.`] : []),
    ];
    const report: ActionReport = {
      schemaVersion: reportSchemaVersion,
      verdict: failures.length ? 'fail' : 'pass',
      failures,
      checks: {...(sample ? {sample} : {}), ...(integrity ? {integrity} : {})},
    };
    await mkdir(dirname(collaborators.reportPath), {recursive: true});
    await writeFile(collaborators.reportPath, `${JSON.stringify(report, null, 2)}\n`);
    await logger.summary(renderSummary(report, collaborators.reportPath));
    if (failures.length) throw new VerificationFailed(`${failures.join(' ')} See the job summary, or ${outputs.report}.`, outputs);
    return outputs;
  } finally {
    store.close();
  }
}

async function reportIntegrity(blobs: BlobSource, inputs: VerifyAttachmentsInputs, logger: Logger): Promise<IntegrityReport> {
  const {integrity} = inputs;
  if (!integrity || !blobs.sql) throw new ConfigError('integrity', 'needs the database', 'Read the blobs from database-url, or drop integrity.');
  const services = inputs.services.has('') ? undefined : [...inputs.services.keys()];
  const report = await readIntegrity(blobs.sql, {...integrity, services, examples: integrityExamples});
  for (const result of report.classes) {
    const found = result.count === null ? `not checked (${result.skipped})` : `${result.count}${result.failed ? ` (over integrity-max ${result.max})` : ''}`;
    logger.info(`${result.class}: ${found}`);
  }
  return report;
}

// A HEAD on an object in a bucket that does not exist is a bare 404, just like a missing key: without this check a
// typo in services would report every blob missing.
async function checkBuckets(inputs: VerifyAttachmentsInputs, collaborators: VerifyAttachmentsCollaborators): Promise<void> {
  for (const [service, bucket] of inputs.services) {
    const input = service === '' ? 'bucket' : 'services';
    const checked = await withRetries(() => collaborators.store.checkBucket(bucket), {policy: storeRetryPolicy, clock: collaborators.clock});
    if (checked.ok) {
      collaborators.logger.info(`${service || 'every service'} → ${bucket}: reachable`);
      continue;
    }
    const {error} = checked;
    if (error.status === 404) throw new ConfigError(input, `names the bucket "${bucket}", which does not exist`, 'Check the bucket name (and endpoint).');
    if (error.status === 403) {
      throw new RemoteError(`s3://${bucket}`, 'access denied', {
        cause: error,
        next: 'Check the AWS credentials in the environment, and that they may s3:ListBucket and s3:GetObject on this bucket.',
      });
    }
    throw new RemoteError(`s3://${bucket}`, 'could not be reached', {cause: error, remoteOutput: error.message});
  }
}

async function pickBlobs(blobs: BlobSource, inputs: VerifyAttachmentsInputs, logger: Logger) {
  const plan = await planSample(blobs, inputs.sampleSize, seededRandom(inputs.seed));
  const population = `${plan.exact ? '' : '~'}${plan.population} blob(s)${plan.exact ? '' : ' (estimated from the draws)'}`;
  logger.info(`${population}; sampled ${plan.units.length} after probing ${plan.probes} id(s)`);
  if (plan.units.length < Math.min(inputs.sampleSize, plan.population)) {
    logger.warning(`Only ${plan.units.length} of the ${inputs.sampleSize} blobs asked for were found within the draw budget: the ids are sparse.`);
  }
  const sampled: BlobRecord[] = [];
  const ids = plan.units.map(unit => unit.id);
  for (let start = 0; start < ids.length; start += readBatch) sampled.push(...(await blobs.read(ids.slice(start, start + readBatch))));
  const order = new Map(ids.map((id, index) => [id, index]));
  sampled.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));

  const picked = new Map<number, {blob: BlobRecord; selected: Selection}>(sampled.map(blob => [blob.id, {blob, selected: 'sample'}]));
  if (inputs.recentSince) {
    const recent = await blobs.createdSince(inputs.recentSince);
    for (const blob of recent.sort((a, b) => a.id - b.id)) {
      const already = picked.get(blob.id);
      picked.set(blob.id, {blob, selected: already ? 'sample+recent' : 'recent'});
    }
    logger.info(`${countOf(recent.length, 'blob')} created since ${inputs.recentSince.toISOString()}, all checked`);
  }
  return {plan, picked: [...picked.values()]};
}

async function checkAll(
  picked: Array<{blob: BlobRecord; selected: Selection}>,
  inputs: VerifyAttachmentsInputs,
  collaborators: VerifyAttachmentsCollaborators,
) {
  const {logger, clock} = collaborators;
  let lastProgress = clock.now();
  const results = await checkBlobs(
    picked,
    {services: inputs.services, verify: inputs.verify, concurrency: inputs.concurrency},
    {
      store: collaborators.store,
      clock,
      onChecked: done => {
        if (clock.now() - lastProgress < 10_000) return;
        lastProgress = clock.now();
        logger.info(`${done} of ${picked.length} checked`);
      },
    },
  );
  // Keys and service names are the database's, problems quote the store: a line of them must not act as a workflow command.
  for (const result of results) {
    if (result.status !== 'ok') logger.untrusted(`${result.status}: ${result.key} (${result.service} → ${result.bucket ?? '?'}): ${result.problem ?? ''}`);
  }
  // Blobs the action cannot place are a gap in the map, not noise: name the services once, as a warning.
  const unknown = new Map<string, number>();
  for (const result of results) if (result.bucket === undefined) unknown.set(result.service, (unknown.get(result.service) ?? 0) + 1);
  if (unknown.size) {
    const named = [...unknown].map(([service, count]) => `${service} (${count})`).join(', ');
    logger.warning(`Blobs of services not in services, left unverified: ${named}. Map them to their buckets to check them.`);
  }
  return results;
}

function buildSampleReport(inputs: VerifyAttachmentsInputs, plan: SamplePlan, results: BlobResult[], blobs: BlobSource): SampleReport {
  const count = (status: string) => results.filter(result => result.status === status).length;
  const missing = count('missing');
  const failed = missing > inputs.maxMissing || count('mismatched') > inputs.maxMismatched;
  return {
    verdict: failed ? 'fail' : 'pass',
    seed: inputs.seed,
    verify: inputs.verify,
    source: blobs.label,
    sampleSize: inputs.sampleSize,
    recentSince: inputs.recentSince?.toISOString() ?? null,
    population: plan.population,
    populationExact: plan.exact,
    stratified: blobs.stratified,
    strata: plan.strata,
    counts: {
      checked: results.length,
      sampled: results.filter(result => result.selected !== 'recent').length,
      recent: results.filter(result => result.selected !== 'sample').length,
      ok: count('ok'),
      missing,
      mismatched: count('mismatched'),
      unverifiable: count('unverifiable'),
      warned: results.filter(result => result.warnings.length > 0).length,
    },
    missingRate: results.length ? missing / results.length : 0,
    missingRateUpper: upperConfidenceBound(missing, results.length),
    blobs: results,
  };
}
