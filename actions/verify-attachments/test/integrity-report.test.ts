import {catchConfigError} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {
  buildIntegrityReport,
  describeIntegritySchema,
  type IntegrityOptions,
  integrityFailures,
  parseIntegrityMax,
  parseSingleAttachments,
  planIntegrityQueries,
  renderIntegrityExamples,
  renderIntegrityTable,
} from '../src/integrity-report.js';

const zero = parseIntegrityMax(new Map());
const options: IntegrityOptions = {
  orphanCutoff: new Date('2026-11-26T12:00:00Z'),
  singles: [
    {recordType: 'Project', name: 'circuit_preview'},
    {recordType: undefined, name: 'avatar'},
  ],
  services: ['amazon'],
  max: zero,
  examples: 2,
};
const schema = {variantRecords: true, zonedCreatedAt: false};

const columns = (tables: Record<string, string[]>, createdAt = 'timestamp without time zone') =>
  Object.entries(tables).flatMap(([table, names]) =>
    names.map(column => ({table_name: table, column_name: column, data_type: column === 'created_at' ? createdAt : 'bigint'})),
  );
const blobs = ['id', 'key', 'filename', 'content_type', 'service_name', 'byte_size', 'checksum', 'created_at'];
const attachments = ['id', 'name', 'record_type', 'record_id', 'blob_id', 'created_at'];

describe('parseSingleAttachments', () => {
  it.each([
    ['avatar', {recordType: undefined, name: 'avatar'}],
    ['Project#circuit_preview', {recordType: 'Project', name: 'circuit_preview'}],
    ['Admin::Organization#logo', {recordType: 'Admin::Organization', name: 'logo'}],
  ])('reads %s', (text, expected) => {
    expect(parseSingleAttachments([text])).toEqual([expected]);
  });

  it.each(['Project.circuit_preview', 'project#logo', 'circuit-preview', 'Project#', '#logo'])('refuses %s, naming the input', text => {
    expect(catchConfigError(() => parseSingleAttachments([text])).input).toBe('single-attachments');
  });
});

describe('parseIntegrityMax', () => {
  it('keeps 0 for the classes not named', () => {
    expect(parseIntegrityMax(new Map([['orphan', '12']]))).toEqual({...zero, orphan: 12});
  });

  it.each([
    ['orphans', '1'],
    ['orphan', 'many'],
    ['orphan', '1.5'],
    ['orphan', ''],
  ])('refuses %s=%s, naming the input', (name, value) => {
    expect(catchConfigError(() => parseIntegrityMax(new Map([[name, value]]))).input).toBe('integrity-max');
  });
});

describe('describeIntegritySchema', () => {
  it('tells the shapes apart', () => {
    expect(describeIntegritySchema(columns({active_storage_blobs: blobs, active_storage_attachments: attachments}))).toEqual({
      variantRecords: false,
      zonedCreatedAt: false,
    });
    expect(
      describeIntegritySchema(
        columns(
          {active_storage_blobs: blobs, active_storage_attachments: attachments, active_storage_variant_records: ['id', 'blob_id']},
          'timestamp with time zone',
        ),
      ),
    ).toEqual({variantRecords: true, zonedCreatedAt: true});
  });

  it('names the columns a schema lacks', () => {
    const error = catchConfigError(() => describeIntegritySchema(columns({active_storage_blobs: blobs.filter(column => column !== 'filename')})));
    expect(error.message).toContain('needs active_storage_blobs.filename');
    expect(catchConfigError(() => describeIntegritySchema(columns({active_storage_blobs: blobs}))).message).toContain(
      'needs active_storage_attachments.id, name, record_type, record_id, blob_id',
    );
  });
});

describe('planIntegrityQueries', () => {
  const texts = (queries: Array<{text: string}>) => queries.map(query => query.text).join('\n');

  it('reads variant records only where the table exists', () => {
    expect(texts(planIntegrityQueries(schema, options))).toContain('active_storage_variant_records');
    expect(texts(planIntegrityQueries({...schema, variantRecords: false}, options))).not.toContain('active_storage_variant_records');
  });

  it('passes the services and the cutoff as parameters, never in the text', () => {
    const queries = planIntegrityQueries(schema, {...options, services: ["am'azon"]});
    expect(texts(queries)).not.toContain("am'azon");
    expect(queries.find(query => query.what === 'checking the blob rows')?.values).toEqual([2, ["am'azon"]]);
    expect(queries.find(query => query.what === 'finding orphan blobs')?.values).toEqual([2, '2026-11-26T12:00:00.000']);
    const anyService = planIntegrityQueries(schema, {...options, services: undefined});
    expect(anyService.find(query => query.what === 'checking the blob rows')?.values).toEqual([2]);
    expect(texts(anyService)).not.toContain('unknown-service');
  });

  it('compares a timestamptz created_at in UTC', () => {
    expect(texts(planIntegrityQueries({...schema, zonedCreatedAt: true}, options))).toContain("(b.created_at AT TIME ZONE 'UTC') < $2::timestamp");
  });
});

describe('buildIntegrityReport', () => {
  const rows = [
    {class: 'orphan', total: '3', id: '7', key: 'k7'},
    {class: 'orphan', total: '3', id: '9', key: 'k9'},
    {class: 'content-type', total: '1', id: '4', key: 'k4', content_type: 'img/jpeg', filename: 'a.jpg'},
    {class: 'duplicate', record_type: 'Project', name: 'circuit_preview', groups: '2', attachments: '4', record_id: '1', ids: ['1', '2']},
    {class: 'duplicate', record_type: 'Project', name: 'circuit_preview', groups: '2', attachments: '4', record_id: '5', ids: ['8', '9']},
    {class: 'duplicate', record_type: 'User', name: 'circuit_preview', groups: '1', attachments: '2', record_id: '3', ids: ['3', '4']},
    {class: 'duplicate', record_type: 'User', name: 'avatar', groups: '1', attachments: '3', record_id: '3', ids: ['5', '6', '7']},
  ];

  it('counts each class against its threshold, with a model-bound single only for its model', () => {
    const report = buildIntegrityReport(schema, {...options, max: {...zero, orphan: 3}}, rows);
    const byClass = Object.fromEntries(report.classes.map(result => [result.class, result]));
    expect(byClass.orphan).toMatchObject({count: 3, failed: false, examples: [{blobId: 7}, {blobId: 9}]});
    expect(byClass['content-type']).toMatchObject({count: 1, failed: true, examples: [{blobId: 4, detail: '"img/jpeg" for "a.jpg"'}]});
    expect(byClass.duplicate).toMatchObject({count: 3, failed: true});
    expect(byClass.duplicate?.examples.map(example => example.record)).toEqual(['Project#1', 'Project#5']);
    expect(byClass['missing-blob']).toMatchObject({count: 0, failed: false, examples: []});
    expect(report.duplicatesByName.map(name => [name.recordType, name.name, name.single, name.groups])).toEqual([
      ['Project', 'circuit_preview', true, 2],
      ['User', 'avatar', true, 1],
      ['User', 'circuit_preview', false, 1],
    ]);
    expect(report.verdict).toBe('fail');
    expect(integrityFailures(report)).toEqual(['3 duplicate (integrity-max duplicate=0)', '1 content-type (integrity-max content-type=0)']);
  });

  it('marks what it could not check, which never fails', () => {
    const report = buildIntegrityReport(schema, {...options, singles: [], services: undefined}, rows);
    const skipped = report.classes.filter(result => result.skipped).map(result => [result.class, result.count, result.failed]);
    expect(skipped).toEqual([
      ['duplicate', null, false],
      ['unknown-service', null, false],
    ]);
    expect(renderIntegrityTable(report)).toContain(
      '| Duplicate attachments of a single attachment | `duplicate` | — | 0 | not checked: no single-attachments given: duplicates are only counted per name below |',
    );
  });

  it('renders the examples quoted, with how many more the report holds', () => {
    const report = buildIntegrityReport(schema, options, [
      {class: 'filename', total: '40', id: '1', key: 'k|1', filename: 'x.png '},
      {class: 'attachment-name', name: 'circuit_preview ', attachments: '3', ids: ['4', '5']},
    ]);
    const examples = renderIntegrityExamples(report).join('\n');
    expect(examples).toContain('| 1 | `k\\|1` |  |  |  | filename "x.png " |');
    expect(examples).toContain('…and 39 more; the report keeps the first 1.');
    expect(examples).toContain('|  |  | 4, 5 |  | `"circuit_preview "` | 3 attachments named "circuit_preview " |');
  });
});
