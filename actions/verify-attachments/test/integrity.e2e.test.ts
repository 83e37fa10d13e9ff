import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {type ActionRun, findSandbox, runAction} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {expectedFindings, faultsSql, type SchemaShape} from './helpers/integrity-faults.js';
import {psqlAt, runPsql} from './helpers/psql.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const tag = `${process.pid}${Date.now().toString(36)}`;
const shapes: Array<SchemaShape & {schema: string}> = [
  {rails: '6.1', variantRecords: true, schema: `va_integrity_${tag}_r61`},
  {rails: '6.1', variantRecords: false, schema: `va_integrity_${tag}_r61_plain`},
  {rails: '7', variantRecords: true, schema: `va_integrity_${tag}_r7`},
  {rails: '7', variantRecords: false, schema: `va_integrity_${tag}_r7_plain`},
];

interface Example {
  blobId?: number;
  attachmentIds?: number[];
  record?: string;
  name?: string;
}
interface ClassResult {
  class: string;
  count: number | null;
  failed: boolean;
  examples: Example[];
}
interface Report {
  schemaVersion: number;
  verdict: string;
  failures: string[];
  checks: {
    sample?: unknown;
    integrity: {
      verdict: string;
      schema: {variantRecords: boolean};
      classes: ClassResult[];
      duplicatesByName: Array<{recordType: string; name: string; single: boolean; groups: number}>;
    };
  };
}

async function reportOf(run: ActionRun): Promise<Report> {
  return JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
}

// Each class's findings by the id a reader would act on: the blob, the attachment, the record or the name.
function findingsOf(report: Report): Record<string, {count: number | null; ids: Array<number | string>}> {
  return Object.fromEntries(
    report.checks.integrity.classes.map(result => [
      result.class,
      {
        count: result.count,
        ids: result.examples.map(example =>
          result.class === 'duplicate'
            ? (example.record as string)
            : result.class === 'attachment-name'
              ? (example.name as string)
              : result.class === 'missing-blob'
                ? (example.attachmentIds?.[0] as number)
                : (example.blobId as number),
        ),
      },
    ]),
  );
}

describe.skipIf(!sandbox)('verify-attachments integrity report against the sandbox', () => {
  if (!sandbox) return;
  const urlFor = (schema: string) => `${sandbox.postgres.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const integrity = (schema: string, inputs: Record<string, string>) =>
    runAction(action, {
      inputs: {
        'database-url': urlFor(schema),
        services: 'amazon=va-integrity-prod\namazon_custom=va-integrity-dev',
        'sample-size': '0',
        integrity: 'true',
        'single-attachments': 'Project#circuit_preview\nprofile_picture',
        ...inputs,
      },
    });

  beforeAll(async () => {
    const now = new Date();
    await runPsql(psqlAt(sandbox.postgres.url), shapes.map(shape => faultsSql(shape.schema, shape, now)).join('\n'));
  });

  afterAll(async () => {
    await runPsql(psqlAt(sandbox.postgres.url), shapes.map(shape => `DROP SCHEMA IF EXISTS ${shape.schema} CASCADE;`).join('\n'));
  });

  for (const shape of shapes) {
    it(`finds exactly the planted faults in a Rails ${shape.rails} schema ${shape.variantRecords ? 'with' : 'without'} variant records`, async () => {
      const run = await integrity(shape.schema, {});
      expect(run.exitCode).toBe(1);
      const report = await reportOf(run);
      expect(report).toMatchObject({schemaVersion: 1, verdict: 'fail', checks: {integrity: {verdict: 'fail', schema: {variantRecords: shape.variantRecords}}}});
      expect(report.checks.sample).toBeUndefined();
      expect(findingsOf(report)).toEqual(expectedFindings(shape));
      // has_many files: several per record, counted, not findings.
      expect(report.checks.integrity.duplicatesByName).toEqual([
        {recordType: 'Project', name: 'files', single: false, groups: 3, attachments: 6},
        {recordType: 'Project', name: 'circuit_preview', single: true, groups: 1, attachments: 2},
        {recordType: 'User', name: 'profile_picture', single: true, groups: 1, attachments: 2},
      ]);
      const empty = shape.rails === '7' ? 2 : 1;
      expect(run.errors).toEqual([
        `Integrity: 2 missing-blob (integrity-max missing-blob=0), 2 orphan (integrity-max orphan=0), 2 duplicate (integrity-max duplicate=0), 1 unknown-service (integrity-max unknown-service=0), ${empty} empty (integrity-max empty=0), 4 content-type (integrity-max content-type=0), 4 filename (integrity-max filename=0), 1 attachment-name (integrity-max attachment-name=0). See the job summary, or ${run.outputs.report}.`,
      ]);
      expect(run.summary.split('\n')[0]).toBe('## Attachments: fail');
      expect(run.summary).toContain('| Blobs attached to nothing (orphans) | `orphan` | 2 | 0 | **fail** |');
      expect(run.summary).toContain('| 1061 | `key0000000000000000000001061` |  |  |  | filename "trailing.png " |');
      expect(run.summary).toContain('`"circuit_preview "`');
    });
  }

  it('passes within the thresholds, and says what it could not check', async () => {
    const run = await integrity(shapes[2]?.schema as string, {
      bucket: 'va-integrity-prod',
      services: '',
      'single-attachments': '',
      'integrity-max': 'missing-blob=2\norphan=2\nempty=2\ncontent-type=4\nfilename=4\nattachment-name=1',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const report = await reportOf(run);
    expect(report.verdict).toBe('pass');
    const skipped = report.checks.integrity.classes.filter(result => result.count === null).map(result => result.class);
    expect(skipped).toEqual(['duplicate', 'unknown-service']);
    expect(run.summary).toContain('## Attachments: pass');
    expect(run.summary).toContain('not checked: no single-attachments given');
  });

  it('counts a blob as an orphan only past orphan-grace', async () => {
    const run = await integrity(shapes[0]?.schema as string, {
      'orphan-grace': '1s',
      'integrity-max': 'missing-blob=9\nempty=9\ncontent-type=9\nfilename=9\nattachment-name=9\nduplicate=9\nunknown-service=9',
    });
    const orphans = (await reportOf(run)).checks.integrity.classes.find(result => result.class === 'orphan');
    expect(orphans?.examples.map(example => example.blobId)).toEqual([1010, 1011, 1012]);
    expect(run.errors).toEqual([`Integrity: 3 orphan (integrity-max orphan=0). See the job summary, or ${run.outputs.report}.`]);
  });

  it.each([
    [
      {'single-attachments': 'project.circuit-preview'},
      'Input "single-attachments" has "project.circuit-preview", which is neither an attachment name nor Model#name. Write each has_one_attached as its name or Model#name, e.g. circuit_preview or Project#circuit_preview.',
    ],
    [
      {'integrity-max': 'orphan=many'},
      'Input "integrity-max" sets orphan to "many", not a whole number. Write orphan=0 or another count of findings to tolerate.',
    ],
    [
      {'integrity-max': 'orphans=3'},
      'Input "integrity-max" names no check "orphans". Write class=count with a class of missing-blob, orphan, duplicate, unknown-service, empty, content-type, filename, attachment-name.',
    ],
    [{'orphan-grace': 'a day'}, 'Input "orphan-grace" is not a duration ("a day"). Write a number with a unit, such as 500ms, 30s, 2m or 1h.'],
    [{integrity: 'false', 'integrity-max': 'orphan=1'}, 'Input "integrity-max" is set, but integrity is off. Set integrity: true, or drop integrity-max.'],
  ])('refuses bad input in one line naming it, reading nothing: %o', async (inputs, error) => {
    // A database that does not exist: the run must stop before it would connect.
    const run = await runAction(action, {
      inputs: {
        'database-url': 'postgres://nobody:secret@127.0.0.1:9/none',
        bucket: 'va-integrity-prod',
        'sample-size': '0',
        integrity: 'true',
        ...inputs,
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([error]);
  });

  it('refuses integrity over a blobs file', async () => {
    const run = await runAction(action, {inputs: {'blobs-file': '/nonexistent.ndjson', bucket: 'va-integrity-prod', integrity: 'true'}});
    expect(run.errors).toEqual([
      'Input "integrity" needs the database, but the blobs come from blobs-file. Read the blobs from database-url, or drop integrity.',
    ]);
  });
});
