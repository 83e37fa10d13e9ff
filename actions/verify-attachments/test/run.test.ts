import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {BlobRecord} from '../src/blob.js';
import type {BlobSource} from '../src/blob-source.js';
import type {VerifyAttachmentsInputs} from '../src/inputs.js';
import {parseIntegrityMax, type SqlRunner} from '../src/integrity-report.js';
import {StoreError} from '../src/object-store.js';
import {VerificationFailed, verifyAttachments} from '../src/run.js';
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
  integrity: undefined,
};

const store = () =>
  stubStore({
    checkBucket: async () => {},
    head: async (_, key) => (key === 'gone' ? {found: false} : headFor(body)),
  });

async function run(overrides: Partial<VerifyAttachmentsInputs> = {}, objectStore = store(), sql?: SqlRunner) {
  const logger = recordingLogger();
  const reportPath = join(await mkdtemp(join(tmpdir(), 'report-')), 'report.json');
  const openBlobs = async () => ({...memoryBlobs(records), ...(sql ? {sql} : {})});
  const collaborators = {logger, clock: fakeClock(), openBlobs, store: objectStore, reportPath};
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
    const sql: SqlRunner = async <T extends object>(what: string) => {
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
      const {outcome, logger, reportPath} = await run({sampleSize: 0, integrity}, stubStore(), sql);
      expect(outcome).toBeInstanceOf(VerificationFailed);
      expect((outcome as VerificationFailed).message).toBe(
        `Integrity: 2 orphan (integrity-max orphan=1), 1 unknown-service (integrity-max unknown-service=0). See the job summary, or ${reportPath}.`,
      );
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
      const {outcome, logger} = await run({integrity}, store(), sql);
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
