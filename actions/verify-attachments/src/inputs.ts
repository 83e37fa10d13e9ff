import {randomInt} from 'node:crypto';
import {ConfigError, type InputReader, type Logger, parseDuration, parseSshTarget, type SshTarget} from '@circuitverse/shared';
import {readSshCredentials, type SshCredentials} from '@circuitverse/shared/ssh';
import {parse as parseYaml} from 'yaml';
import {type IntegrityClass, parseIntegrityMax, parseSingleAttachments, type SingleAttachment} from './integrity-report.js';
import {parseS3Url} from './inventory-manifest.js';
import {type LegacyMapping, parseLegacyMapping} from './legacy-mapping.js';

export type BlobInput = {kind: 'database'; url: string} | {kind: 'file'; path: string};

export interface VerifyAttachmentsInputs {
  source: BlobInput;
  /** Reach the database through this host: its address in database-url is as the host sees it. */
  tunnel: {target: SshTarget; credentials: SshCredentials} | undefined;
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
  /** The legacy comparison, when `legacy-mapping` is set. */
  legacy: LegacyInputs | undefined;
  /** List the buckets and report objects no blob row names. */
  orphans: boolean;
  /** Objects (and blobs) younger than this are uploads in flight, not orphans. */
  orphanGraceMs: number;
  maxOrphanObjects: number;
  /** The S3 Inventory manifest to check every blob against; `undefined` for none. */
  inventoryManifest: {url: string; bucket: string; key: string} | undefined;
  maxInventoryFaults: number;
  /** The integrity report from the database alone; `undefined` when integrity is off. */
  integrity: IntegrityInputs | undefined;
}

export interface LegacyInputs {
  mappings: LegacyMapping[];
  /** For the legacy hosts the mapping names; `undefined` when it names none. */
  credentials: SshCredentials | undefined;
  sampleSize: number;
  maxUnmigrated: number;
  maxMismatched: number;
}

export interface IntegrityInputs {
  orphanCutoff: Date;
  singles: SingleAttachment[];
  max: Record<IntegrityClass, number>;
}

// orphan-grace is left out: it has a default, which the runner always passes.
const integrityInputs = ['single-attachments', 'integrity-max'];

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const servicePattern = {pattern: /^[A-Za-z0-9_-]+$/, description: 'an ActiveStorage service name from config/storage.yml, such as amazon'};

/** Parses and checks every input; masks secrets before anything else can log them. */
export function readInputs(reader: InputReader, logger: Logger, now: Date): VerifyAttachmentsInputs {
  for (const secretInput of ['database-url', 'ssh-private-key']) {
    const value = reader.optional(secretInput);
    if (value) logger.mask(value);
  }
  // The password alone turns up too, as written or decoded: in the URL rebuilt for the tunnel, in a driver's message.
  for (const password of passwordsOf(reader.optional('database-url'))) logger.mask(password);
  const source = readSource(reader);
  const sampleSize = reader.integer('sample-size', 200, {min: 0, max: 10_000_000});
  const recentSince = readRecentSince(reader, now);
  const integrity = readIntegrity(reader, source, now);
  const tunnel = readTunnel(reader, source);
  const legacy = readLegacy(reader, source, tunnel);
  const bucketChecks = readBucketChecks(reader, source);
  if (sampleSize === 0 && !recentSince && !integrity && !legacy && !bucketChecks.orphans && !bucketChecks.inventoryManifest) {
    throw new ConfigError(
      'sample-size',
      'is 0 with nothing else to check',
      'Sample at least 1 blob, or set recent-since, integrity, legacy-mapping, orphans or inventory-manifest.',
    );
  }
  return {
    source,
    tunnel,
    sampleSize,
    seed: reader.optional('seed') ?? String(randomInt(2 ** 47)),
    recentSince,
    services: readServices(reader),
    region: reader.optional('region'),
    endpoint: readEndpoint(reader),
    verify: reader.choice('verify', ['head', 'checksum', 'download'] as const, 'checksum'),
    concurrency: reader.integer('concurrency', 16, {min: 1, max: 256}),
    maxMissing: reader.integer('max-missing', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
    maxMismatched: reader.integer('max-mismatched', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
    integrity,
    legacy,
    ...bucketChecks,
  };
}

// Off by default: the sample reads a few thousand rows by index, the integrity report reads both tables whole.
function readIntegrity(reader: InputReader, source: BlobInput, now: Date): IntegrityInputs | undefined {
  if (!reader.boolean('integrity', false)) {
    const stray = integrityInputs.find(name => reader.optional(name) !== undefined);
    if (stray) throw new ConfigError(stray, 'is set, but integrity is off', `Set integrity: true, or drop ${stray}.`);
    return undefined;
  }
  if (source.kind === 'file') {
    throw new ConfigError('integrity', 'needs the database, but the blobs come from blobs-file', 'Read the blobs from database-url, or drop integrity.');
  }
  return {
    orphanCutoff: new Date(now.getTime() - reader.duration('orphan-grace', '24h')),
    singles: parseSingleAttachments(reader.list('single-attachments')),
    max: parseIntegrityMax(reader.keyValues('integrity-max', {key: {pattern: /^[a-z-]+$/, description: 'a class such as orphan or duplicate'}})),
  };
}

function readLegacy(reader: InputReader, source: BlobInput, tunnel: VerifyAttachmentsInputs['tunnel']): LegacyInputs | undefined {
  const text = reader.optional('legacy-mapping');
  if (text === undefined) return undefined;
  if (source.kind === 'file') {
    throw new ConfigError(
      'legacy-mapping',
      'is set, but the blobs come from blobs-file',
      'The comparison reads the legacy tables: read the blobs from database-url.',
    );
  }
  const mappings = parseLegacyMapping(text);
  const hosts = mappings.some(mapping => mapping.files.kind === 'ssh');
  return {
    mappings,
    credentials: hosts ? (tunnel?.credentials ?? readSshCredentials(reader, 'the legacy-mapping hosts')) : undefined,
    sampleSize: reader.integer('legacy-sample-size', 100, {min: 0, max: 1_000_000}),
    maxUnmigrated: reader.integer('max-unmigrated', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
    maxMismatched: reader.integer('max-legacy-mismatched', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
  };
}

function readBucketChecks(reader: InputReader, source: BlobInput) {
  const orphans = reader.boolean('orphans', false);
  const manifest = reader.optional('inventory-manifest');
  const checks = {
    orphans,
    orphanGraceMs: reader.duration('orphan-grace', '24h'),
    maxOrphanObjects: reader.integer('max-orphan-objects', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
    inventoryManifest: manifest === undefined ? undefined : {url: manifest, ...parseS3Url(manifest)},
    maxInventoryFaults: reader.integer('max-inventory-faults', 0, {min: 0, max: Number.MAX_SAFE_INTEGER}),
  };
  // Both look blobs up by key, which a blobs file (read whole for sampling) has no index for.
  if (source.kind === 'file' && (orphans || manifest !== undefined)) {
    throw new ConfigError(
      orphans ? 'orphans' : 'inventory-manifest',
      'needs the blobs from database-url, not blobs-file',
      'Read the blobs from database-url, or drop it.',
    );
  }
  return checks;
}

function readSource(reader: InputReader): BlobInput {
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
  if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url)) {
    throw new ConfigError('database-url', 'is not a PostgreSQL URL', 'Write postgres://user:password@host:port/database.');
  }
  return {kind: 'database', url};
}

function passwordsOf(url: string | undefined): string[] {
  if (url === undefined || !URL.canParse(url)) return [];
  const password = new URL(url).password;
  if (!password) return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}

function readTunnel(reader: InputReader, source: BlobInput): VerifyAttachmentsInputs['tunnel'] {
  const host = reader.optional('ssh-host');
  if (host === undefined) return undefined;
  if (source.kind === 'file')
    throw new ConfigError('ssh-host', 'is set, but the blobs come from blobs-file', 'Drop ssh-host, or read the blobs from database-url.');
  if (new URL(source.url).hostname === '') {
    throw new ConfigError(
      'database-url',
      'names no host for the tunnel to reach',
      'Write the database host as ssh-host sees it, e.g. postgres://app:pw@127.0.0.1:5432/app.',
    );
  }
  const target = parseSshTarget(host, 'root');
  if (!target) throw new ConfigError('ssh-host', `is not a host ("${host}")`, 'Write [user@]host[:port], with IPv6 addresses in brackets.');
  return {target, credentials: readSshCredentials(reader, 'ssh-host')};
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
  const services = readServiceMap(reader);
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

// name=bucket lines, or the same map in YAML (`amazon: circuitverse-images-prod`, or a flow mapping): a bucket
// name holds neither "=" nor ":", so whichever separator the text uses tells the two apart.
function readServiceMap(reader: InputReader): Map<string, string> {
  const text = reader.optional('services');
  if (text === undefined || /^[^#:]*=/m.test(text)) return reader.keyValues('services', {key: servicePattern});
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      'services',
      `is neither name=bucket lines nor a YAML map (${(error as Error).message.split('\n')[0]})`,
      'Write one service=bucket line per service.',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      'services',
      'is neither name=bucket lines nor a YAML map',
      'Write one service=bucket line per service, e.g. amazon=circuitverse-images-prod.',
    );
  }
  const services = new Map<string, string>();
  for (const [name, bucket] of Object.entries(parsed)) {
    if (!servicePattern.pattern.test(name)) throw new ConfigError('services', `has an invalid key "${name}"`, `A key is ${servicePattern.description}.`);
    if (typeof bucket !== 'string') throw new ConfigError('services', `maps "${name}" to something that is not a bucket name`, 'Write service: bucket.');
    services.set(name, bucket);
  }
  return services;
}
