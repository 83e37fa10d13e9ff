import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {noopTracer} from '@circuitverse/shared';
import {recordingTracer, stub} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import type {BlobRecord} from '../src/blob.js';
import type {BlobKeys} from '../src/blob-keys.js';
import type {BlobSource} from '../src/blob-source.js';
import type {BucketReader} from '../src/bucket-listing.js';
import type {VerifyAttachmentsInputs} from '../src/inputs.js';
import {parseIntegrityMax} from '../src/integrity-report.js';
import type {LegacyFiles} from '../src/legacy-files.js';
import {parseLegacyMapping} from '../src/legacy-mapping.js';
import {StoreError} from '../src/object-store.js';
import {VerificationFailed, type VerifyAttachmentsCollaborators, verifyAttachments} from '../src/run.js';
import {blobFor, headFor} from './helpers/blobs.js';
import {fakeClock, recordingLogger, stubStore} from './helpers/fakes.js';
import {memorySpace} from './helpers/memory-space.js';

const body = 'preview bytes';

function memoryBlobs(records: BlobRecord[]): BlobSource {
  const space = memorySpace(records.map(blob => ({id: blob.id, stratum: blob.attachmentName})));
  return {
    ...space,
    label: 'memory',
    read: async ids => records.filter(blob => ids.includes(blob.id)),
    createdSince: async since => records.filter(blob => Date.parse(blob.createdAt) >= since.getTime()),
    close: async () => {},
  };
}

const records = [
  blobFor(body, {id: 1, key: 'present'}),
  blobFor(body, {id: 2, key: 'gone', attachmentName: 'profile_picture'}),
  blobFor(body, {id: 3, key: 'short', byteSize: 3}),
  blobFor(body, {id: 4, key: 'local', serviceName: 'local'}),
  blobFor(body, {id: 5, key: 'fresh', createdAt: '2026-11-27T11:30:00.000000Z', contentType: 'img/jpeg'}),
];

const inputs: VerifyAttachmentsInputs = {
  source: {kind: 'database', url: 'postgres://x@y/z'},
  tunnel: undefined,
  sampleSize: 200,
  seed: '42',
  recentSince: undefined,
  services: new Map([['amazon', 'circuitverse-images-prod']]),
  region: undefined,
  endpoint: undefined,
  verify: 'checksum',
  concurrency: 4,
  maxMissing: 0,
  maxMismatched: 0,
  legacy: undefined,
  orphans: false,
  orphanGraceMs: 86_400_000,
  maxOrphanObjects: 0,
  inventoryManifest: undefined,
  maxInventoryFaults: 0,
  integrity: undefined,
};

const store = () =>
  stubStore({
    checkBucket: async () => {},
    head: async (_, key) => (key === 'gone' ? {found: false} : headFor(body)),
  });

async function run(
  overrides: Partial<VerifyAttachmentsInputs> = {},
  objectStore = store(),
  more: Partial<VerifyAttachmentsCollaborators> & Pick<BlobSource, 'database'> = {},
) {
  const logger = recordingLogger();
  const reportPath = join(await mkdtemp(join(tmpdir(), 'report-')), 'report.json');
  const {database, ...collaboratorsGiven} = more;
  const collaborators = {
    logger,
    tracer: noopTracer,
    clock: fakeClock(),
    openBlobs: async () => ({...memoryBlobs(records), ...(database ? {database} : {})}),
    store: objectStore,
    reportPath,
    reader: stub<BucketReader>('BucketReader', {}),
    openBlobKeys: () => Promise.reject(new Error('openBlobKeys was not expected to be called')),
    spillDirectory: tmpdir(),
    ...collaboratorsGiven,
  };
  const outcome = await verifyAttachments({...inputs, ...overrides}, collaborators).catch((error: unknown) => error);
  return {outcome, logger, reportPath};
}

describe('verifyAttachments', () => {
  it('fails past the thresholds, with complete outputs, report and summary', async () => {
    const {outcome, logger, reportPath} = await run();
    expect(outcome).toBeInstanceOf(VerificationFailed);
    const failure = outcome as VerificationFailed;
    expect(failure.message).toBe(
      `Of 5 objects checked, 1 missing (max-missing: 0) and 1 mismatched (max-mismatched: 0). See the job summary, or ${reportPath}.`,
    );
    expect(failure.outputs).toMatchObject({sampled: 5, missing: 1, mismatched: 1, unverifiable: 1, missingRate: 0.2, report: reportPath});
    expect(failure.outputs.missingRateUpper).toBeCloseTo(0.6574, 4);

    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    expect(report.checks.sample.blobs.map((blob: {key: string; status: string}) => [blob.key, blob.status])).toEqual(
      expect.arrayContaining([
        ['present', 'ok'],
        ['gone', 'missing'],
        ['short', 'mismatched'],
        ['local', 'unverifiable'],
        ['fresh', 'ok'],
      ]),
    );
    const summary = logger.summaries.join('\n');
    expect(report).toMatchObject({schemaVersion: 1, verdict: 'fail', failures: [failure.message.replace(/ See the job summary.*/, '')]});
    expect(summary.split('\n')[0]).toBe('## Attachments: fail');
    expect(summary).toContain('### Sample: 1 missing, 1 mismatched of 5');
    expect(summary).toContain('| `gone` | amazon | circuitverse-images-prod | `"profile_picture"` | missing | no such object (404) |');
    expect(summary).toContain('| `local` | local | — | `"circuit_preview"` | unverifiable | service "local" is not in services, so its bucket is unknown |');
    expect(summary).toContain('| Missing rate | 20.00% (95% upper bound 65.75%) |');
    expect(summary).toContain('| `"profile_picture"` | 1 | 1 | 1 | 1 | 0 | 0 |');
    expect(summary).toContain('| Seed | `42` |');
    expect(summary).toContain('1 object carries a warning');
    expect(logger.lines[0]).toBe('Seed 42: set seed to this to check the same sample again.');
    expect(logger.lines).toContain('warning: Blobs of services not in services, left unverified: local (1). Map them to their buckets to check them.');
  });

  it('logs the blobs that failed as untrusted text, since their keys come from the database', async () => {
    const {logger} = await run();
    const named = logger.lines.filter(line => /\b(gone|short|local)\b/.test(line) && !line.startsWith('warning: '));
    expect(named).toEqual([
      'untrusted: missing: gone (amazon → circuitverse-images-prod): no such object (404)',
      'untrusted: mismatched: short (amazon → circuitverse-images-prod): size is 13 bytes, the database says 3',
      'untrusted: unverifiable: local (local → ?): service "local" is not in services, so its bucket is unknown',
    ]);
  });

  it('traces each stage, the check with its counts', async () => {
    const tracer = recordingTracer();
    await run({maxMissing: 10, maxMismatched: 10}, store(), {tracer});
    expect(tracer.tree()).toEqual(['buckets', 'open', 'plan', 'check', 'report']);
    expect(tracer.all().find(span => span.name === 'check')?.attributes).toMatchObject({
      'verify.checked': 5,
      'verify.ok': 2,
      'verify.missing': 1,
      'verify.mismatched': 1,
      'verify.unverifiable': 1,
    });
  });

  it('lists the buckets for orphans after the sample, with its own report section and threshold', async () => {
    const listed = ['present', 'gone-blob-object', 'short'].map(key => ({key, size: 1, etag: '"x"', lastModified: 0}));
    const opened: string[] = [];
    const {outcome, logger, reportPath} = await run({orphans: true, orphanGraceMs: 0, maxMissing: 1, maxMismatched: 1}, store(), {
      reader: stub<BucketReader>('BucketReader', {listPage: async () => ({objects: listed, continuationToken: undefined})}),
      openBlobKeys: async () => {
        opened.push('keys');
        return stub<BlobKeys>('BlobKeys', {
          present: async (keys: string[]) => new Set(keys.filter(key => key !== 'gone-blob-object')),
          close: async () => {
            opened.push('closed');
          },
        });
      },
    });
    expect((outcome as Error).message).toBe(`1 S3 object without a blob row (max-orphan-objects: 0). See the job summary, or ${reportPath}.`);
    expect(opened).toEqual(['keys', 'closed']);
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    expect(report.checks.orphans).toMatchObject({
      verdict: 'fail',
      buckets: ['circuitverse-images-prod'],
      listed: 3,
      count: 1,
      examples: [{key: 'gone-blob-object'}],
      threshold: 0,
    });
    expect(report.checks.inventory).toBeUndefined();
    expect(logger.lines.filter(line => line.startsWith('▸'))).toEqual([
      '▸ Check the listings and the inventory',
      '▸ Check the buckets',
      '▸ Open the blobs',
      '▸ Sample',
      '▸ Check 5 objects (checksum)',
      '▸ List the buckets for orphans',
    ]);
    expect(logger.summaries[0]).toContain('### S3 objects without a blob row: 1');
  });

  it('passes within the thresholds', async () => {
    const {outcome} = await run({maxMissing: 1, maxMismatched: 1});
    expect(outcome).toMatchObject({sampled: 5, missing: 1, mismatched: 1});
  });

  it('checks every recent blob on top of the sample, and says which is which', async () => {
    const {reportPath} = await run({sampleSize: 1, recentSince: new Date('2026-11-27T11:00:00Z'), maxMissing: 9, maxMismatched: 9});
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    const fresh = report.checks.sample.blobs.find((blob: {key: string}) => blob.key === 'fresh');
    expect(fresh.selected).toMatch(/recent/);
    expect(report.checks.sample.counts.recent).toBe(1);
    expect(report.checks.sample.counts.sampled).toBe(1);
  });

  it('refuses a bucket that does not exist before checking any object', async () => {
    const objectStore = stubStore({
      checkBucket: async () => {
        throw new StoreError('HEAD bucket x: 404 NotFound', false, 404);
      },
    });
    const {outcome} = await run({}, objectStore);
    expect(outcome).toMatchObject({
      name: 'ConfigError',
      input: 'services',
      message: expect.stringContaining('names the bucket "circuitverse-images-prod", which does not exist'),
    });
  });

  it('says when the credentials may not use a bucket', async () => {
    const objectStore = stubStore({
      checkBucket: async () => {
        throw new StoreError('HEAD bucket x: 403 Forbidden', false, 403);
      },
    });
    const {outcome} = await run({}, objectStore);
    expect(outcome).toMatchObject({
      name: 'RemoteError',
      message: expect.stringMatching(/^s3:\/\/circuitverse-images-prod: access denied\. Check the AWS credentials/),
    });
  });

  describe('with a legacy mapping', () => {
    const mappings = parseLegacyMapping(
      '- {table: projects, carrierwave: image_preview, record_type: Project, name: circuit_preview, files: "s3://legacy-bucket/{id}/{filename}"}',
    );
    const legacyInputs = {mappings, credentials: undefined, sampleSize: 10, maxUnmigrated: 0, maxMismatched: 0};
    const clean = {maxMissing: 9, maxMismatched: 9};
    const columns = ['id', 'record_type', 'record_id', 'name', 'blob_id', 'image_preview'].map(name => ({name, type: name.endsWith('id') ? 'bigint' : 'text'}));
    const database = (answers: Record<string, object[]>) => ({
      query: async <T extends object>(what: string) => {
        const rows = what === 'reading the legacy tables' ? columns : answers[what];
        if (!rows) throw new Error(`unexpected query: ${what}`);
        return rows as T[];
      },
    });
    const closed: string[] = [];
    const files = stub<LegacyFiles>('files', {hash: async () => undefined, close: () => closed.push('files')});

    it('fails past its own thresholds, with its outputs and its section of the report', async () => {
      const answers = {
        'counting the legacy records': [{count: '3'}],
        'counting the legacy records without an attachment': [{count: '2'}],
        'listing the legacy records without an attachment': [{id: '1', filename: 'a.png', attached_as: null}],
        'sampling the migrated legacy records': [],
      };
      const {outcome, logger, reportPath} = await run({...clean, legacy: legacyInputs}, store(), {database: database(answers), legacyFiles: files});
      const failure = outcome as VerificationFailed;
      expect(failure.message).toBe(`2 legacy records without an attachment (max-unmigrated: 0). See the job summary, or ${reportPath}.`);
      expect(failure.outputs).toMatchObject({unmigrated: 2, legacyMismatched: 0, missing: 1});
      expect(JSON.parse(await readFile(reportPath, 'utf8')).checks.legacy.counts).toEqual({
        legacyRecords: 3,
        unmigrated: 2,
        checked: 0,
        ok: 0,
        mismatched: 0,
        unverifiable: 0,
      });
      expect(logger.summaries.join('\n')).toContain('### Legacy attachments: 2 not migrated, 0 differ');
      expect(logger.lines.filter(line => line.startsWith('▸ ')).slice(0, 3)).toEqual([
        '▸ Check the buckets',
        '▸ Open the blobs',
        '▸ Compare the legacy attachments',
      ]);
      expect(closed).toContain('files');
    });

    it('refuses a legacy bucket that does not exist before the database is opened', async () => {
      const inBucket = parseLegacyMapping(
        '- {table: projects, carrierwave: image_preview, record_type: Project, name: circuit_preview, files: "s3://legacy-typo/{id}/{filename}"}',
      );
      const objectStore = stubStore({
        checkBucket: async bucket => {
          if (bucket === 'legacy-typo') throw new StoreError('HEAD bucket legacy-typo: 404 NotFound', false, 404);
        },
      });
      const {outcome, logger} = await run({sampleSize: 0, legacy: {...legacyInputs, mappings: inBucket}}, objectStore, {legacyFiles: files});
      expect(outcome).toMatchObject({name: 'ConfigError', input: 'legacy-mapping', message: expect.stringContaining('"legacy-typo", which does not exist')});
      expect(logger.lines).not.toContain('▸ Open the blobs');
    });

    it('refuses a mapping naming an unknown table before any object or blob is read', async () => {
      // Only the buckets' HEADs come first; a read of an object or a legacy file would throw here.
      const objectStore = stubStore({checkBucket: async () => {}});
      const unknownTable = {query: async <T extends object>() => [] as T[]};
      const {outcome} = await run({legacy: legacyInputs}, objectStore, {database: unknownTable, legacyFiles: files});
      expect(outcome).toMatchObject({name: 'ConfigError', input: 'legacy-mapping'});
    });
  });

  describe('with integrity', () => {
    const integrity = {orphanCutoff: new Date('2026-11-26T12:00:00Z'), singles: [], max: parseIntegrityMax(new Map([['orphan', '1']]))};
    const schemaRows = ['id', 'key', 'filename', 'content_type', 'service_name', 'byte_size', 'checksum', 'created_at']
      .map(column => ({table_name: 'active_storage_blobs', column_name: column, data_type: 'bigint'}))
      .concat(
        ['id', 'name', 'record_type', 'record_id', 'blob_id'].map(column => ({
          table_name: 'active_storage_attachments',
          column_name: column,
          data_type: 'bigint',
        })),
      );
    // The database as the integrity queries see it: two orphans and a blob of an unknown service.
    const query = async <T extends object>(what: string) => {
      const rows: Record<string, Array<Record<string, unknown>>> = {
        'reading the ActiveStorage schema': schemaRows,
        'finding orphan blobs': [
          {class: 'orphan', total: '2', id: '7', key: 'k7'},
          {class: 'orphan', total: '2', id: '8', key: 'k8'},
        ],
        'checking the blob rows': [{class: 'unknown-service', total: '1', id: '4', key: 'local', service_name: 'local'}],
      };
      return (rows[what] ?? []) as T[];
    };

    it('reports integrity alone with sample-size 0, touching no bucket, and fails past integrity-max', async () => {
      const {outcome, logger, reportPath} = await run({sampleSize: 0, integrity}, stubStore(), {database: {query}});
      expect(outcome).toBeInstanceOf(VerificationFailed);
      expect((outcome as VerificationFailed).message).toBe(
        `Integrity: 2 orphan (integrity-max orphan=1), 1 unknown-service (integrity-max unknown-service=0). See the job summary, or ${reportPath}.`,
      );
      // A rate of no objects is no evidence: a gate on missing-rate-upper must not pass on it.
      expect((outcome as VerificationFailed).outputs).not.toHaveProperty('missingRateUpper');
      const report = JSON.parse(await readFile(reportPath, 'utf8'));
      expect(Object.keys(report.checks)).toEqual(['integrity']);
      expect(report.checks.integrity.classes.find((result: {class: string}) => result.class === 'orphan')).toMatchObject({count: 2, max: 1, failed: true});
      expect(logger.lines).toContain('orphan: 2 (over integrity-max 1)');
      expect(logger.lines.filter(line => line.startsWith('▸ '))).toEqual(['▸ Open the blobs', '▸ Integrity report']);
      const summary = logger.summaries.join('\n');
      expect(summary.indexOf('## Attachments: fail')).toBe(0);
      expect(summary.indexOf('### Integrity: 2 class(es) over their threshold')).toBeLessThan(summary.indexOf('### Integrity: Blobs attached to nothing'));
      expect(summary).not.toContain('Set `seed');
    });

    it('puts one table per check before every example, and both checks in the error', async () => {
      const {outcome, logger} = await run({integrity}, store(), {database: {query}});
      expect((outcome as VerificationFailed).message).toMatch(/^Of 5 objects checked, 1 missing .*\. Integrity: 2 orphan .*\. See the job summary/);
      const headings = logger.summaries
        .join('\n')
        .split('\n')
        .filter(line => line.startsWith('#'));
      expect(headings).toEqual([
        '## Attachments: fail',
        '### Sample: 1 missing, 1 mismatched of 5',
        '### By attachment name',
        '### Integrity: 2 class(es) over their threshold',
        '### Sample failures',
        '### Integrity: Blobs attached to nothing (orphans) (`orphan`)',
        '### Integrity: Blobs of a service not in services (`unknown-service`)',
      ]);
    });

    it('refuses integrity over a source without SQL, naming the input', async () => {
      const {outcome} = await run({integrity});
      expect(outcome).toMatchObject({name: 'ConfigError', input: 'integrity'});
    });
  });
});
