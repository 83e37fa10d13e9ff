import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {catchConfigError} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {openNdjsonBlobs, parseBlobs} from '../src/ndjson-blobs.js';

const line = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    key: 'k1',
    byte_size: 10,
    checksum: 'vckNNU4TN7zbzl+o3tjXPQ==',
    service_name: 'amazon',
    content_type: 'image/png',
    created_at: '2026-11-01T10:00:00Z',
    ...fields,
  });

describe('parseBlobs', () => {
  it('reads blobs, numbering them by line', () => {
    const blobs = parseBlobs(`${line()}\n\n${line({key: 'k2', checksum: null, attachment_name: 'logo', byte_size: '7'})}\n`);
    expect(blobs).toEqual([
      {
        id: 1,
        key: 'k1',
        byteSize: 10,
        checksum: 'vckNNU4TN7zbzl+o3tjXPQ==',
        serviceName: 'amazon',
        contentType: 'image/png',
        createdAt: '2026-11-01T10:00:00.000Z',
        attachmentName: null,
      },
      {
        id: 3,
        key: 'k2',
        byteSize: 7,
        checksum: null,
        serviceName: 'amazon',
        contentType: 'image/png',
        createdAt: '2026-11-01T10:00:00.000Z',
        attachmentName: 'logo',
      },
    ]);
  });

  // prettier-ignore
  it.each([
    ['not JSON', '{key', 'line 1 is not JSON'],
    ['an array', '[1]', 'line 1 is not a JSON object'],
    ['no key', line({key: undefined}), 'line 1: key must be a non-empty string'],
    ['a negative size', line({byte_size: -1}), 'line 1: byte_size must be a whole number of bytes'],
    ['no service', line({service_name: ''}), 'line 1: service_name must be a non-empty string'],
    ['a checksum that is a number', line({checksum: 5}), 'line 1: checksum must be a non-empty string or null'],
    ['a bad time', line({created_at: 'yesterday'}), 'line 1: created_at is not a time ("yesterday")'],
  ])('refuses %s, naming the line', (_, text, problem) => {
    expect(catchConfigError(() => parseBlobs(text)).problem).toBe(problem);
  });

  it('opens a file as an id space with recent blobs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
    const path = join(dir, 'blobs.ndjson');
    await writeFile(path, [line({attachment_name: 'avatar'}), line({key: 'new', created_at: '2026-11-27T11:00:00Z'})].join('\n'));
    const blobs = await openNdjsonBlobs(path);
    expect(blobs.stratified).toBe(true);
    expect(await blobs.range()).toEqual({min: 1, max: 2});
    expect(await blobs.probe([2, 5])).toEqual([{id: 2, stratum: null}]);
    expect((await blobs.createdSince(new Date('2026-11-27T10:00:00Z'))).map(blob => blob.key)).toEqual(['new']);
    expect((await openNdjsonBlobs(join(dir, 'none.ndjson')).catch(error => error)).input).toBe('blobs-file');
  });
});
