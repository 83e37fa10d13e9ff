import {createHash} from 'node:crypto';
import {catchConfigError} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import type {KeyedBlob} from '../src/blob-keys.js';
import {type InventoryRow, judgeInventoryPair, toInventoryRow} from '../src/inventory-check.js';
import {parseInventoryManifest, parseS3Url} from '../src/inventory-manifest.js';

const body = Buffer.from('preview bytes');
const md5 = createHash('md5').update(body).digest();
const blob: KeyedBlob = {key: 'k', byteSize: body.length, checksum: md5.toString('base64'), createdAt: Date.parse('2026-11-01T00:00:00Z')};
const row: InventoryRow = {key: 'k', size: body.length, etag: md5.toString('hex'), encryption: 'SSE-S3'};
const scannedAt = Date.parse('2026-11-30T00:00:00Z');

const manifest = {
  sourceBucket: 'cv-prod',
  destinationBucket: 'arn:aws:s3:::cv-inventory',
  version: '2016-11-30',
  creationTimestamp: String(scannedAt),
  fileFormat: 'CSV',
  fileSchema: 'Bucket, Key, Size, LastModifiedDate, ETag, EncryptionStatus',
  files: [{key: 'inv/cv-prod/all/data/a.csv.gz', size: 120, MD5checksum: 'd41d8cd98f00b204e9800998ecf8427e'}],
};

describe('judgeInventoryPair', () => {
  it.each([
    ['a row that matches', blob, row, 'ok'],
    ['no row', blob, undefined, 'missing'],
    ['no row for a blob created after the scan began', {...blob, createdAt: scannedAt + 1}, undefined, 'newer'],
    ['a row of no blob', undefined, row, 'no-blob'],
    ['a wrong size', blob, {...row, size: 3}, 'wrong-size'],
    ['a wrong ETag', blob, {...row, etag: 'f'.repeat(32)}, 'wrong-checksum'],
    ['a multipart ETag', blob, {...row, etag: `${'f'.repeat(32)}-3`}, 'unverifiable'],
    ['an SSE-KMS object', blob, {...row, etag: 'f'.repeat(32), encryption: 'SSE-KMS'}, 'unverifiable'],
    ['no ETag field', blob, {...row, etag: undefined}, 'unverifiable'],
    ['no checksum in the database', {...blob, checksum: null}, row, 'unverifiable'],
    ['a SHA-256 checksum', {...blob, checksum: `sha256:${createHash('sha256').update(body).digest('base64')}`}, row, 'unverifiable'],
  ])('%s: %s', (_, theBlob, theRow, finding) => {
    expect(judgeInventoryPair(theBlob, theRow, scannedAt).finding).toBe(finding);
  });

  it('says what is wrong', () => {
    expect(judgeInventoryPair(blob, {...row, size: 3}, scannedAt).problem).toBe(`size is 3 bytes, the database says ${body.length}`);
    expect(judgeInventoryPair(blob, {...row, etag: 'f'.repeat(32)}, scannedAt).problem).toBe(
      `ETag (MD5) is ${'f'.repeat(32)}, the database's checksum is ${md5.toString('hex')}`,
    );
  });
});

describe('toInventoryRow', () => {
  const parsed = parseInventoryManifest(JSON.stringify(manifest), ['cv-prod']);
  const versioned = parseInventoryManifest(JSON.stringify({...manifest, fileSchema: 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, ETag'}), [
    'cv-prod',
  ]);
  it.each([
    ['a plain key', parsed, ['cv-prod', 'abc', '12', 't', 'ABC', 'SSE-S3'], {key: 'abc', size: 12, etag: 'abc', encryption: 'SSE-S3'}],
    ['a URL-encoded key', parsed, ['cv-prod', 'a%2Fb%20c%C3%A9%2B', '1', 't', 'e', 'NOT-SSE'], {key: 'a/b cé+', size: 1, etag: 'e', encryption: 'NOT-SSE'}],
    ['a space written as +', parsed, ['cv-prod', 'my+file.png', '1', 't', 'e', 'NOT-SSE'], {key: 'my file.png', size: 1, etag: 'e', encryption: 'NOT-SSE'}],
    ['the latest version', versioned, ['cv-prod', 'k', 'v2', 'true', 'false', '5', 'e'], {key: 'k', size: 5, etag: 'e', encryption: undefined}],
    ['an older version', versioned, ['cv-prod', 'k', 'v1', 'false', 'false', '5', 'e'], undefined],
    ['a delete marker', versioned, ['cv-prod', 'k', 'v3', 'true', 'true', '', ''], undefined],
  ])('reads %s', (_, theManifest, record, expected) => {
    expect(toInventoryRow(record, theManifest)).toEqual(expected);
  });
});

describe('parseInventoryManifest', () => {
  it('reads the documented fields', () => {
    expect(parseInventoryManifest(JSON.stringify(manifest), ['cv-prod'])).toEqual({
      sourceBucket: 'cv-prod',
      destinationBucket: 'cv-inventory',
      createdAt: scannedAt,
      columns: {key: 1, size: 2, etag: 4, encryption: 5, isLatest: undefined, isDeleteMarker: undefined},
      columnCount: 6,
      files: [{key: 'inv/cv-prod/all/data/a.csv.gz', size: 120, md5: 'd41d8cd98f00b204e9800998ecf8427e'}],
    });
  });

  it.each([
    ['text that is not JSON', 'Bucket,Key', /is not JSON/],
    ['a JSON list', '[]', /is not a JSON object/],
    ['no sourceBucket', JSON.stringify({...manifest, sourceBucket: undefined}), /has no "sourceBucket"/],
    ['a creationTimestamp that is not a number', JSON.stringify({...manifest, creationTimestamp: '2026-11-30'}), /creationTimestamp is not epoch milliseconds/],
    ['the ORC format', JSON.stringify({...manifest, fileFormat: 'ORC'}), /names an inventory in ORC format/],
    ['no Size field', JSON.stringify({...manifest, fileSchema: 'Bucket, Key, ETag'}), /without Size in its fileSchema/],
    ['no files', JSON.stringify({...manifest, files: []}), /lists no files/],
    ['a file without its MD5', JSON.stringify({...manifest, files: [{key: 'a', size: 1}]}), /files\[0\] is not \{key, size, MD5checksum\}/],
    [
      'another bucket',
      JSON.stringify({...manifest, sourceBucket: 'cv-dev'}),
      /inventory of the bucket "cv-dev", which is not one of the configured buckets \(cv-prod\)/,
    ],
  ])('refuses %s, naming inventory-manifest', (_, text, message) => {
    const error = catchConfigError(() => parseInventoryManifest(text, ['cv-prod']));
    expect(error.input).toBe('inventory-manifest');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['s3://cv-inventory/inv/cv-prod/all/2026-11-30T00-00Z/manifest.json', {bucket: 'cv-inventory', key: 'inv/cv-prod/all/2026-11-30T00-00Z/manifest.json'}],
    ['s3://cv-inventory/manifest.json', {bucket: 'cv-inventory', key: 'manifest.json'}],
  ])('reads %s', (url, location) => {
    expect(parseS3Url(url)).toEqual(location);
  });
});
