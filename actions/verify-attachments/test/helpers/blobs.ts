import {createHash} from 'node:crypto';
import type {BlobRecord} from '../../src/blob.js';
import type {BodyDigest, HeadResult} from '../../src/object-store.js';

/** The MD5 ActiveStorage stores for some bytes: base64, no prefix. */
export function md5Checksum(body: string | Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

export function md5Hex(body: string | Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

export function sha256Base64(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('base64');
}

/** A blob row as Rails writes it for `body`. */
export function blobFor(body: string, overrides: Partial<BlobRecord> = {}): BlobRecord {
  return {
    id: 1,
    key: 'u8x0zq4m2kqpj7w1h3c9b5n6d0ra',
    byteSize: Buffer.byteLength(body),
    checksum: md5Checksum(body),
    serviceName: 'amazon',
    contentType: 'image/png',
    createdAt: '2026-11-01T10:00:00.000000Z',
    attachmentName: 'circuit_preview',
    ...overrides,
  };
}

/** The HEAD S3 gives for a single-part, unencrypted upload of `body`. */
export function headFor(body: string, overrides: Partial<Extract<HeadResult, {found: true}>> = {}): HeadResult {
  return {
    found: true,
    size: Buffer.byteLength(body),
    etag: `"${md5Hex(body)}"`,
    contentType: 'image/png',
    encryption: 'AES256',
    sha256: undefined,
    checksumType: undefined,
    ...overrides,
  };
}

export function digestOf(body: string): BodyDigest {
  return {size: Buffer.byteLength(body), md5: createHash('md5').update(body).digest(), sha256: createHash('sha256').update(body).digest()};
}
