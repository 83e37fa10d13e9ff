import {createHash} from 'node:crypto';
import {ConfigError, countOf} from '@circuitverse/shared';
import pg from 'pg';
import type {Database} from './blob-source.js';
import {parseChecksum} from './checksum-verdict.js';
import {type LegacyFiles, UnreadableLegacyFile} from './legacy-files.js';
import {type LegacyMapping, legacyPath} from './legacy-mapping.js';
import {cell, code} from './markdown.js';

export type LegacyStatus = 'ok' | 'mismatched' | 'unverifiable';

/** One sampled legacy file against the blob its record is attached to. */
export interface LegacyFileResult {
  recordId: string;
  filename: string;
  /** Where the legacy file was looked for; `null` when the filename is not one to follow. */
  path: string | null;
  blobKey: string;
  status: LegacyStatus;
  problem?: string;
}

/** One mapping's findings. */
export interface LegacyMappingReport {
  table: string;
  style: LegacyMapping['style'];
  fileColumn: string;
  recordType: string;
  name: string;
  files: string;
  /** Records with a legacy filename. */
  legacyRecords: number;
  /** Of those, records with no ActiveStorage attachment of `recordType` and `name`. */
  unmigrated: number;
  /** The first of them by id; `attachedAs` is a name that differs only in surrounding whitespace, if one exists. */
  unmigratedExamples: Array<{recordId: string; filename: string; attachedAs: string | null}>;
  sampled: LegacyFileResult[];
}

/** The `legacy` section of the JSON report. */
export interface LegacyReport {
  seed: string;
  sampleSize: number;
  counts: {legacyRecords: number; unmigrated: number; checked: number; ok: number; mismatched: number; unverifiable: number};
  mappings: LegacyMappingReport[];
}

const input = 'legacy-mapping';
const integerTypes = new Set(['smallint', 'integer', 'bigint']);
const maxExamples = 20;
const quote = (name: string) => pg.escapeIdentifier(name);

/**
 * Checks every table and column the mapping names against information_schema, before anything else is read: a
 * mapping that names what is not there is a mistake in the workflow, not a finding.
 */
export async function checkLegacySchema(mappings: LegacyMapping[], database: Database): Promise<void> {
  const attachments = await columnsOf(database, 'active_storage_attachments');
  const missing = ['record_type', 'record_id', 'name', 'blob_id'].filter(column => !attachments.has(column));
  if (missing.length) {
    throw new ConfigError(
      input,
      `is set, but the database's active_storage_attachments has no ${missing.join(', ')}`,
      'Point database-url at the app database whose attachments the legacy records were migrated to.',
    );
  }
  for (const [index, mapping] of mappings.entries()) {
    const columns = await columnsOf(database, mapping.table);
    const where = `entry ${index + 1}`;
    if (columns.size === 0) {
      throw new ConfigError(
        input,
        `${where} names the table ${mapping.table}, which is not in the database's search_path`,
        'Check the table name, e.g. projects.',
      );
    }
    const idType = columns.get('id');
    if (idType !== undefined && !integerTypes.has(idType)) {
      throw new ConfigError(
        input,
        `${where} names the table ${mapping.table}, whose ids are ${idType}`,
        'Only integer ids are supported, as ActiveStorage stores them in record_id.',
      );
    }
    for (const column of ['id', mapping.fileColumn]) {
      if (!columns.has(column)) {
        const fix =
          mapping.style === 'paperclip'
            ? `paperclip: names the attachment, whose filename is in <name>_file_name; ${mapping.table} has ${[...columns.keys()].filter(name => name.endsWith('_file_name')).join(', ') || 'no such column'}.`
            : `carrierwave: names the column mount_uploader stores the filename in; ${mapping.table} has ${[...columns.keys()].join(', ')}.`;
        throw new ConfigError(
          input,
          `${where} names the column ${mapping.table}.${column}, which does not exist`,
          column === 'id' ? 'The records need an id column.' : fix,
        );
      }
    }
  }
}

async function columnsOf(database: Database, table: string): Promise<Map<string, string>> {
  const rows = await database.query<{name: string; type: string}>(
    'reading the legacy tables',
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns
     WHERE table_name = $1 AND table_schema = (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = to_regclass(quote_ident($1)))
     ORDER BY ordinal_position`,
    [table],
  );
  return new Map(rows.map(row => [row.name, row.type]));
}

interface SampleRow {
  id: string;
  filename: string;
  key: string;
  checksum: string | null;
  byte_size: string;
}

/**
 * Per mapping: counts the legacy records and those with no attachment (one anti-join, which PostgreSQL runs as a hash
 * anti-join over a large table and through ActiveStorage's (record_type, record_id, name, blob_id) index for a few
 * rows), then hashes a seeded sample of the migrated ones' legacy files and compares them with their blobs.
 */
export async function compareLegacy(
  mappings: LegacyMapping[],
  options: {seed: string; sampleSize: number; concurrency: number},
  collaborators: {database: Database; files: LegacyFiles; onChecked?: (done: number) => void},
): Promise<LegacyReport> {
  const {database} = collaborators;
  const reports: LegacyMappingReport[] = [];
  const checks: Array<{mapping: LegacyMapping; row: SampleRow; result: LegacyFileResult}> = [];
  for (const mapping of mappings) {
    const table = quote(mapping.table);
    const file = `l.${quote(mapping.fileColumn)}`;
    const legacy = `${file} IS NOT NULL AND ${file} <> ''`;
    const notAttached = 'NOT EXISTS (SELECT 1 FROM active_storage_attachments a WHERE a.record_type = $1 AND a.record_id = l.id AND a.name = $2)';
    // Apart, not as count(*) FILTER (WHERE NOT EXISTS …): in a FILTER the lookup runs once per row, where in WHERE
    // the planner makes it one hash anti-join (measured 10.6 s against 1.7 s on a million records).
    const [legacyCount] = await database.query<{count: string}>(
      'counting the legacy records',
      `SELECT count(*)::text AS count FROM ${table} l WHERE ${legacy}`,
      [],
    );
    const [unmigratedCount] = await database.query<{count: string}>(
      'counting the legacy records without an attachment',
      `SELECT count(*)::text AS count FROM ${table} l WHERE ${legacy} AND ${notAttached}`,
      [mapping.recordType, mapping.name],
    );
    const unmigrated = Number(unmigratedCount?.count ?? 0);
    const examples = unmigrated
      ? await database.query<{id: string; filename: string; attached_as: string | null}>(
          'listing the legacy records without an attachment',
          `SELECT l.id::text AS id, ${file} AS filename,
             (SELECT min(a.name) FROM active_storage_attachments a WHERE a.record_type = $1 AND a.record_id = l.id AND btrim(a.name) = $2) AS attached_as
           FROM ${table} l WHERE ${legacy} AND ${notAttached} ORDER BY l.id LIMIT $3`,
          [mapping.recordType, mapping.name, maxExamples],
        )
      : [];
    // Seeded: PostgreSQL's hash of the id under the seed orders the migrated records the same way on every run with
    // the same seed (it is the hash partitioning function, so it stays the same across versions), and costs a
    // fifth of md5(seed || id) (0.7 s against 3.3 s on a million records).
    const sample = await database.query<SampleRow>(
      'sampling the migrated legacy records',
      `SELECT l.id::text AS id, ${file} AS filename, b.key, b.checksum, b.byte_size::text AS byte_size
       FROM ${table} l
       JOIN active_storage_attachments a ON a.record_type = $1 AND a.record_id = l.id AND a.name = $2
       JOIN active_storage_blobs b ON b.id = a.blob_id
       WHERE ${legacy} ORDER BY hashint8extended(l.id::bigint, $3::bigint), a.id LIMIT $4`,
      [mapping.recordType, mapping.name, seedNumber(options.seed), options.sampleSize],
    );
    const sampled = sample.map(row => {
      const result: LegacyFileResult = {
        recordId: row.id,
        filename: row.filename,
        path: legacyPath(mapping, row.id, row.filename) ?? null,
        blobKey: row.key,
        status: 'ok',
      };
      checks.push({mapping, row, result});
      return result;
    });
    reports.push({
      table: mapping.table,
      style: mapping.style,
      fileColumn: mapping.fileColumn,
      recordType: mapping.recordType,
      name: mapping.name,
      files: mapping.files.label,
      legacyRecords: Number(legacyCount?.count ?? 0),
      unmigrated,
      unmigratedExamples: examples.map(row => ({recordId: row.id, filename: row.filename, attachedAs: row.attached_as})),
      sampled,
    });
  }

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < checks.length) {
      const check = checks[next++] as (typeof checks)[number];
      Object.assign(check.result, await judgeLegacyFile(check.mapping, check.row, check.result.path, collaborators.files));
      collaborators.onChecked?.(++done);
    }
  };
  await Promise.all(Array.from({length: Math.min(options.concurrency, checks.length)}, worker));

  const results = checks.map(check => check.result);
  const count = (status: LegacyStatus) => results.filter(result => result.status === status).length;
  return {
    seed: options.seed,
    sampleSize: options.sampleSize,
    counts: {
      legacyRecords: reports.reduce((sum, report) => sum + report.legacyRecords, 0),
      unmigrated: reports.reduce((sum, report) => sum + report.unmigrated, 0),
      checked: results.length,
      ok: count('ok'),
      mismatched: count('mismatched'),
      unverifiable: count('unverifiable'),
    },
    mappings: reports,
  };
}

/** The seed as the signed 64-bit number hashint8extended takes: the first 8 bytes of its SHA-256. */
function seedNumber(seed: string): string {
  return createHash('sha256').update(seed).digest().readBigInt64LE(0).toString();
}

/** Whether the legacy file holds the bytes of the blob it was migrated to: size, then the blob's checksum. */
async function judgeLegacyFile(
  mapping: LegacyMapping,
  row: SampleRow,
  path: string | null,
  files: LegacyFiles,
): Promise<{status: LegacyStatus; problem?: string}> {
  if (path === null) return {status: 'unverifiable', problem: `the filename ${JSON.stringify(row.filename)} is not a file name`};
  let digest: Awaited<ReturnType<LegacyFiles['hash']>>;
  try {
    digest = await files.hash(mapping.files, path);
  } catch (error) {
    if (error instanceof UnreadableLegacyFile) return {status: 'unverifiable', problem: error.message};
    throw error;
  }
  if (digest === undefined) return {status: 'unverifiable', problem: `no legacy file at ${path}`};
  if (digest.size !== Number(row.byte_size)) return {status: 'mismatched', problem: `legacy file is ${digest.size} bytes, the blob ${row.byte_size}`};
  const expected = parseChecksum(row.checksum);
  if ('problem' in expected) return {status: 'unverifiable', problem: expected.problem};
  const actual = expected.algorithm === 'md5' ? digest.md5 : digest.sha256;
  if (actual.equals(expected.digest)) return {status: 'ok'};
  const algorithm = expected.algorithm === 'md5' ? 'MD5' : 'SHA-256';
  return {
    status: 'mismatched',
    problem: `legacy file's ${algorithm} is ${actual.toString('base64')}, the blob's checksum ${expected.digest.toString('base64')}`,
  };
}

const maxRows = 100;

/** The summary's table of the legacy mappings. */
export function renderLegacyTable(report: LegacyReport): string[] {
  const {counts} = report;
  const headline =
    counts.unmigrated + counts.mismatched === 0
      ? `every one of ${countOf(counts.legacyRecords, 'legacy record')} migrated, ${counts.checked} checked file(s) equal`
      : `${counts.unmigrated} not migrated, ${counts.mismatched} differ`;
  const lines = [
    `### Legacy attachments: ${headline}`,
    '',
    '| Table | Legacy column | Attachment | Legacy records | Not migrated | Files checked | Differ | Unverifiable |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const mapping of report.mappings) {
    const status = (wanted: LegacyStatus) => mapping.sampled.filter(result => result.status === wanted).length;
    lines.push(
      `| ${code(mapping.table)} | ${code(mapping.fileColumn)} | ${code(mapping.recordType)} ${code(JSON.stringify(mapping.name))} | ${mapping.legacyRecords} | ${mapping.unmigrated} | ${mapping.sampled.length} | ${status('mismatched')} | ${status('unverifiable')} |`,
    );
  }
  lines.push('');
  return lines;
}

/** The summary's legacy examples: records not migrated, then legacy files unlike their blob. */
export function renderLegacyExamples(report: LegacyReport): string[] {
  const lines: string[] = [];
  const unmigrated = report.mappings.flatMap(mapping => mapping.unmigratedExamples.map(example => ({mapping, example})));
  if (unmigrated.length) {
    lines.push('### Legacy records not migrated', '', '| Record | Legacy filename | Note |', '| --- | --- | --- |');
    for (const {mapping, example} of unmigrated.slice(0, maxRows)) {
      const note = example.attachedAs === null ? '' : `attached as ${code(JSON.stringify(example.attachedAs))}, which Rails does not find`;
      lines.push(`| ${code(`${mapping.recordType} ${example.recordId}`)} | ${code(example.filename)} | ${note} |`);
    }
    lines.push('', `The first ${maxExamples} of each table by id; the counts above are complete.`, '');
  }
  const failures = report.mappings.flatMap(mapping =>
    mapping.sampled
      .filter(result => result.status !== 'ok')
      .sort((a, b) => Number(a.recordId) - Number(b.recordId))
      .map(result => ({mapping, result})),
  );
  if (failures.length) {
    lines.push('### Legacy files', '', '| Record | Legacy file | Blob | Status | What is wrong |', '| --- | --- | --- | --- | --- |');
    for (const {mapping, result} of failures.slice(0, maxRows)) {
      lines.push(
        `| ${code(`${mapping.recordType} ${result.recordId}`)} | ${code(result.path ?? result.filename)} | ${code(result.blobKey)} | ${result.status} | ${cell(result.problem ?? '')} |`,
      );
    }
    if (failures.length > maxRows) lines.push('', `…and ${failures.length - maxRows} more in the report.`);
    lines.push('');
  }
  return lines;
}
