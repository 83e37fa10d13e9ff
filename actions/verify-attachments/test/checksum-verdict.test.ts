import {describe, expect, it} from 'vitest';
import type {BlobRecord} from '../src/blob.js';
import {judgeBody, judgeHead, parseChecksum, type VerifyMode} from '../src/checksum-verdict.js';
import type {HeadResult} from '../src/object-store.js';
import {blobFor, digestOf, headFor, md5Hex, sha256Base64} from './helpers/blobs.js';

const body = 'PNG bytes of a circuit preview';
const other = 'PNG bytes of another preview!!';

describe('parseChecksum', () => {
  // prettier-ignore
  it.each([
    ['base64 MD5 without a prefix', 'vckNNU4TN7zbzl+o3tjXPQ==', 'md5'],
    ['an md5: prefix', 'md5:vckNNU4TN7zbzl+o3tjXPQ==', 'md5'],
    ['Rails 8.2 sha256:', `sha256:${sha256Base64(body)}`, 'sha256'],
  ])('reads %s', (_, checksum, algorithm) => {
    expect(parseChecksum(checksum)).toMatchObject({algorithm});
  });

  // prettier-ignore
  it.each([
    [null, 'no checksum in the database'],
    ['', 'no checksum in the database'],
    ['crc32:AAAAAA==', 'checksum algorithm "crc32" is not one this action verifies (md5, sha256)'],
    ['vckNNU4TN7zbzl+o3tjX', 'checksum "vckNNU4TN7zbzl+o3tjX" is not a base64 MD5'],
    ['not base64 at all!', 'checksum "not base64 at all!" is not a base64 MD5'],
    ['sha256:vckNNU4TN7zbzl+o3tjXPQ==', 'checksum "sha256:vckNNU4TN7zbzl+o3tjXPQ==" is not a base64 SHA-256'],
  ])('explains why %j cannot be used', (checksum, problem) => {
    expect(parseChecksum(checksum)).toEqual({problem});
  });
});

describe('judgeHead', () => {
  const sha256Blob = blobFor(body, {checksum: `sha256:${sha256Base64(body)}`});
  // prettier-ignore
  it.each<[string, BlobRecord, HeadResult, VerifyMode, string, string | undefined]>([
    ['a 404', blobFor(body), {found: false}, 'checksum', 'missing', 'no such object (404)'],
    ['the wrong size', blobFor(body, {byteSize: 10}), headFor(body), 'checksum', 'mismatched', `size is ${body.length} bytes, the database says 10`],
    [
      'the wrong size, even in head mode',
      blobFor(body, {byteSize: 10}),
      headFor(body),
      'head',
      'mismatched',
      `size is ${body.length} bytes, the database says 10`,
    ],
    ['only existence and size in head mode', blobFor(body, {checksum: null}), headFor(body, {etag: '"0"'}), 'head', 'ok', undefined],
    ['a single-part ETag that is the MD5', blobFor(body), headFor(body), 'checksum', 'ok', undefined],
    ['an unquoted or upper-case ETag alike', blobFor(body), headFor(body, {etag: md5Hex(body).toUpperCase()}), 'checksum', 'ok', undefined],
    [
      'a single-part ETag that is another MD5',
      blobFor(body),
      headFor(body, {etag: `"${md5Hex(other)}"`}),
      'checksum',
      'mismatched',
      `MD5 is ${Buffer.from(md5Hex(other), 'hex').toString('base64')}, the database says ${blobFor(body).checksum}`,
    ],
    [
      'a multipart ETag',
      blobFor(body),
      headFor(body, {etag: `"${md5Hex('parts')}-3"`}),
      'checksum',
      'unverifiable',
      'uploaded in 3 parts, so the ETag is not the MD5; verify: download hashes it',
    ],
    [
      'a multipart ETag of one part',
      blobFor(body),
      headFor(body, {etag: `"${md5Hex('parts')}-1"`}),
      'checksum',
      'unverifiable',
      'uploaded in 1 part, so the ETag is not the MD5; verify: download hashes it',
    ],
    [
      'an SSE-KMS ETag',
      blobFor(body),
      headFor(body, {etag: `"${md5Hex('kms')}"`, encryption: 'aws:kms'}),
      'checksum',
      'unverifiable',
      'encrypted with aws:kms, so the ETag is not the MD5; verify: download hashes it',
    ],
    [
      'a DSSE-KMS ETag',
      blobFor(body),
      headFor(body, {encryption: 'aws:kms:dsse'}),
      'checksum',
      'unverifiable',
      'encrypted with aws:kms:dsse, so the ETag is not the MD5; verify: download hashes it',
    ],
    [
      'an ETag that is no MD5 at all',
      blobFor(body),
      headFor(body, {etag: '"abc"'}),
      'checksum',
      'unverifiable',
      'ETag "abc" is not an MD5; verify: download hashes it',
    ],
    ['no checksum in the database', blobFor(body, {checksum: null}), headFor(body), 'checksum', 'unverifiable', 'no checksum in the database'],
    ['no checksum, in download mode too', blobFor(body, {checksum: null}), headFor(body), 'download', 'unverifiable', 'no checksum in the database'],
    ['a sha256: checksum S3 confirms', sha256Blob, headFor(body, {sha256: sha256Base64(body), checksumType: 'FULL_OBJECT'}), 'checksum', 'ok', undefined],
    [
      'a sha256: checksum S3 contradicts',
      sha256Blob,
      headFor(body, {sha256: sha256Base64(other)}),
      'checksum',
      'mismatched',
      `SHA-256 is ${sha256Base64(other)}, the database says ${sha256Base64(body)}`,
    ],
    [
      'a sha256: checksum S3 does not keep',
      sha256Blob,
      headFor(body),
      'checksum',
      'unverifiable',
      'S3 keeps no SHA-256 of the object; verify: download hashes it',
    ],
    [
      'a composite multipart SHA-256',
      sha256Blob,
      headFor(body, {sha256: `${sha256Base64(body)}-2`, checksumType: 'COMPOSITE'}),
      'checksum',
      'unverifiable',
      "the object's SHA-256 is a multipart composite; verify: download hashes it",
    ],
  ])('judges %s', (_, blob, head, mode, status, problem) => {
    const verdict = judgeHead(blob, head, mode);
    expect(verdict).toMatchObject({status});
    expect(verdict === 'hash-body' ? undefined : verdict.problem).toBe(problem);
  });

  it('names a blob without a checksum in head mode too, as a warning', () => {
    expect(judgeHead(blobFor(body, {checksum: null}), headFor(body), 'head')).toEqual({status: 'ok', warnings: ['no checksum in the database']});
  });

  it.each<VerifyMode>(['download'])('asks for the body in %s mode, whatever the ETag', mode => {
    expect(judgeHead(blobFor(body), headFor(body), mode)).toBe('hash-body');
    expect(judgeHead(blobFor(body), headFor(body, {etag: '"x-2"', encryption: 'aws:kms'}), mode)).toBe('hash-body');
  });

  // prettier-ignore
  it.each([
    ['img/jpeg', 'image/jpeg', ['content type is "image/jpeg" in S3, "img/jpeg" in the database']],
    ['image/jpeg', 'IMAGE/JPEG; charset=binary', []],
    [null, 'image/jpeg', []],
  ])('warns, without failing, when the database says %j and S3 %j', (databaseType, s3Type, warnings) => {
    const verdict = judgeHead(blobFor(body, {contentType: databaseType}), headFor(body, {contentType: s3Type}), 'checksum');
    expect(verdict).toEqual({status: 'ok', warnings});
  });
});

describe('judgeBody', () => {
  const head = headFor(body) as Extract<HeadResult, {found: true}>;
  // prettier-ignore
  it.each([
    ['the right bytes', blobFor(body), digestOf(body), 'ok', undefined],
    ['the right bytes against a sha256: checksum', blobFor(body, {checksum: `sha256:${sha256Base64(body)}`}), digestOf(body), 'ok', undefined],
    [
      'other bytes of the same size',
      blobFor(body),
      digestOf(other),
      'mismatched',
      `MD5 is ${Buffer.from(md5Hex(other), 'hex').toString('base64')}, the database says ${blobFor(body).checksum}`,
    ],
    [
      'other bytes against a sha256: checksum',
      blobFor(body, {checksum: `sha256:${sha256Base64(body)}`}),
      digestOf(other),
      'mismatched',
      `SHA-256 is ${sha256Base64(other)}, the database says ${sha256Base64(body)}`,
    ],
    ['a body of another size', blobFor(body), digestOf('short'), 'mismatched', `body is 5 bytes, the database says ${body.length}`],
    ['an object gone since the HEAD', blobFor(body), undefined, 'missing', 'no such object (404)'],
  ])('judges %s', (_, blob, digest, status, problem) => {
    const verdict = judgeBody(blob, head, digest);
    expect(verdict.status).toBe(status);
    expect(verdict.problem).toBe(problem);
  });
});
