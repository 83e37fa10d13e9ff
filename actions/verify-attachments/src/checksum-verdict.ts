import type {BlobRecord} from './blob.js';
import type {BodyDigest, HeadResult} from './object-store.js';

export type VerifyMode = 'head' | 'checksum' | 'download';
export type Status = 'ok' | 'missing' | 'mismatched' | 'unverifiable';

export interface Verdict {
  status: Status;
  /** What is wrong, for the summary's failure table; absent when all is well. */
  problem?: string;
  /** Worth a look, never a failure: a content type that differs. */
  warnings: string[];
}

export type ExpectedDigest = {algorithm: 'md5' | 'sha256'; digest: Buffer};

type FoundHead = Extract<HeadResult, {found: true}>;

const digestLengths = {md5: 16, sha256: 32};

/**
 * Reads `active_storage_blobs.checksum`: base64 MD5 without a prefix (every Rails up to 8.1), or `algorithm:` and
 * base64 (Rails 8.2 stores `sha256:`). Returns what is wrong with it when it cannot be used.
 */
export function parseChecksum(checksum: string | null): ExpectedDigest | {problem: string} {
  if (checksum === null || checksum.trim() === '') return {problem: 'no checksum in the database'};
  const prefixed = /^([A-Za-z0-9-]+):(.*)$/.exec(checksum);
  const algorithm = prefixed ? (prefixed[1] as string).toLowerCase() : 'md5';
  const encoded = prefixed ? (prefixed[2] as string) : checksum;
  if (algorithm !== 'md5' && algorithm !== 'sha256') return {problem: `checksum algorithm "${algorithm}" is not one this action verifies (md5, sha256)`};
  const digest = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || digest.length !== digestLengths[algorithm]) {
    return {problem: `checksum "${checksum}" is not a base64 ${algorithm === 'md5' ? 'MD5' : 'SHA-256'}`};
  }
  return {algorithm, digest};
}

/**
 * What a HEAD proves. Checksum mode compares the ETag where S3 makes it the MD5 (single-part, not SSE-KMS) and the
 * stored SHA-256 where S3 keeps one; anything else it cannot prove is unverifiable. Download mode hashes every body.
 */
export function judgeHead(blob: BlobRecord, head: HeadResult, mode: VerifyMode): Verdict | 'hash-body' {
  if (!head.found) return {status: 'missing', problem: 'no such object (404)', warnings: []};
  const warnings = contentTypeWarnings(blob, head);
  if (head.size !== blob.byteSize) return {status: 'mismatched', problem: `size is ${head.size} bytes, the database says ${blob.byteSize}`, warnings};
  // Head mode never needs the checksum, but a blob without one is still worth naming.
  if (mode === 'head') return {status: 'ok', warnings: blob.checksum ? warnings : [...warnings, 'no checksum in the database']};
  const expected = parseChecksum(blob.checksum);
  if ('problem' in expected) return {status: 'unverifiable', problem: expected.problem, warnings};
  if (mode === 'download') return 'hash-body';
  return {...compareHead(expected, head), warnings};
}

function compareHead(expected: ExpectedDigest, head: FoundHead): Omit<Verdict, 'warnings'> {
  if (expected.algorithm === 'sha256') {
    if (head.sha256 === undefined) return {status: 'unverifiable', problem: 'S3 keeps no SHA-256 of the object; verify: download hashes it'};
    if (head.checksumType === 'COMPOSITE' || head.sha256.includes('-')) {
      return {status: 'unverifiable', problem: "the object's SHA-256 is a multipart composite; verify: download hashes it"};
    }
    return compareDigest('SHA-256', Buffer.from(head.sha256, 'base64'), expected.digest);
  }
  const etag = (head.etag ?? '').replace(/^(W\/)?"|"$/g, '');
  if (head.encryption?.startsWith('aws:kms')) {
    return {status: 'unverifiable', problem: `encrypted with ${head.encryption}, so the ETag is not the MD5; verify: download hashes it`};
  }
  const multipart = /^[0-9a-f]{32}-(\d+)$/i.exec(etag);
  if (multipart) {
    const parts = multipart[1] === '1' ? '1 part' : `${multipart[1]} parts`;
    return {status: 'unverifiable', problem: `uploaded in ${parts}, so the ETag is not the MD5; verify: download hashes it`};
  }
  if (!/^[0-9a-f]{32}$/i.test(etag)) return {status: 'unverifiable', problem: `ETag "${etag}" is not an MD5; verify: download hashes it`};
  return compareDigest('MD5', Buffer.from(etag, 'hex'), expected.digest);
}

/** What hashing the whole body proves. */
export function judgeBody(blob: BlobRecord, head: FoundHead, body: BodyDigest | undefined): Verdict {
  // Deleted between the HEAD and the GET: as missing as a 404 on the HEAD.
  if (body === undefined) return {status: 'missing', problem: 'no such object (404)', warnings: []};
  const warnings = contentTypeWarnings(blob, head);
  if (body.size !== blob.byteSize) return {status: 'mismatched', problem: `body is ${body.size} bytes, the database says ${blob.byteSize}`, warnings};
  const expected = parseChecksum(blob.checksum);
  if ('problem' in expected) return {status: 'unverifiable', problem: expected.problem, warnings};
  const actual = expected.algorithm === 'md5' ? body.md5 : body.sha256;
  return {...compareDigest(expected.algorithm === 'md5' ? 'MD5' : 'SHA-256', actual, expected.digest), warnings};
}

function compareDigest(name: string, actual: Buffer, expected: Buffer): Omit<Verdict, 'warnings'> {
  if (actual.equals(expected)) return {status: 'ok'};
  return {status: 'mismatched', problem: `${name} is ${actual.toString('base64')}, the database says ${expected.toString('base64')}`};
}

// ActiveStorage keeps what the uploader claimed (CircuitVerse has stored "img/jpeg"); S3 keeps what was sent.
// A difference is worth a look but the bytes can still be right, so it only warns.
function contentTypeWarnings(blob: BlobRecord, head: FoundHead): string[] {
  if (!blob.contentType || !head.contentType) return [];
  const essence = (type: string) => (type.split(';')[0] as string).trim().toLowerCase();
  if (essence(blob.contentType) === essence(head.contentType)) return [];
  return [`content type is "${head.contentType}" in S3, "${blob.contentType}" in the database`];
}
