/** What a HEAD tells about an object. */
export type HeadResult =
  | {found: false}
  | {
      found: true;
      size: number;
      /** As S3 sends it, quotes included. */
      etag: string | undefined;
      contentType: string | undefined;
      /** `AES256`, `aws:kms`, `aws:kms:dsse`, or `undefined` when S3 does not say. */
      encryption: string | undefined;
      /** Base64, only when asked for with checksum mode and stored with the object. */
      sha256: string | undefined;
      /** `FULL_OBJECT` or `COMPOSITE` (multipart), when S3 sends a checksum. */
      checksumType: string | undefined;
    };

/** What hashing a whole object gave. */
export interface BodyDigest {
  size: number;
  md5: Buffer;
  sha256: Buffer;
}

/** A failure talking to the store: `transient` ones (throttling, 5xx, timeouts, dropped connections) are worth retrying. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    message: string,
    readonly transient: boolean,
    readonly status: number | undefined,
    options: {cause?: unknown} = {},
  ) {
    super(message, options);
  }
}

/** The few S3 calls the check needs; throws `StoreError`. */
export interface ObjectStore {
  /** Resolves when the bucket exists and these credentials may use it. */
  checkBucket(bucket: string): Promise<void>;
  /** `sha256` asks S3 for the object's stored SHA-256 (checksum mode). */
  head(bucket: string, key: string, options: {sha256: boolean}): Promise<HeadResult>;
  /** GETs the object and hashes it as it streams; a missing object resolves `undefined`. */
  hash(bucket: string, key: string): Promise<BodyDigest | undefined>;
  close(): void;
}
