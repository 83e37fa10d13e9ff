import type {Stratum} from './stratum-shares.js';

/** One row of `active_storage_blobs`, with the name it is attached under. */
export interface BlobRecord {
  /** The row id; for a blobs file, the line number. */
  id: number;
  /** The object key, at the bucket root. */
  key: string;
  byteSize: number;
  /** Base64 MD5, or `sha256:` and base64 (Rails 8.2); `null` when the app stored none. */
  checksum: string | null;
  serviceName: string;
  contentType: string | null;
  /** ISO 8601. */
  createdAt: string;
  attachmentName: Stratum;
}
