import {ConfigError, countOf} from '@circuitverse/shared';
import type {Database} from './blob-source.js';
import {cell, code} from './markdown.js';

/** The kinds of damage the integrity check finds in ActiveStorage's tables, in report order. */
export const integrityClasses = ['missing-blob', 'orphan', 'duplicate', 'unknown-service', 'empty', 'content-type', 'filename', 'attachment-name'] as const;
export type IntegrityClass = (typeof integrityClasses)[number];

const classTitles: Record<IntegrityClass, string> = {
  'missing-blob': 'Attachments whose blob row is missing',
  orphan: 'Blobs attached to nothing (orphans)',
  duplicate: 'Duplicate attachments of a single attachment',
  'unknown-service': 'Blobs of a service not in services',
  empty: 'Blobs with byte_size 0 or no checksum',
  'content-type': 'Content types not type/subtype, or not the extension’s',
  filename: 'Filenames with edge whitespace or control characters',
  'attachment-name': 'Attachment names with edge whitespace or control characters',
};

/** A `has_one_attached`: the name, and the model when the input gave one (`Project#circuit_preview`). */
export interface SingleAttachment {
  recordType: string | undefined;
  name: string;
}

export interface IntegrityOptions {
  /** Blobs created before this and attached to nothing are orphans. */
  orphanCutoff: Date;
  singles: SingleAttachment[];
  /** The configured service names; `undefined` when one bucket stands for every service. */
  services: string[] | undefined;
  /** Threshold per class: more findings than this fail the step. */
  max: Record<IntegrityClass, number>;
  /** Examples kept per class in the report. */
  examples: number;
}

/** What the schema has, as information_schema tells: the parts of the SQL that differ between apps. */
export interface IntegritySchema {
  variantRecords: boolean;
  /** created_at is `timestamptz` (datetime_type :timestamptz) rather than Rails' default `timestamp`. */
  zonedCreatedAt: boolean;
}

export interface IntegrityExample {
  /** Blob classes: the blob; missing-blob: the blob the attachment names. */
  blobId?: number;
  key?: string;
  /** Attachment classes: the attachments concerned (for a duplicate, all of its group's). */
  attachmentIds?: number[];
  /** `record_type#record_id`. */
  record?: string;
  /** The attachment name (quoted as stored, trailing spaces and all). */
  name?: string;
  /** What is wrong with it, for the reader. */
  detail: string;
}

export interface IntegrityClassResult {
  class: IntegrityClass;
  /** Findings: rows, or duplicate groups; `null` when the class could not be checked (see `skipped`). */
  count: number | null;
  max: number;
  failed: boolean;
  /** Why the class was not checked. */
  skipped?: string;
  /** The first findings by id, at most `examples` of them. */
  examples: IntegrityExample[];
}

export interface DuplicateNameCount {
  recordType: string;
  name: string;
  /** Whether single-attachments names it, so that its duplicates are findings. */
  single: boolean;
  /** (record_type, record_id, name) groups with more than one attachment. */
  groups: number;
  attachments: number;
}

/** The integrity section of the JSON report. */
export interface IntegrityReport {
  verdict: 'pass' | 'fail';
  schema: IntegritySchema;
  orphanCutoff: string;
  classes: IntegrityClassResult[];
  duplicatesByName: DuplicateNameCount[];
}

export interface IntegrityQuery {
  what: string;
  text: string;
  values: unknown[];
}

const singlePattern = /^(?:([A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*)#)?([a-z_][A-Za-z0-9_]*)$/;

/** single-attachments: `name` (any model) or `Model#name`, one per line or comma. */
export function parseSingleAttachments(items: string[]): SingleAttachment[] {
  return items.map(item => {
    const match = singlePattern.exec(item);
    if (!match) {
      throw new ConfigError(
        'single-attachments',
        `has "${item}", which is neither an attachment name nor Model#name`,
        'Write each has_one_attached as its name or Model#name, e.g. circuit_preview or Project#circuit_preview.',
      );
    }
    return {recordType: match[1], name: match[2] as string};
  });
}

/** integrity-max: `class=count` lines; classes not named keep 0. */
export function parseIntegrityMax(pairs: Map<string, string>): Record<IntegrityClass, number> {
  const max = Object.fromEntries(integrityClasses.map(name => [name, 0])) as Record<IntegrityClass, number>;
  for (const [name, value] of pairs) {
    if (!(integrityClasses as readonly string[]).includes(name)) {
      throw new ConfigError('integrity-max', `names no check "${name}"`, `Write class=count with a class of ${integrityClasses.join(', ')}.`);
    }
    const count = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(count)) {
      throw new ConfigError('integrity-max', `sets ${name} to "${value}", not a whole number`, `Write ${name}=0 or another count of findings to tolerate.`);
    }
    max[name as IntegrityClass] = count;
  }
  return max;
}

/** Reads which of ActiveStorage's tables and columns exist, in the schema where search_path finds the blobs. */
export const schemaQuery: IntegrityQuery = {
  what: 'reading the ActiveStorage schema',
  text: `SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('active_storage_blobs'))
      AND table_name IN ('active_storage_blobs', 'active_storage_attachments', 'active_storage_variant_records')`,
  values: [],
};

const requiredColumns: Record<string, string[]> = {
  active_storage_blobs: ['id', 'key', 'filename', 'content_type', 'service_name', 'byte_size', 'checksum', 'created_at'],
  active_storage_attachments: ['id', 'name', 'record_type', 'record_id', 'blob_id'],
};

/** The schema from information_schema's columns, or the ConfigError naming what is missing. */
export function describeIntegritySchema(rows: Array<{table_name: string; column_name: string; data_type: string}>): IntegritySchema {
  const columns = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const table = columns.get(row.table_name) ?? new Map<string, string>();
    table.set(row.column_name, row.data_type);
    columns.set(row.table_name, table);
  }
  for (const [table, wanted] of Object.entries(requiredColumns)) {
    const missing = wanted.filter(column => !columns.get(table)?.has(column));
    if (missing.length) {
      throw new ConfigError(
        'integrity',
        `needs ${table}.${missing.join(', ')}, which the database lacks`,
        'Point database-url at a Rails 6.1 or later app database, or set integrity: false.',
      );
    }
  }
  return {
    variantRecords: columns.get('active_storage_variant_records')?.has('blob_id') ?? false,
    zonedCreatedAt: columns.get('active_storage_blobs')?.get('created_at') === 'timestamp with time zone',
  };
}

/** Extensions of the common image types and the content types each may carry. */
const imageTypes: Record<string, string[]> = {
  png: ['image/png'],
  jpg: ['image/jpeg', 'image/pjpeg'],
  jpeg: ['image/jpeg', 'image/pjpeg'],
  gif: ['image/gif'],
  webp: ['image/webp'],
  svg: ['image/svg+xml'],
  bmp: ['image/bmp', 'image/x-bmp', 'image/x-ms-bmp'],
  tif: ['image/tiff'],
  tiff: ['image/tiff'],
  avif: ['image/avif'],
  heic: ['image/heic'],
  ico: ['image/vnd.microsoft.icon', 'image/x-icon'],
};

// RFC 6838's restricted names, with parameters allowed after a semicolon.
const mediaType = '^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*[[:space:]]*(;.*)?$';
const badText = '^[[:space:]]|[[:space:]]$|[[:cntrl:]]';

const sqlText = (text: string) => `'${text.replace(/'/g, "''")}'`;
const extension = String.raw`lower(substring(b.filename from '\.([A-Za-z0-9]+)$'))`;
const expectedTypes = `CASE ${extension} ${Object.entries(imageTypes)
  .map(([ext, types]) => `WHEN ${sqlText(ext)} THEN ARRAY[${types.map(sqlText).join(', ')}]`)
  .join(' ')} END`;
const contentTypeOf = "lower(trim(split_part(b.content_type, ';', 1)))";

/**
 * The queries, each one pass over a table or one join through ActiveStorage's indexes, so the cost grows with the
 * tables and never with round trips: each materializes its findings once, counts them, and keeps the first by id.
 */
export function planIntegrityQueries(schema: IntegritySchema, options: IntegrityOptions): IntegrityQuery[] {
  const limit = options.examples;
  const cutoff = options.orphanCutoff.toISOString().replace('Z', '');
  const createdAt = schema.zonedCreatedAt ? "(b.created_at AT TIME ZONE 'UTC')" : 'b.created_at';
  // A variant's own file is attached to its ActiveStorage::VariantRecord; the blob a variant record derives from
  // is in use by its variants too (purging it purges them).
  const variants = schema.variantRecords ? 'AND NOT EXISTS (SELECT 1 FROM active_storage_variant_records v WHERE v.blob_id = b.id)' : '';
  const blobChecks: Array<[IntegrityClass, string]> = [
    ['empty', 'b.byte_size = 0 OR b.checksum IS NULL'],
    [
      'content-type',
      `b.content_type IS NULL OR b.content_type !~* ${sqlText(mediaType)} OR NOT (${contentTypeOf} = ANY(coalesce(${expectedTypes}, ARRAY[${contentTypeOf}])))`,
    ],
    ['filename', `b.filename ~ ${sqlText(badText)}`],
  ];
  if (options.services) blobChecks.unshift(['unknown-service', 'b.service_name <> ALL($2::text[])']);
  const blobValues: unknown[] = [limit];
  if (options.services) blobValues.push(options.services);

  return [
    {
      what: 'finding attachments without a blob',
      text: `WITH found AS MATERIALIZED (
          SELECT a.id, a.record_type, a.record_id, a.name, a.blob_id FROM active_storage_attachments a
          WHERE NOT EXISTS (SELECT 1 FROM active_storage_blobs b WHERE b.id = a.blob_id))
        SELECT 'missing-blob' AS class, (SELECT count(*) FROM found)::text AS total, id::text AS id, blob_id::text AS blob_id,
          NULL AS key, record_type, record_id::text AS record_id, name
        FROM found ORDER BY found.id LIMIT $1`,
      values: [limit],
    },
    {
      what: 'finding orphan blobs',
      text: `WITH found AS MATERIALIZED (
          SELECT b.id, b.key FROM active_storage_blobs b
          WHERE ${createdAt} < $2::timestamp AND NOT EXISTS (SELECT 1 FROM active_storage_attachments a WHERE a.blob_id = b.id) ${variants})
        SELECT 'orphan' AS class, (SELECT count(*) FROM found)::text AS total, id::text AS id, key FROM found ORDER BY found.id LIMIT $1`,
      values: [limit, cutoff],
    },
    {
      what: 'checking the blob rows',
      text: `WITH found AS MATERIALIZED (
          SELECT c.class, b.id, b.key, b.service_name, b.byte_size::text AS byte_size, b.checksum IS NULL AS no_checksum, b.content_type, b.filename
          FROM active_storage_blobs b
          CROSS JOIN LATERAL (VALUES ${blobChecks.map(([name, condition]) => `(${sqlText(name)}, ${condition})`).join(', ')}) AS c(class, hit)
          WHERE c.hit)
        SELECT f.* FROM (SELECT class, count(*)::text AS total FROM found GROUP BY class) t
        CROSS JOIN LATERAL (SELECT t.total, found.class, found.id::text AS id, found.key, found.service_name, found.byte_size, found.no_checksum,
            found.content_type, found.filename
          FROM found WHERE found.class = t.class ORDER BY found.id LIMIT $1) f`,
      values: blobValues,
    },
    {
      // Grouped through the uniqueness index (record_type, record_id, name, blob_id); ids are read for the kept groups only.
      what: 'finding duplicate attachments',
      text: `WITH found AS MATERIALIZED (
          SELECT record_type, record_id, name, count(*) AS attachments FROM active_storage_attachments
          GROUP BY record_type, record_id, name HAVING count(*) > 1)
        SELECT 'duplicate' AS class, t.record_type, t.name, t.groups::text AS groups, t.attachments::text AS attachments, g.record_id::text AS record_id, g.ids
        FROM (SELECT record_type, name, count(*) AS groups, sum(attachments) AS attachments FROM found GROUP BY record_type, name) t
        CROSS JOIN LATERAL (
          SELECT found.record_id, (SELECT array_agg(a.id::text ORDER BY a.id) FROM active_storage_attachments a
              WHERE a.record_type = found.record_type AND a.record_id = found.record_id AND a.name = found.name) AS ids
          FROM found WHERE found.record_type = t.record_type AND found.name = t.name ORDER BY found.record_id LIMIT $1) g`,
      values: [limit],
    },
    {
      what: 'checking the attachment names',
      text: `SELECT 'attachment-name' AS class, name, count(*)::text AS attachments, (array_agg(id::text ORDER BY id))[1:$1] AS ids
        FROM active_storage_attachments a WHERE name ~ ${sqlText(badText)} GROUP BY name ORDER BY name`,
      values: [limit],
    },
  ];
}

type Row = Record<string, unknown>;
const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
const ids = (value: unknown) => (Array.isArray(value) ? value.map(Number) : []);

function describeBlob(name: IntegrityClass, row: Row): string {
  if (name === 'unknown-service') return `service_name ${JSON.stringify(text(row.service_name))}`;
  if (name === 'empty') return [row.byte_size === '0' ? 'byte_size 0' : '', row.no_checksum ? 'no checksum' : ''].filter(Boolean).join(', ');
  if (name === 'content-type') return `${row.content_type === null ? 'no content type' : JSON.stringify(row.content_type)} for ${JSON.stringify(row.filename)}`;
  return `filename ${JSON.stringify(row.filename)}`;
}

/** Turns the queries' rows into the report section: counts, examples, and each class against its threshold. */
export function buildIntegrityReport(schema: IntegritySchema, options: IntegrityOptions, rows: Row[]): IntegrityReport {
  const counts = new Map<IntegrityClass, number>();
  const examples = new Map<IntegrityClass, IntegrityExample[]>(integrityClasses.map(name => [name, []]));
  const add = (name: IntegrityClass, example: IntegrityExample) => {
    const kept = examples.get(name) ?? [];
    if (kept.length < options.examples) kept.push(example);
  };
  const duplicatesByName = new Map<string, DuplicateNameCount>();
  const isSingle = (recordType: string, name: string) =>
    options.singles.some(single => single.name === name && (single.recordType === undefined || single.recordType === recordType));

  for (const row of rows) {
    const name = row.class as IntegrityClass;
    if (name === 'duplicate') {
      const recordType = text(row.record_type);
      const attachmentName = text(row.name);
      const single = isSingle(recordType, attachmentName);
      const id = `${recordType}\u0000${attachmentName}`;
      if (!duplicatesByName.has(id)) {
        duplicatesByName.set(id, {recordType, name: attachmentName, single, groups: Number(row.groups), attachments: Number(row.attachments)});
        if (single) counts.set(name, (counts.get(name) ?? 0) + Number(row.groups));
      }
      if (single) {
        const attachmentIds = ids(row.ids);
        add(name, {
          record: `${recordType}#${text(row.record_id)}`,
          name: attachmentName,
          attachmentIds,
          detail: `${attachmentIds.length} attachments of a has_one`,
        });
      }
      continue;
    }
    if (name === 'attachment-name') {
      counts.set(name, (counts.get(name) ?? 0) + Number(row.attachments));
      add(name, {
        name: text(row.name),
        attachmentIds: ids(row.ids),
        detail: `${countOf(Number(row.attachments), 'attachment')} named ${JSON.stringify(row.name)}`,
      });
      continue;
    }
    counts.set(name, Number(row.total));
    if (name === 'missing-blob') {
      add(name, {
        attachmentIds: [Number(row.id)],
        record: `${text(row.record_type)}#${text(row.record_id)}`,
        name: text(row.name),
        blobId: Number(row.blob_id),
        detail: `blob ${text(row.blob_id)} does not exist`,
      });
    } else if (name === 'orphan') {
      add(name, {blobId: Number(row.id), key: text(row.key), detail: `attached to nothing, created before ${options.orphanCutoff.toISOString()}`});
    } else {
      add(name, {blobId: Number(row.id), key: text(row.key), detail: describeBlob(name, row)});
    }
  }

  const skipped: Partial<Record<IntegrityClass, string>> = {};
  if (!options.services) skipped['unknown-service'] = 'bucket stands for every service: set services to name them';
  if (!options.singles.length) skipped.duplicate = 'no single-attachments given: duplicates are only counted per name below';
  const classes = integrityClasses.map((name): IntegrityClassResult => {
    const reason = skipped[name];
    const count = reason ? null : (counts.get(name) ?? 0);
    return {
      class: name,
      count,
      max: options.max[name],
      failed: count !== null && count > options.max[name],
      ...(reason ? {skipped: reason} : {}),
      examples: examples.get(name) ?? [],
    };
  });
  return {
    verdict: classes.some(result => result.failed) ? 'fail' : 'pass',
    schema,
    orphanCutoff: options.orphanCutoff.toISOString(),
    classes,
    duplicatesByName: [...duplicatesByName.values()].sort(
      (a, b) => b.groups - a.groups || compareText(a.recordType, b.recordType) || compareText(a.name, b.name),
    ),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads the schema, runs the queries, and builds the report section. */
export async function readIntegrity(database: Database, options: IntegrityOptions): Promise<IntegrityReport> {
  const schema = describeIntegritySchema(
    await database.query<{table_name: string; column_name: string; data_type: string}>(schemaQuery.what, schemaQuery.text, []),
  );
  const rows: Row[] = [];
  for (const query of planIntegrityQueries(schema, options)) rows.push(...(await database.query<Row>(query.what, query.text, query.values)));
  return buildIntegrityReport(schema, options, rows);
}

/** The failures, one phrase per class over its threshold, for the step's error. */
export function integrityFailures(report: IntegrityReport): string[] {
  return report.classes.filter(result => result.failed).map(result => `${result.count} ${result.class} (integrity-max ${result.class}=${result.max})`);
}

const summaryExamples = 10;

/** The integrity table of the job summary: one row per class. */
export function renderIntegrityTable(report: IntegrityReport): string[] {
  const lines = [
    `### Integrity: ${report.verdict === 'pass' ? 'pass' : `${report.classes.filter(result => result.failed).length} class(es) over their threshold`}`,
    '',
    '| Check | Class | Found | Max | |',
    '| --- | --- | ---: | ---: | --- |',
  ];
  for (const result of report.classes) {
    const status = result.skipped ? `not checked: ${result.skipped}` : result.failed ? '**fail**' : 'ok';
    lines.push(`| ${classTitles[result.class]} | \`${result.class}\` | ${result.count ?? '—'} | ${result.max} | ${status} |`);
  }
  lines.push('', `Orphans are blobs created before ${report.orphanCutoff}; variant records ${report.schema.variantRecords ? 'read' : 'absent'}.`, '');
  if (report.duplicatesByName.length) {
    lines.push('| Duplicates by name | Single | Groups | Attachments |', '| --- | --- | ---: | ---: |');
    for (const name of report.duplicatesByName) {
      lines.push(`| ${cell(`${name.recordType}#${JSON.stringify(name.name)}`)} | ${name.single ? 'yes' : 'no'} | ${name.groups} | ${name.attachments} |`);
    }
    lines.push('');
  }
  return lines;
}

/** The examples of each class that found anything. */
export function renderIntegrityExamples(report: IntegrityReport): string[] {
  const lines: string[] = [];
  for (const result of report.classes) {
    if (!result.examples.length) continue;
    lines.push(
      `### Integrity: ${classTitles[result.class]} (\`${result.class}\`)`,
      '',
      '| Blob | Key | Attachments | Record | Name | What |',
      '| ---: | --- | --- | --- | --- | --- |',
    );
    for (const example of result.examples.slice(0, summaryExamples)) {
      lines.push(
        `| ${example.blobId ?? ''} | ${example.key ? code(example.key) : ''} | ${example.attachmentIds?.join(', ') ?? ''} | ${cell(example.record ?? '')} | ${
          example.name === undefined ? '' : code(JSON.stringify(example.name))
        } | ${cell(example.detail)} |`,
      );
    }
    const shown = Math.min(result.examples.length, summaryExamples);
    if ((result.count ?? 0) > shown) lines.push('', `…and ${(result.count ?? 0) - shown} more; the report keeps the first ${result.examples.length}.`);
    lines.push('');
  }
  return lines;
}
