import {mkdir, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import {type Clock, ConfigError, countOf, FailureWithOutputs, type Logger, RemoteError, runPhase, type Tracer} from '@circuitverse/shared';
import type {BlobRecord} from './blob.js';
import type {BlobKeys} from './blob-keys.js';
import type {BlobSource} from './blob-source.js';
import {checkBucketInputs, checkEveryBlob, listOrphans} from './bucket-checks.js';
import type {BucketReader} from './bucket-listing.js';
import type {OrphansReport} from './bucket-orphans.js';
import {type BlobResult, checkBlobs, type Selection} from './check-blobs.js';
import {upperConfidenceBound} from './confidence-bound.js';
import type {LegacyInputs, VerifyAttachmentsInputs} from './inputs.js';
import {type IntegrityReport, integrityFailures, readIntegrity} from './integrity-report.js';
import type {InventoryReport} from './inventory-check.js';
import type {InventoryManifest} from './inventory-manifest.js';
import {checkLegacySchema, compareLegacy, type LegacyReport} from './legacy-comparison.js';
import type {LegacyFiles} from './legacy-files.js';
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
  /** `undefined` when no sample was checked: a rate of nothing is no evidence. */
  missingRate?: number;
  missingRateUpper?: number;
  report: string;
  /** With legacy-mapping: legacy records without an attachment, and sampled legacy files that differ from their blob. */
  unmigrated?: number;
  legacyMismatched?: number;
}

export interface VerifyAttachmentsCollaborators {
  logger: Logger;
  tracer: Tracer;
  clock: Clock;
  /** Opens the database (through the tunnel, if any) or the blobs file. */
  openBlobs: () => Promise<BlobSource>;
  store: ObjectStore;
  /** Where the legacy files are read, with legacy-mapping. */
  legacyFiles?: LegacyFiles;
  /** Where the JSON report goes. */
  reportPath: string;
  /** Lists the buckets and reads the inventory, for the orphan and inventory checks. */
  reader: BucketReader;
  /** Opens the database for key lookups (through the tunnel, if any). */
  openBlobKeys: () => Promise<BlobKeys>;
  /** Where the inventory's rows are sorted, on disk. */
  spillDirectory: string;
}

/** A check past its thresholds (the sample's, integrity's, legacy, orphans, inventory); the outputs and report are complete. */
export class VerificationFailed extends FailureWithOutputs<VerifyAttachmentsOutputs> {
  constructor(message: string, outputs: VerifyAttachmentsOutputs) {
    super(new Error(message), outputs);
  }
}

/** Rows read per query when fetching the sampled blobs. */
const readBatch = 5000;
/** Findings of each integrity class kept in the report: enough to act on, and a bounded report for 10M rows. */
const integrityExamples = 1000;

/** Runs the checks the inputs ask for (sample, integrity, legacy, orphans, inventory); writes the report and the summary; fails past the thresholds. */
export async function verifyAttachments(inputs: VerifyAttachmentsInputs, collaborators: VerifyAttachmentsCollaborators): Promise<VerifyAttachmentsOutputs> {
  const {logger, store} = collaborators;
  const sampling = samples(inputs);
  if (sampling || inputs.legacy) logger.info(`Seed ${inputs.seed}: set seed to this to check the same sample again.`);
  try {
    // Before anything is read: a manifest that is not one, or a bucket that cannot be listed, is bad input.
    const manifest =
      inputs.orphans || inputs.inventoryManifest
        ? await runPhase(collaborators, 'listings', 'Check the listings and the inventory', () => checkBucketInputs(inputs, collaborators))
        : undefined;
    const buckets = bucketsToCheck(inputs);
    if (buckets.length) await runPhase(collaborators, 'buckets', 'Check the buckets', () => checkBuckets(buckets, collaborators));
    const blobs = await runPhase(collaborators, 'open', 'Open the blobs', async span => {
      const source = await collaborators.openBlobs();
      span.setAttributes({'verify.source': source.label, 'verify.stratified': source.stratified});
      logger.info(`${source.label}: ${source.stratified ? 'stratified by attachment name' : 'no attachment names, one stratum'}`);
      return source;
    });
    let integrity: IntegrityReport | undefined;
    let legacy: LegacyReport | undefined;
    let drawn: {picked: Array<{blob: BlobRecord; selected: Selection}>; plan: SamplePlan} | undefined;
    try {
      // First, as it checks its tables' names before it reads them: a mapping naming what is not there is bad input.
      if (inputs.legacy) {
        const legacyInputs = inputs.legacy;
        legacy = await runPhase(collaborators, 'legacy', 'Compare the legacy attachments', () =>
          compareLegacyAttachments(legacyInputs, inputs, blobs, collaborators),
        );
      }
      if (inputs.integrity) integrity = await runPhase(collaborators, 'integrity', 'Integrity report', () => reportIntegrity(blobs, inputs, logger));
      if (sampling) {
        drawn = await runPhase(collaborators, 'plan', 'Sample', async span => {
          const sample = await pickBlobs(blobs, inputs, logger);
          span.setAttributes({
            'verify.seed': String(inputs.seed),
            'verify.population': sample.plan.population,
            'verify.population_exact': sample.plan.exact,
            'verify.picked': sample.picked.length,
          });
          return sample;
        });
      }
    } finally {
      await blobs.close();
    }
    let sample: SampleReport | undefined;
    if (drawn) {
      const {picked, plan} = drawn;
      const results = await runPhase(collaborators, 'check', `Check ${countOf(picked.length, 'object')} (${inputs.verify})`, async span => {
        const checked = await checkAll(picked, inputs, collaborators);
        const count = (status: string) => checked.filter(result => result.status === status).length;
        span.setAttributes({
          'verify.mode': inputs.verify,
          'verify.checked': checked.length,
          'verify.ok': count('ok'),
          'verify.missing': count('missing'),
          'verify.mismatched': count('mismatched'),
          'verify.unverifiable': count('unverifiable'),
        });
        return checked;
      });
      sample = buildSampleReport(inputs, plan, results, blobs);
    }
    const {orphans, inventory} = await runBucketChecks(inputs, manifest, collaborators);

    const outputs = {
      sampled: sample?.counts.checked ?? 0,
      missing: sample?.counts.missing ?? 0,
      mismatched: sample?.counts.mismatched ?? 0,
      unverifiable: sample?.counts.unverifiable ?? 0,
      ...(sample ? {missingRate: sample.missingRate, missingRateUpper: sample.missingRateUpper} : {}),
      report: collaborators.reportPath,
      ...(legacy ? {unmigrated: legacy.counts.unmigrated, legacyMismatched: legacy.counts.mismatched} : {}),
    };
    const sampleFailures = [
      outputs.missing > inputs.maxMissing ? `${outputs.missing} missing (max-missing: ${inputs.maxMissing})` : '',
      outputs.mismatched > inputs.maxMismatched ? `${outputs.mismatched} mismatched (max-mismatched: ${inputs.maxMismatched})` : '',
    ].filter(Boolean);
    const legacyOver = legacy && inputs.legacy ? legacyFailures(legacy, inputs.legacy) : [];
    const orphansOver = orphans && orphans.count > orphans.threshold;
    const inventoryOver = inventory && inventory.count > inventory.threshold;
    const failures = [
      ...(sampleFailures.length ? [`Of ${countOf(outputs.sampled, 'object')} checked, ${sampleFailures.join(' and ')}.`] : []),
      ...(integrity && integrity.verdict === 'fail' ? [`Integrity: ${integrityFailures(integrity).join(', ')}.`] : []),
      ...(legacyOver.length ? [`${capitalize(legacyOver.join(' and '))}.`] : []),
      ...(orphansOver ? [`${countOf(orphans.count, 'S3 object')} without a blob row (max-orphan-objects: ${orphans.threshold}).`] : []),
      ...(inventoryOver
        ? [`${countOf(inventory.count, 'blob')} missing from the inventory or mismatched (max-inventory-faults: ${inventory.threshold}).`]
        : []),
    ];
    const verdict = (failed: boolean) => (failed ? ('fail' as const) : ('pass' as const));
    const report: ActionReport = {
      schemaVersion: reportSchemaVersion,
      verdict: verdict(failures.length > 0),
      failures,
      checks: {
        ...(sample ? {sample} : {}),
        ...(integrity ? {integrity} : {}),
        ...(legacy ? {legacy: {...legacy, verdict: verdict(legacyOver.length > 0)}} : {}),
        ...(orphans ? {orphans: {...orphans, verdict: verdict(Boolean(orphansOver))}} : {}),
        ...(inventory ? {inventory: {...inventory, verdict: verdict(Boolean(inventoryOver))}} : {}),
      },
    };
    await collaborators.tracer.span('report', {}, async () => {
      await mkdir(dirname(collaborators.reportPath), {recursive: true});
      await writeFile(collaborators.reportPath, `${JSON.stringify(report, null, 2)}\n`);
      await logger.summary(renderSummary(report, collaborators.reportPath));
    });
    if (failures.length) throw new VerificationFailed(`${failures.join(' ')} See the job summary, or ${outputs.report}.`, outputs);
    return outputs;
  } finally {
    store.close();
  }
}

async function compareLegacyAttachments(
  legacy: LegacyInputs,
  inputs: VerifyAttachmentsInputs,
  blobs: BlobSource,
  collaborators: VerifyAttachmentsCollaborators,
): Promise<LegacyReport> {
  const {logger, clock, legacyFiles} = collaborators;
  // The inputs refuse legacy-mapping without database-url, and main hands in the files whenever it is set.
  if (!blobs.database || !legacyFiles) throw new Error('the legacy comparison needs the database and the legacy files');
  await checkLegacySchema(legacy.mappings, blobs.database);
  let lastProgress = clock.now();
  try {
    const report = await compareLegacy(
      legacy.mappings,
      {seed: inputs.seed, sampleSize: legacy.sampleSize, concurrency: inputs.concurrency},
      {
        database: blobs.database,
        files: legacyFiles,
        onChecked: done => {
          if (clock.now() - lastProgress < 10_000) return;
          lastProgress = clock.now();
          logger.info(`${done} legacy file(s) checked`);
        },
      },
    );
    for (const mapping of report.mappings) {
      logger.info(
        `${mapping.table}.${mapping.fileColumn} → ${mapping.recordType} ${JSON.stringify(mapping.name)}: ${mapping.legacyRecords} legacy record(s), ${mapping.unmigrated} without an attachment, ${mapping.sampled.length} file(s) checked`,
      );
      // Filenames and paths are the database's: a line of them must not act as a workflow command.
      for (const example of mapping.unmigratedExamples) logger.untrusted(`not migrated: ${mapping.recordType} ${example.recordId} (${example.filename})`);
      for (const result of mapping.sampled) {
        if (result.status !== 'ok')
          logger.untrusted(`${result.status}: ${mapping.recordType} ${result.recordId} (${result.path ?? result.filename}): ${result.problem ?? ''}`);
      }
      // Not one file read is a wrong path template far more often than a whole table of lost files.
      const unread = mapping.sampled.filter(result => result.status === 'unverifiable').length;
      if (unread > 0 && unread === mapping.sampled.length) {
        logger.warning(
          `None of the ${unread} sampled legacy files of ${mapping.table}.${mapping.fileColumn} could be read: check its files template in legacy-mapping.`,
        );
      }
    }
    return report;
  } finally {
    legacyFiles.close();
  }
}

function legacyFailures(report: LegacyReport, legacy: LegacyInputs): string[] {
  const {unmigrated, mismatched} = report.counts;
  return [
    unmigrated > legacy.maxUnmigrated ? `${countOf(unmigrated, 'legacy record')} without an attachment (max-unmigrated: ${legacy.maxUnmigrated})` : '',
    mismatched > legacy.maxMismatched ? `${countOf(mismatched, 'legacy file')} unlike the blob (max-legacy-mismatched: ${legacy.maxMismatched})` : '',
  ].filter(Boolean);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function reportIntegrity(blobs: BlobSource, inputs: VerifyAttachmentsInputs, logger: Logger): Promise<IntegrityReport> {
  const {integrity} = inputs;
  if (!integrity || !blobs.database) throw new ConfigError('integrity', 'needs the database', 'Read the blobs from database-url, or drop integrity.');
  const services = inputs.services.has('') ? undefined : [...inputs.services.keys()];
  const report = await readIntegrity(blobs.database, {...integrity, services, examples: integrityExamples});
  for (const result of report.classes) {
    const found = result.count === null ? `not checked (${result.skipped})` : `${result.count}${result.failed ? ` (over integrity-max ${result.max})` : ''}`;
    logger.info(`${result.class}: ${found}`);
  }
  return report;
}

// A HEAD on an object in a bucket that does not exist is a bare 404, just like a missing key: without this check a
// typo in services would report every blob missing, and one in legacy-mapping every legacy file unverifiable.
function samples(inputs: VerifyAttachmentsInputs): boolean {
  return inputs.sampleSize > 0 || inputs.recentSince !== undefined;
}

function bucketsToCheck(inputs: VerifyAttachmentsInputs): Array<{input: string; label: string; bucket: string}> {
  return [
    ...(samples(inputs)
      ? [...inputs.services].map(([service, bucket]) => ({input: service === '' ? 'bucket' : 'services', label: service || 'every service', bucket}))
      : []),
    ...(inputs.legacy?.mappings ?? []).flatMap(mapping =>
      mapping.files.kind === 's3' ? [{input: 'legacy-mapping', label: `${mapping.table}.${mapping.fileColumn}`, bucket: mapping.files.bucket}] : [],
    ),
  ];
}

async function checkBuckets(buckets: Array<{input: string; label: string; bucket: string}>, collaborators: VerifyAttachmentsCollaborators): Promise<void> {
  const checked = new Set<string>();
  for (const {input, label, bucket} of buckets) {
    if (checked.has(bucket)) continue;
    checked.add(bucket);
    const result = await withRetries(() => collaborators.store.checkBucket(bucket), {policy: storeRetryPolicy, clock: collaborators.clock});
    if (result.ok) {
      collaborators.logger.info(`${label} → ${bucket}: reachable`);
      continue;
    }
    const {error} = result;
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

async function runBucketChecks(
  inputs: VerifyAttachmentsInputs,
  manifest: InventoryManifest | undefined,
  collaborators: VerifyAttachmentsCollaborators,
): Promise<{orphans: OrphansReport | null; inventory: InventoryReport | null}> {
  if (!inputs.orphans && !manifest) return {orphans: null, inventory: null};
  const blobKeys = await collaborators.openBlobKeys();
  try {
    const orphans = inputs.orphans
      ? await runPhase(collaborators, 'orphans', 'List the buckets for orphans', () => listOrphans(inputs, {...collaborators, blobKeys}))
      : null;
    const inventory = manifest
      ? await runPhase(collaborators, 'inventory', 'Check every blob against the inventory', () =>
          checkEveryBlob(inputs, manifest, {...collaborators, blobKeys}),
        )
      : null;
    return {orphans, inventory};
  } finally {
    await blobKeys.close();
  }
}
