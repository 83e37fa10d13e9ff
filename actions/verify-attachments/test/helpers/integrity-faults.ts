import {activeStorageDdl} from './active-storage.js';

/**
 * ActiveStorage's tables as Rails 6.1's `active_storage:install` creates them on PostgreSQL (the migration in
 * sandbox/railsapp): Rails 7's but for `checksum NOT NULL` and `timestamp` without precision.
 */
export const rails61Ddl = activeStorageDdl
  .replace('checksum character varying,', 'checksum character varying NOT NULL,')
  .replaceAll('timestamp(6)', 'timestamp');

export interface SchemaShape {
  rails: '6.1' | '7';
  variantRecords: boolean;
}

/** What the integrity report must find in `faultsSql`'s rows, and nothing else: written down apart from the action. */
export function expectedFindings(shape: SchemaShape): Record<string, {count: number; ids: Array<number | string>}> {
  return {
    'missing-blob': {count: 2, ids: [1001, 1002]},
    orphan: {count: 2, ids: [1010, 1011]},
    duplicate: {count: 2, ids: ['Project#1020', 'User#1022']},
    'unknown-service': {count: 1, ids: [1030]},
    // Rails 6.1's checksum is NOT NULL, so only the empty blob can be planted there.
    empty: shape.rails === '7' ? {count: 2, ids: [1040, 1041]} : {count: 1, ids: [1040]},
    'content-type': {count: 4, ids: [1050, 1051, 1052, 1053]},
    filename: {count: 4, ids: [1060, 1061, 1062, 1063]},
    'attachment-name': {count: 1, ids: ['circuit_preview ']},
  };
}

interface BlobRow {
  id: number;
  filename?: string;
  contentType?: string | null;
  service?: string;
  byteSize?: number;
  checksum?: string | null;
  createdAt?: string;
}

const literal = (value: string | number | null) =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The schema of `shape` with clean rows (every one attached, variants where the schema has them, a has_many with
 * several files per record) and each fault class planted on known ids, as a psql script into `schema`.
 */
export function faultsSql(schema: string, shape: SchemaShape, now: Date): string {
  const blobs: BlobRow[] = [];
  const attachments: Array<[number, string, string, number, number]> = [];
  for (let id = 1; id <= 200; id++) {
    blobs.push({id, service: id % 2 ? 'amazon' : 'amazon_custom'});
    attachments.push(id % 2 ? [id, 'circuit_preview', 'Project', id, id] : [id, 'profile_picture', 'User', id, id]);
  }
  // has_many_attached :files: several per record are fine, and counted per name only.
  for (let id = 300; id < 306; id++) {
    blobs.push({id, filename: `notes-${id}.txt`, contentType: 'text/plain; charset=utf-8'});
    attachments.push([id, 'files', 'Project', 1 + Math.floor((id - 300) / 2), id]);
  }
  blobs.push(
    {id: 310, filename: 'scan.pdf', contentType: 'application/pdf'},
    {id: 311, filename: 'photo.JPEG', contentType: 'image/jpeg'},
    {id: 312, filename: 'diagram.svg', contentType: 'image/svg+xml'},
  );
  for (const id of [310, 311, 312]) attachments.push([id, 'files', 'Project', 100 + id, id]);
  // An orphan still within the grace period: a direct upload whose form is not submitted yet.
  blobs.push({id: 1012, createdAt: new Date(now.getTime() - 3_600_000).toISOString()});
  // The faults.
  blobs.push({id: 1010}, {id: 1011});
  for (const id of [1020, 1021]) {
    blobs.push({id});
    attachments.push([id, 'circuit_preview', 'Project', 1020, id]);
  }
  for (const id of [1022, 1023]) {
    blobs.push({id});
    attachments.push([id, 'profile_picture', 'User', 1022, id]);
  }
  blobs.push(
    {id: 1030, service: 'local'},
    {id: 1040, byteSize: 0},
    {id: 1050, filename: 'photo.jpg', contentType: 'img/jpeg'},
    {id: 1051, filename: 'data.bin', contentType: 'imagepng'},
    {id: 1052, filename: 'photo.JPG', contentType: 'image/png'},
    {id: 1053, filename: 'report.pdf', contentType: null},
    {id: 1060, filename: ' leading.png'},
    {id: 1061, filename: 'trailing.png '},
    {id: 1062, filename: 'tab\there.png'},
    {id: 1063, filename: 'new\nline.png'},
    {id: 1070},
  );
  if (shape.rails === '7') blobs.push({id: 1041, checksum: null});
  for (const id of [1030, 1040, 1041, 1050, 1051, 1052, 1053, 1060, 1061, 1062, 1063]) {
    if (blobs.some(blob => blob.id === id)) attachments.push([id, 'circuit_preview', 'Project', id, id]);
  }
  attachments.push([1070, 'circuit_preview ', 'Project', 1070, 1070]);
  const variants: string[] = [];
  if (shape.variantRecords) {
    // Blob 1's variant: its record, and the variant's own file attached to that record.
    blobs.push({id: 201, filename: 'preview-1.webp', contentType: 'image/webp'});
    attachments.push([201, 'image', 'ActiveStorage::VariantRecord', 1, 201]);
    variants.push("INSERT INTO active_storage_variant_records (id, blob_id, variation_digest) VALUES (1, 1, 'aVvkZ7ZcuBtFPMEYd1H0KoXeVDg=');");
  }

  const blobValues = blobs.map(blob =>
    [
      blob.id,
      `key${String(blob.id).padStart(25, '0')}`,
      blob.filename ?? `preview-${blob.id}.png`,
      blob.contentType === undefined ? 'image/png' : blob.contentType,
      blob.service ?? 'amazon',
      blob.byteSize ?? 100 + blob.id,
      blob.checksum === undefined ? 'vckNNU4TN7zbzl+o3tjXPQ==' : blob.checksum,
      blob.createdAt ?? '2024-01-01 00:00:00',
    ]
      .map(literal)
      .join(', '),
  );
  const attachmentValues = attachments.map(([id, name, recordType, recordId, blobId]) =>
    [id, name, recordType, recordId, blobId, '2024-01-01 00:00:00'].map(literal).join(', '),
  );
  return [
    `CREATE SCHEMA ${schema};`,
    `SET search_path TO ${schema};`,
    shape.rails === '7' ? activeStorageDdl : rails61Ddl,
    shape.variantRecords ? '' : 'DROP TABLE active_storage_variant_records;',
    `INSERT INTO active_storage_blobs (id, key, filename, content_type, service_name, byte_size, checksum, created_at) VALUES\n(${blobValues.join('),\n(')});`,
    `INSERT INTO active_storage_attachments (id, name, record_type, record_id, blob_id, created_at) VALUES\n(${attachmentValues.join('),\n(')});`,
    ...variants,
    // Attachments whose blob is gone: ActiveStorage's foreign key forbids them, but backfills that bypassed it (or
    // tables restored without it) have them.
    'ALTER TABLE active_storage_attachments DROP CONSTRAINT fk_rails_c3b3935057;',
    "INSERT INTO active_storage_attachments (id, name, record_type, record_id, blob_id, created_at) VALUES (1001, 'circuit_preview', 'Project', 1001, 9001, '2024-01-01'), (1002, 'circuit_preview', 'Project', 1002, 9002, '2024-01-01');",
    'ANALYZE active_storage_blobs;',
    'ANALYZE active_storage_attachments;',
    '',
  ].join('\n');
}
