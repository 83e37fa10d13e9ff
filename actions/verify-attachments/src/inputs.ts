import {randomInt} from 'node:crypto';
import {ConfigError, type InputReader, type Logger, parseDuration, parseSshTarget, type SshTarget} from '@circuitverse/shared';

export type BlobSource = {kind: 'database'; url: string} | {kind: 'file'; path: string};

export interface VerifyAttachmentsInputs {
  source: BlobSource;
  tunnel: {target: SshTarget; privateKey: string; knownHosts: string} | undefined;
  sampleSize: number;
  seed: string;
  /** Blobs created at or after this instant are all checked; `undefined` for none. */
  recentSince: Date | undefined;
  /** ActiveStorage service name → bucket; the empty name stands for "any service" when only `bucket` is given. */
  services: Map<string, string>;
  region: string | undefined;
  endpoint: string | undefined;
  verify: 'head' | 'checksum' | 'download';
  concurrency: number;
  maxMissing: number;
  maxMismatched: number;
}

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const servicePattern = {pattern: /^[A-Za-z0-9_-]+$/, description: 'an ActiveStorage service name from config/storage.yml, such as amazon'};

/** Parses and checks every input; masks secrets before anything else can log them. */
export function readInputs(reader: InputReader, logger: Logger, now: Date): VerifyAttachmentsInputs {
  for (const secretInput of ['database-url', 'ssh-private-key']) {
    const value = reader.optional(secretInput);
    if (value) logger.mask(value);
  }
  return {
    source: readSource(reader),
    tunnel: readTunnel(reader),
    sampleSize: reader.integer('sample-size', 200, {min: 1, max: 10_000_000}),
    seed: reader.optional('seed') ?? String(randomInt(2 ** 47)),
    recentSince: readRecentSince(reader, now),
    services: readServices(reader),
    region: reader.optional('region'),
    endpoint: readEndpoint(reader),
    verify: reader.choice('verify', ['head', 'checksum', 'download'] as const, 'checksum'),
    concurrency: reader.integer('concurrency', 16, {min: 1, max: 256}),
    maxMissing: reader.integer('max-missing', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
    maxMismatched: reader.integer('max-mismatched', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
  };
}

function readSource(reader: InputReader): BlobSource {
  const url = reader.optional('database-url');
  const path = reader.optional('blobs-file');
  if (url !== undefined && path !== undefined) {
    throw new ConfigError('blobs-file', 'is set together with database-url', 'Set exactly one of database-url and blobs-file.');
  }
  if (path !== undefined) return {kind: 'file', path};
  if (url === undefined) {
    throw new ConfigError(
      'database-url',
      'is required when blobs-file is not set',
      'Set it to the postgres:// URL of the app database, e.g. ${{ secrets.DATABASE_URL }}.',
    );
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError('database-url', 'is not a PostgreSQL URL', 'Write postgres://user:password@host:port/database.');
  }
  return {kind: 'database', url};
}

function readTunnel(reader: InputReader): VerifyAttachmentsInputs['tunnel'] {
  const host = reader.optional('ssh-host');
  if (host === undefined) return undefined;
  const target = parseSshTarget(host, 'root');
  if (!target) throw new ConfigError('ssh-host', `is not a host ("${host}")`, 'Write [user@]host[:port], with IPv6 addresses in brackets.');
  return {
    target,
    privateKey: reader.required('ssh-private-key', 'the private key for the tunnel, e.g. ${{ secrets.SSH_PRIVATE_KEY }}'),
    knownHosts: reader.required('ssh-known-hosts', 'known_hosts lines for ssh-host'),
  };
}

function readRecentSince(reader: InputReader, now: Date): Date | undefined {
  const text = reader.optional('recent-since');
  if (text === undefined) return undefined;
  const duration = parseDuration(text);
  if (duration !== undefined) return new Date(now.getTime() - duration);
  const instant = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(instant.getTime())) {
    throw new ConfigError(
      'recent-since',
      `is neither an ISO time nor a duration ("${text}")`,
      'Write a time such as 2026-11-27T12:00:00Z or a duration such as 2h.',
    );
  }
  return instant;
}

function readServices(reader: InputReader): Map<string, string> {
  const services = reader.keyValues('services', {key: servicePattern});
  const bucket = reader.optional('bucket');
  if (bucket !== undefined && services.size > 0) {
    throw new ConfigError('bucket', 'is set together with services', 'Use bucket for one service, or services for several, not both.');
  }
  if (bucket !== undefined) services.set('', bucket);
  if (services.size === 0) {
    throw new ConfigError(
      'services',
      'is required when bucket is not set',
      'Write one service=bucket line per ActiveStorage service, e.g. amazon=circuitverse-images-prod.',
    );
  }
  for (const [service, name] of services) {
    if (!bucketPattern.test(name)) {
      const input = service === '' ? 'bucket' : 'services';
      throw new ConfigError(input, `names an invalid bucket "${name}"`, 'A bucket name is 3 to 63 lower-case letters, digits, "." or "-".');
    }
  }
  return services;
}

function readEndpoint(reader: InputReader): string | undefined {
  const endpoint = reader.optional('endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new ConfigError('endpoint', `is not an http(s) URL ("${endpoint}")`, 'Write the S3-compatible endpoint as https://host[:port].');
  }
  return endpoint;
}
