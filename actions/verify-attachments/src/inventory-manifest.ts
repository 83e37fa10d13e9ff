import {ConfigError} from '@circuitverse/shared';

const input = 'inventory-manifest';

/** One data file of an inventory, as the manifest lists it. */
export interface InventoryFile {
  key: string;
  size: number;
  /** Hex MD5 of the file as stored (gzipped). */
  md5: string;
}

/** An S3 Inventory report's manifest.json (version 2016-11-30), in the CSV format. */
export interface InventoryManifest {
  sourceBucket: string;
  /** Where the data files are, from the `arn:aws:s3:::bucket` form. */
  destinationBucket: string;
  /** When S3 started scanning the bucket, epoch milliseconds: blobs created after it may not be listed. */
  createdAt: number;
  /** Column positions of the fields the check reads. */
  columns: {
    key: number;
    size: number;
    etag: number | undefined;
    encryption: number | undefined;
    isLatest: number | undefined;
    isDeleteMarker: number | undefined;
  };
  columnCount: number;
  files: InventoryFile[];
}

/** `s3://bucket/key`, as the input is written. */
export function parseS3Url(text: string): {bucket: string; key: string} {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+\/)?manifest\.json$/.exec(text.trim());
  if (!match) {
    throw new ConfigError(
      input,
      `is not the s3:// URL of an inventory's manifest.json ("${text}")`,
      'Write s3://destination-bucket/prefix/source-bucket/config-id/YYYY-MM-DDTHH-MMZ/manifest.json.',
    );
  }
  return {bucket: match[1] as string, key: `${match[2] ?? ''}manifest.json`};
}

const fix = 'Point it at the manifest.json of an S3 Inventory report in CSV format (version 2016-11-30).';

function notOne(why: string): ConfigError {
  return new ConfigError(input, `names a file that is not an S3 Inventory manifest: ${why}`, fix);
}

/**
 * Reads manifest.json as AWS documents it ("Locating your inventory list"): `sourceBucket`, `destinationBucket`,
 * `creationTimestamp`, `fileFormat`, `fileSchema` (the CSV columns, comma-separated) and `files`.
 */
export function parseInventoryManifest(text: string, buckets: Iterable<string>): InventoryManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw notOne('it is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notOne('it is not a JSON object');
  const manifest = parsed as Record<string, unknown>;
  const field = (name: string) => {
    const value = manifest[name];
    if (typeof value !== 'string' || value === '') throw notOne(`it has no "${name}"`);
    return value;
  };
  const sourceBucket = field('sourceBucket');
  const destination = /^(?:arn:aws[a-z-]*:s3:::)?([^/:]+)$/.exec(field('destinationBucket'));
  if (!destination) throw notOne(`its destinationBucket is not a bucket ARN ("${manifest.destinationBucket}")`);
  const createdAt = Number(field('creationTimestamp'));
  if (!Number.isSafeInteger(createdAt)) throw notOne(`its creationTimestamp is not epoch milliseconds ("${manifest.creationTimestamp}")`);
  const format = field('fileFormat');
  if (format !== 'CSV') {
    throw new ConfigError(
      input,
      `names an inventory in ${format} format`,
      'Configure the inventory report with the CSV output format, which this check reads.',
    );
  }
  const schema = field('fileSchema')
    .split(',')
    .map(column => column.trim());
  const position = (name: string) => (schema.includes(name) ? schema.indexOf(name) : undefined);
  const key = position('Key');
  const size = position('Size');
  if (key === undefined || size === undefined) {
    throw new ConfigError(
      input,
      `names an inventory without ${key === undefined ? 'Key' : 'Size'} in its fileSchema`,
      'Add the Size and ETag fields to the inventory configuration.',
    );
  }
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) throw notOne('it lists no files');
  const files = manifest.files.map((file: unknown, index: number) => {
    const entry = file as Record<string, unknown>;
    if (
      typeof entry?.key !== 'string' ||
      typeof entry.size !== 'number' ||
      typeof entry.MD5checksum !== 'string' ||
      !/^[0-9a-f]{32}$/i.test(entry.MD5checksum)
    ) {
      throw notOne(`files[${index}] is not {key, size, MD5checksum}`);
    }
    return {key: entry.key, size: entry.size, md5: entry.MD5checksum.toLowerCase()};
  });
  const configured = [...buckets];
  if (!configured.includes(sourceBucket)) {
    throw new ConfigError(
      input,
      `names an inventory of the bucket "${sourceBucket}", which is not one of the configured buckets (${configured.join(', ')})`,
      "Use the inventory of the blobs' bucket, or map its service to it in services.",
    );
  }
  return {
    sourceBucket,
    destinationBucket: destination[1] as string,
    createdAt,
    columns: {
      key,
      size,
      etag: position('ETag'),
      encryption: position('EncryptionStatus'),
      isLatest: position('IsLatest'),
      isDeleteMarker: position('IsDeleteMarker'),
    },
    columnCount: schema.length,
    files,
  };
}
