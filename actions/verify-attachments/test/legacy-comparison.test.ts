import {createHash} from 'node:crypto';
import {stub} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import type {Database} from '../src/blob-source.js';
import {checkLegacySchema, compareLegacy, renderLegacyExamples, renderLegacyTable} from '../src/legacy-comparison.js';
import {type LegacyFiles, UnreadableLegacyFile} from '../src/legacy-files.js';
import {parseLegacyMapping} from '../src/legacy-mapping.js';

const [projects] = parseLegacyMapping(
  '- {table: projects, carrierwave: image_preview, record_type: Project, name: circuit_preview, files: "ssh://app-1/srv/uploads/{id}/{filename}"}',
);
const [users] = parseLegacyMapping(
  '- {table: users, paperclip: profile_picture, record_type: User, name: profile_picture, files: "s3://legacy-bucket/{id_partition}/{filename}"}',
);
if (!projects || !users) throw new Error('no mapping');

const attachmentColumns = ['id', 'name', 'record_type', 'record_id', 'blob_id', 'created_at'];

/** A database that answers each kind of statement, by what it is for, from these rows; and records the statements. */
function fakeDatabase(answers: Record<string, (values: unknown[]) => object[]>): Database & {statements: string[]} {
  const statements: string[] = [];
  return {
    statements,
    query: async <T extends object>(what: string, text: string, values: unknown[]) => {
      statements.push(text);
      const answer = answers[what];
      if (!answer) throw new Error(`unexpected query: ${what}`);
      return answer(values) as T[];
    },
  };
}

const schemaOf = (tables: Record<string, string[]>) =>
  fakeDatabase({
    'reading the legacy tables': ([table]) => (tables[table as string] ?? []).map(name => ({name, type: name === 'id' ? 'bigint' : 'character varying'})),
  });

const digest = (algorithm: 'md5' | 'sha256', body: Buffer) => createHash(algorithm).update(body).digest();
const bodyOf = (text: string) => Buffer.from(text);

describe('checkLegacySchema', () => {
  it('accepts tables and columns that are there', async () => {
    const database = schemaOf({
      active_storage_attachments: attachmentColumns,
      projects: ['id', 'name', 'image_preview'],
      users: ['id', 'profile_picture_file_name', 'profile_picture_file_size'],
    });
    await expect(checkLegacySchema([projects, users], database)).resolves.toBeUndefined();
  });

  it.each([
    ['an unknown table', {projects: []}, /^entry 1 names the table projects, which is not in the database's search_path$/, /^Check the table name/],
    [
      'an unknown column',
      {projects: ['id', 'name', 'preview']},
      /^entry 1 names the column projects.image_preview, which does not exist$/,
      /projects has id, name, preview\.$/,
    ],
    ['a table without ids', {projects: ['uuid', 'image_preview']}, /^entry 1 names the column projects.id/, /^The records need an id column\.$/],
  ])('refuses %s in one line naming the input', async (_, tables, problem, fix) => {
    const error = await checkLegacySchema([projects], schemaOf({active_storage_attachments: attachmentColumns, ...tables})).catch(caught => caught);
    expect(error.name).toBe('ConfigError');
    expect(error.input).toBe('legacy-mapping');
    expect(error.problem).toMatch(problem);
    expect(error.fix).toMatch(fix);
  });

  it('refuses a table whose ids are not integers, as ActiveStorage keeps them in a bigint record_id', async () => {
    const database = fakeDatabase({
      'reading the legacy tables': ([table]) =>
        table === 'projects'
          ? [
              {name: 'id', type: 'uuid'},
              {name: 'image_preview', type: 'character varying'},
            ]
          : attachmentColumns.map(name => ({name, type: 'bigint'})),
    });
    const error = await checkLegacySchema([projects], database).catch(caught => caught);
    expect(error.problem).toBe('entry 1 names the table projects, whose ids are uuid');
  });

  it("names the Paperclip columns a table has when the attachment's is not one of them", async () => {
    const database = schemaOf({active_storage_attachments: attachmentColumns, users: ['id', 'avatar_file_name', 'avatar_file_size']});
    const error = await checkLegacySchema([users], database).catch(caught => caught);
    expect(error.message).toBe(
      'Input "legacy-mapping" entry 1 names the column users.profile_picture_file_name, which does not exist. paperclip: names the attachment, whose filename is in <name>_file_name; users has avatar_file_name.',
    );
  });

  it('refuses a database whose attachments table is not ActiveStorage’s', async () => {
    const error = await checkLegacySchema([projects], schemaOf({projects: ['id', 'image_preview']})).catch(caught => caught);
    expect(error.problem).toBe("is set, but the database's active_storage_attachments has no record_type, record_id, name, blob_id");
  });
});

describe('compareLegacy', () => {
  const same = bodyOf('the same bytes');
  const sampleRows = [
    {id: '1', filename: 'same.png', key: 'k1', checksum: digest('md5', same).toString('base64'), byte_size: String(same.length)},
    {id: '2', filename: 'other.png', key: 'k2', checksum: digest('md5', bodyOf('other bytes!!!')).toString('base64'), byte_size: String(same.length)},
    {id: '3', filename: 'short.png', key: 'k3', checksum: digest('md5', same).toString('base64'), byte_size: '3'},
    {id: '4', filename: 'gone.png', key: 'k4', checksum: digest('md5', same).toString('base64'), byte_size: String(same.length)},
    {id: '5', filename: '../../etc/passwd', key: 'k5', checksum: digest('md5', same).toString('base64'), byte_size: String(same.length)},
    {id: '6', filename: 'sha.png', key: 'k6', checksum: `sha256:${digest('sha256', same).toString('base64')}`, byte_size: String(same.length)},
    {id: '7', filename: 'refused.png', key: 'k7', checksum: digest('md5', same).toString('base64'), byte_size: String(same.length)},
  ];
  const database = () =>
    fakeDatabase({
      'counting the legacy records': () => [{count: '9'}],
      'counting the legacy records without an attachment': () => [{count: '2'}],
      'listing the legacy records without an attachment': () => [
        {id: '8', filename: 'a.png', attached_as: null},
        {id: '9', filename: 'b.png', attached_as: 'circuit_preview '},
      ],
      'sampling the migrated legacy records': () => sampleRows,
    });
  const files = stub<LegacyFiles>('files', {
    hash: async (_location: unknown, path: string) => {
      if (path.endsWith('gone.png')) return undefined;
      if (path.endsWith('refused.png')) throw new UnreadableLegacyFile('app-1: could not read /srv/uploads/7/refused.png: Permission denied.');
      return {size: same.length, md5: digest('md5', same), sha256: digest('sha256', same)};
    },
  });

  it('sorts each sampled legacy file into ok, mismatched or unverifiable, and counts the records without an attachment', async () => {
    const db = database();
    const report = await compareLegacy([projects], {seed: '7', sampleSize: 10, concurrency: 3}, {database: db, files});
    const [mapping] = report.mappings;
    expect(mapping?.unmigratedExamples).toEqual([
      {recordId: '8', filename: 'a.png', attachedAs: null},
      {recordId: '9', filename: 'b.png', attachedAs: 'circuit_preview '},
    ]);
    expect(mapping?.sampled.map(result => [result.recordId, result.status, result.problem])).toEqual([
      ['1', 'ok', undefined],
      ['2', 'mismatched', `legacy file's MD5 is ${digest('md5', same).toString('base64')}, the blob's checksum ${sampleRows[1]?.checksum}`],
      ['3', 'mismatched', `legacy file is ${same.length} bytes, the blob 3`],
      ['4', 'unverifiable', 'no legacy file at /srv/uploads/4/gone.png'],
      ['5', 'unverifiable', 'the filename "../../etc/passwd" is not a file name'],
      ['6', 'ok', undefined],
      ['7', 'unverifiable', 'app-1: could not read /srv/uploads/7/refused.png: Permission denied.'],
    ]);
    expect(report.counts).toEqual({legacyRecords: 9, unmigrated: 2, checked: 7, ok: 2, mismatched: 2, unverifiable: 3});
    // Names from the mapping reach SQL as quoted identifiers; values only as parameters.
    expect(db.statements.every(text => text.includes('FROM "projects" l') && text.includes('l."image_preview"'))).toBe(true);
  });

  it('reads no sample rows past the counts when nothing is unmigrated, and renders a clean verdict', async () => {
    const db = fakeDatabase({
      'counting the legacy records': () => [{count: '1'}],
      'counting the legacy records without an attachment': () => [{count: '0'}],
      'sampling the migrated legacy records': () => [sampleRows[0] as object],
    });
    const report = await compareLegacy([projects], {seed: '7', sampleSize: 10, concurrency: 3}, {database: db, files});
    expect(db.statements).toHaveLength(3);
    expect(renderLegacyExamples(report)).toEqual([]);
    expect(renderLegacyTable(report).join('\n')).toBe(
      [
        '### Legacy attachments: every one of 1 legacy record migrated, 1 checked file(s) equal',
        '',
        '| Table | Legacy column | Attachment | Legacy records | Not migrated | Files checked | Differ | Unverifiable |',
        '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
        '| `projects` | `image_preview` | `Project` `"circuit_preview"` | 1 | 0 | 1 | 0 | 0 |',
        '',
      ].join('\n'),
    );
  });

  it('fails as a whole when a legacy host cannot be reached, rather than calling every file unverifiable', async () => {
    const unreachable = stub<LegacyFiles>('files', {
      hash: async () => {
        throw new Error('root@app-1: host key does not match ssh-known-hosts.');
      },
    });
    await expect(compareLegacy([projects], {seed: '7', sampleSize: 10, concurrency: 3}, {database: database(), files: unreachable})).rejects.toThrow(
      'host key does not match',
    );
  });

  it('shows the records without an attachment and the files that differ, naming a trailing-space rename', async () => {
    const report = await compareLegacy([projects], {seed: '7', sampleSize: 10, concurrency: 3}, {database: database(), files});
    const summary = [...renderLegacyTable(report), ...renderLegacyExamples(report)].join('\n');
    expect(summary).toContain('### Legacy attachments: 2 not migrated, 2 differ');
    expect(summary).toContain('| `Project 9` | `b.png` | attached as `"circuit_preview "`, which Rails does not find |');
    expect(summary).toContain('| `Project 3` | `/srv/uploads/3/short.png` | `k3` | mismatched | legacy file is 14 bytes, the blob 3 |');
  });
});
