import {createHash} from 'node:crypto';
import type {Status} from '../../src/checksum-verdict.js';
import {seededRandom} from '../../src/random.js';

/**
 * ActiveStorage's tables exactly as `bin/rails active_storage:install` + `db:migrate` creates them on Rails 7 with
 * PostgreSQL (pg_dump's form of the 20170806125915 migration), in whatever schema the search_path names first.
 */
export const activeStorageDdl = `
CREATE TABLE active_storage_attachments (
    id bigint NOT NULL,
    name character varying NOT NULL,
    record_type character varying NOT NULL,
    record_id bigint NOT NULL,
    blob_id bigint NOT NULL,
    created_at timestamp(6) without time zone NOT NULL
);
CREATE SEQUENCE active_storage_attachments_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE active_storage_attachments_id_seq OWNED BY active_storage_attachments.id;

CREATE TABLE active_storage_blobs (
    id bigint NOT NULL,
    key character varying NOT NULL,
    filename character varying NOT NULL,
    content_type character varying,
    metadata text,
    service_name character varying NOT NULL,
    byte_size bigint NOT NULL,
    checksum character varying,
    created_at timestamp(6) without time zone NOT NULL
);
CREATE SEQUENCE active_storage_blobs_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE active_storage_blobs_id_seq OWNED BY active_storage_blobs.id;

CREATE TABLE active_storage_variant_records (
    id bigint NOT NULL,
    blob_id bigint NOT NULL,
    variation_digest character varying NOT NULL
);
CREATE SEQUENCE active_storage_variant_records_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE active_storage_variant_records_id_seq OWNED BY active_storage_variant_records.id;

ALTER TABLE ONLY active_storage_attachments ALTER COLUMN id SET DEFAULT nextval('active_storage_attachments_id_seq'::regclass);
ALTER TABLE ONLY active_storage_blobs ALTER COLUMN id SET DEFAULT nextval('active_storage_blobs_id_seq'::regclass);
ALTER TABLE ONLY active_storage_variant_records ALTER COLUMN id SET DEFAULT nextval('active_storage_variant_records_id_seq'::regclass);

ALTER TABLE ONLY active_storage_attachments ADD CONSTRAINT active_storage_attachments_pkey PRIMARY KEY (id);
ALTER TABLE ONLY active_storage_blobs ADD CONSTRAINT active_storage_blobs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY active_storage_variant_records ADD CONSTRAINT active_storage_variant_records_pkey PRIMARY KEY (id);

CREATE INDEX index_active_storage_attachments_on_blob_id ON active_storage_attachments USING btree (blob_id);
CREATE UNIQUE INDEX index_active_storage_attachments_uniqueness ON active_storage_attachments USING btree (record_type, record_id, name, blob_id);
CREATE UNIQUE INDEX index_active_storage_blobs_on_key ON active_storage_blobs USING btree (key);
CREATE UNIQUE INDEX index_active_storage_variant_records_uniqueness ON active_storage_variant_records USING btree (blob_id, variation_digest);

ALTER TABLE ONLY active_storage_variant_records ADD CONSTRAINT fk_rails_993965df05 FOREIGN KEY (blob_id) REFERENCES active_storage_blobs(id);
ALTER TABLE ONLY active_storage_attachments ADD CONSTRAINT fk_rails_c3b3935057 FOREIGN KEY (blob_id) REFERENCES active_storage_blobs(id);
`;

/** A fault planted in the data, or none. */
export type Plant =
  | 'ok'
  | 'missing'
  | 'wrong-size'
  | 'wrong-content'
  | 'multipart'
  | 'multipart-wrong-content'
  | 'kms'
  | 'unknown-service'
  | 'no-checksum'
  | 'sha256'
  | 'sha256-wrong-content'
  | 'content-type';

const plantCounts: Array<[Plant, number]> = [
  ['missing', 25],
  ['wrong-size', 10],
  ['wrong-content', 10],
  ['multipart', 8],
  ['multipart-wrong-content', 2],
  ['kms', 5],
  ['unknown-service', 5],
  ['no-checksum', 3],
  ['sha256', 20],
  ['sha256-wrong-content', 2],
  ['content-type', 5],
];

/** What each plant must come out as, by verify mode: the ground truth, written down independently of the action. */
export const expectedStatus: Record<Plant, {checksum: Status; download: Status}> = {
  ok: {checksum: 'ok', download: 'ok'},
  missing: {checksum: 'missing', download: 'missing'},
  'wrong-size': {checksum: 'mismatched', download: 'mismatched'},
  'wrong-content': {checksum: 'mismatched', download: 'mismatched'},
  multipart: {checksum: 'unverifiable', download: 'ok'},
  'multipart-wrong-content': {checksum: 'unverifiable', download: 'mismatched'},
  kms: {checksum: 'unverifiable', download: 'ok'},
  'unknown-service': {checksum: 'unverifiable', download: 'unverifiable'},
  'no-checksum': {checksum: 'unverifiable', download: 'unverifiable'},
  sha256: {checksum: 'ok', download: 'ok'},
  'sha256-wrong-content': {checksum: 'mismatched', download: 'mismatched'},
  'content-type': {checksum: 'ok', download: 'ok'},
};

export interface PlantedBlob {
  id: number;
  key: string;
  service: string;
  /** The bucket the object is uploaded to, if it is uploaded. */
  bucket: string | undefined;
  attachmentName: string | null;
  plant: Plant;
  byteSize: number;
  checksum: string | null;
  contentType: string;
  createdAt: Date;
  /** What goes in the bucket; `undefined` when nothing does. */
  object: Buffer | undefined;
  /** Parts for a multipart upload. */
  parts: number;
  /** The content type S3 holds. */
  objectContentType: string;
}

export interface PlantedDataset {
  blobs: PlantedBlob[];
  attachments: Array<{id: number; name: string; recordType: string; recordId: number; blobId: number}>;
  buckets: {amazon: string; amazonCustom: string};
}

const base36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Blobs as CircuitVerse has them (previews, profile pictures, a few logos, some unattached, a forked preview shared by
 * two projects, the `"circuit_preview "` rename), with faults planted on randomly chosen ones. The newest `recent`
 * blobs were created within the last half hour; the rest years ago.
 */
export function plantedDataset(count: number, buckets: PlantedDataset['buckets'], options: {recent: number; now: Date}): PlantedDataset {
  const random = seededRandom('planted dataset');
  const plants = new Map<number, Plant>();
  for (const [plant, how] of plantCounts) {
    let placed = 0;
    while (placed < how) {
      const id = 1 + random.below(count);
      if (!plants.has(id)) {
        plants.set(id, plant);
        placed++;
      }
    }
  }
  const blobs: PlantedBlob[] = [];
  const attachments: PlantedDataset['attachments'] = [];
  for (let id = 1; id <= count; id++) {
    const plant = plants.get(id) ?? 'ok';
    const key = Array.from({length: 28}, () => base36[random.below(36)]).join('');
    const size = 64 + random.below(1500);
    const content = Buffer.from(Array.from({length: size}, () => random.below(256)));
    const slot = random.below(1000);
    const attachmentName = slot < 2 ? null : slot < 6 ? 'logo' : slot < 7 ? 'circuit_preview ' : slot < 300 ? 'profile_picture' : 'circuit_preview';
    const service = plant === 'unknown-service' ? 'local' : id % 2 ? 'amazon' : 'amazon_custom';
    const bucket = plant === 'unknown-service' ? undefined : service === 'amazon' ? buckets.amazon : buckets.amazonCustom;
    const flipped = Buffer.from(content);
    flipped[0] = (flipped[0] ?? 0) ^ 0xff;
    const wrongContent: Plant[] = ['wrong-content', 'multipart-wrong-content', 'sha256-wrong-content'];
    const object =
      plant === 'missing' || plant === 'unknown-service'
        ? undefined
        : plant === 'wrong-size'
          ? Buffer.concat([content, Buffer.from('trailing bytes')])
          : wrongContent.includes(plant)
            ? flipped
            : content;
    const sha256 = plant === 'sha256' || plant === 'sha256-wrong-content';
    const createdAt =
      id > count - options.recent
        ? new Date(options.now.getTime() - (count - id + 1) * 30_000)
        : new Date(Date.UTC(2023, 5, 18) + id * 60_000 + random.below(50_000));
    blobs.push({
      id,
      key,
      service,
      bucket,
      attachmentName,
      plant,
      byteSize: size,
      checksum: plant === 'no-checksum' ? null : sha256 ? `sha256:${digest('sha256', content)}` : digest('md5', content),
      contentType: plant === 'content-type' ? 'img/jpeg' : 'image/png',
      createdAt,
      object,
      parts: plant.startsWith('multipart') ? 2 + (id % 2) : 1,
      objectContentType: plant === 'content-type' ? 'image/jpeg' : 'image/png',
    });
    if (attachmentName !== null) {
      const recordType = attachmentName === 'profile_picture' ? 'User' : attachmentName === 'logo' ? 'Organization' : 'Project';
      attachments.push({id: attachments.length + 1, name: attachmentName, recordType, recordId: id, blobId: id});
      // Project#fork attaches the same blob to the fork.
      if (attachmentName === 'circuit_preview' && id % 25 === 0) {
        attachments.push({id: attachments.length + 1, name: attachmentName, recordType, recordId: count + id, blobId: id});
      }
    }
  }
  return {blobs, attachments, buckets};
}

function digest(algorithm: 'md5' | 'sha256', content: Buffer): string {
  return createHash(algorithm).update(content).digest('base64');
}

/** The dataset as a psql script: the schema, then the rows through COPY. */
export function datasetSql(dataset: PlantedDataset, schema: string | undefined): string {
  const copyValue = (value: string | number | null) =>
    value === null ? '\\N' : String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  const row = (values: Array<string | number | null>) => values.map(copyValue).join('\t');
  const timestamp = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');
  return [
    schema ? `CREATE SCHEMA ${schema};\nSET search_path TO ${schema};` : '',
    activeStorageDdl,
    'COPY active_storage_blobs (id, key, filename, content_type, metadata, service_name, byte_size, checksum, created_at) FROM stdin;',
    ...dataset.blobs.map(blob =>
      row([
        blob.id,
        blob.key,
        `preview-${blob.id}.png`,
        blob.contentType,
        '{"identified":true,"analyzed":true}',
        blob.service,
        blob.byteSize,
        blob.checksum,
        timestamp(blob.createdAt),
      ]),
    ),
    '\\.',
    'COPY active_storage_attachments (id, name, record_type, record_id, blob_id, created_at) FROM stdin;',
    ...dataset.attachments.map(attachment =>
      row([attachment.id, attachment.name, attachment.recordType, attachment.recordId, attachment.blobId, '2024-01-01 00:00:00']),
    ),
    '\\.',
    `SELECT setval('active_storage_blobs_id_seq', ${dataset.blobs.length});`,
    `SELECT setval('active_storage_attachments_id_seq', ${dataset.attachments.length});`,
    'ANALYZE;',
    '',
  ].join('\n');
}
