import {generateKeyPairSync} from 'node:crypto';
import {createConsoleLogger, InputReader} from '@circuitverse/shared';
import {catchConfigError} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {readInputs} from '../src/inputs.js';

const now = new Date('2026-11-27T12:00:00Z');
const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
  publicKeyEncoding: {type: 'spki', format: 'pem'},
}).privateKey;
const valid = {'database-url': 'postgres://app:pw@127.0.0.1:5432/app', bucket: 'circuitverse-images-prod'};

function read(inputs: Record<string, string>) {
  const environment = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
  return readInputs(new InputReader(environment), createConsoleLogger({write: () => {}}), now);
}

describe('verify-attachments inputs', () => {
  it('applies the documented defaults', () => {
    expect(read(valid)).toMatchObject({
      source: {kind: 'database', url: valid['database-url']},
      tunnel: undefined,
      sampleSize: 200,
      recentSince: undefined,
      services: new Map([['', 'circuitverse-images-prod']]),
      verify: 'checksum',
      concurrency: 16,
      maxMissing: 0,
      maxMismatched: 0,
      orphans: false,
      orphanGraceMs: 86_400_000,
      maxOrphanObjects: 0,
      inventoryManifest: undefined,
      maxInventoryFaults: 0,
    });
  });

  it('reads the bucket-side checks', () => {
    const manifest = 's3://cv-inventory/inv/circuitverse-images-prod/all/2026-11-27T00-00Z/manifest.json';
    expect(
      read({...valid, orphans: 'true', 'orphan-grace': '2h', 'max-orphan-objects': '3', 'inventory-manifest': manifest, 'max-inventory-faults': '4'}),
    ).toMatchObject({
      orphans: true,
      orphanGraceMs: 7_200_000,
      maxOrphanObjects: 3,
      inventoryManifest: {url: manifest, bucket: 'cv-inventory', key: 'inv/circuitverse-images-prod/all/2026-11-27T00-00Z/manifest.json'},
      maxInventoryFaults: 4,
    });
  });

  it('leaves integrity off by default, and reads it when on', () => {
    expect(read(valid).integrity).toBeUndefined();
    expect(read({...valid, integrity: 'true', 'sample-size': '0'})).toMatchObject({
      sampleSize: 0,
      integrity: {orphanCutoff: new Date('2026-11-26T12:00:00Z'), singles: [], max: {orphan: 0, duplicate: 0, 'missing-blob': 0}},
    });
    const integrity = read({
      ...valid,
      integrity: 'true',
      'orphan-grace': '2h',
      'single-attachments': 'Project#circuit_preview, avatar\nAdmin::User#logo',
      'integrity-max': 'orphan=25\n# tolerated while the backfill runs\ncontent-type=3',
    }).integrity;
    expect(integrity).toEqual({
      orphanCutoff: new Date('2026-11-27T10:00:00Z'),
      singles: [
        {recordType: 'Project', name: 'circuit_preview'},
        {recordType: undefined, name: 'avatar'},
        {recordType: 'Admin::User', name: 'logo'},
      ],
      max: {'missing-blob': 0, orphan: 25, duplicate: 0, 'unknown-service': 0, empty: 0, 'content-type': 3, filename: 0, 'attachment-name': 0},
    });
  });

  it('draws a seed when none is given and keeps a given one', () => {
    expect(read(valid).seed).toMatch(/^\d+$/);
    expect(read({...valid, seed: '42'}).seed).toBe('42');
  });

  it.each([
    ['a duration', '2h', new Date('2026-11-27T10:00:00Z')],
    ['an ISO time', '2026-11-01T00:00:00Z', new Date('2026-11-01T00:00:00Z')],
  ])('reads recent-since as %s', (_, text, expected) => {
    expect(read({...valid, 'recent-since': text}).recentSince).toEqual(expected);
  });

  it('reads a services map and a tunnel', () => {
    const inputs = read({
      'database-url': valid['database-url'],
      services: 'amazon=circuitverse-images-prod\namazon_dev=circuitverse-images-dev',
      'ssh-host': 'deploy@db-1:2222',
      'ssh-private-key': privateKey,
      'ssh-known-hosts': '[db-1]:2222 ssh-ed25519 AAAA',
    });
    expect(inputs.services).toEqual(
      new Map([
        ['amazon', 'circuitverse-images-prod'],
        ['amazon_dev', 'circuitverse-images-dev'],
      ]),
    );
    expect(inputs.tunnel?.target).toMatchObject({user: 'deploy', host: 'db-1', port: 2222});
    expect(inputs.tunnel?.credentials.privateKey.type).toBe('ssh-rsa');
    expect(inputs.tunnel?.credentials.knownHosts.keysFor('db-1', 2222)).toHaveLength(1);
  });

  it('reads services as a YAML map too', () => {
    const yaml = read({'database-url': valid['database-url'], services: 'amazon: circuitverse-images-prod\namazon_custom: circuitverse-images-dev'});
    expect(yaml.services).toEqual(
      new Map([
        ['amazon', 'circuitverse-images-prod'],
        ['amazon_custom', 'circuitverse-images-dev'],
      ]),
    );
    expect(read({'database-url': valid['database-url'], services: '{amazon: circuitverse-images-prod}'}).services.get('amazon')).toBe(
      'circuitverse-images-prod',
    );
  });

  const legacyMapping = (files: string) => `- {table: projects, carrierwave: image_preview, record_type: Project, name: circuit_preview, files: "${files}"}`;

  it('reads a legacy mapping with its defaults, and the SSH credentials when it names a host', () => {
    const onHost = read({
      ...valid,
      'legacy-mapping': legacyMapping('ssh://deploy@app-1/srv/uploads/{id}/{filename}'),
      'ssh-private-key': privateKey,
      'ssh-known-hosts': 'app-1 ssh-ed25519 AAAA',
    });
    expect(onHost.legacy).toMatchObject({sampleSize: 100, maxUnmigrated: 0, maxMismatched: 0, mappings: [{table: 'projects', files: {kind: 'ssh'}}]});
    expect(onHost.legacy?.credentials?.knownHosts.keysFor('app-1', 22)).toHaveLength(1);
    const inBucket = read({...valid, 'legacy-mapping': legacyMapping('s3://legacy-bucket/{id}/{filename}'), 'legacy-sample-size': '5', 'max-unmigrated': '3'});
    expect(inBucket.legacy).toMatchObject({credentials: undefined, sampleSize: 5, maxUnmigrated: 3});
    expect(read(valid).legacy).toBeUndefined();
  });

  it('masks the database password, as written and decoded, along with the URL', () => {
    const masked: string[] = [];
    const logger = {...createConsoleLogger({write: () => {}}), mask: (secret: string) => masked.push(secret)};
    const url = 'postgres://app:p%40ss@db:5432/app';
    readInputs(new InputReader({'INPUT_DATABASE-URL': url, INPUT_BUCKET: 'circuitverse-images-prod'}), logger, now);
    expect(masked).toEqual([url, 'p%40ss', 'p@ss']);
  });

  it.each([
    ['no blob source', {'database-url': ''}, 'database-url'],
    ['both blob sources', {'blobs-file': 'blobs.ndjson'}, 'blobs-file'],
    ['a URL that is not PostgreSQL', {'database-url': 'mysql://x'}, 'database-url'],
    ['no bucket and no services', {bucket: ''}, 'services'],
    ['bucket and services together', {services: 'amazon=circuitverse-images-dev'}, 'bucket'],
    ['a malformed services map', {bucket: '', services: 'amazon'}, 'services'],
    ['an invalid bucket', {bucket: 'Bad_Bucket'}, 'bucket'],
    ['an unknown verify mode', {verify: 'md5'}, 'verify'],
    ['a concurrency of 0', {concurrency: '0'}, 'concurrency'],
    ['a negative max-missing', {'max-missing': '-1'}, 'max-missing'],
    ['a recent-since that is neither', {'recent-since': 'yesterday'}, 'recent-since'],
    ['an ssh-host that is not a host', {'ssh-host': 'db;reboot'}, 'ssh-host'],
    ['a tunnel without a key', {'ssh-host': 'db-1'}, 'ssh-private-key'],
    ['an endpoint that is not a URL', {endpoint: 'localhost:4568'}, 'endpoint'],
    ['a services map that is neither lines nor YAML', {bucket: '', services: 'amazon: [a, b'}, 'services'],
    ['a YAML services map with a list for a bucket', {bucket: '', services: 'amazon: [a, b]'}, 'services'],
    ['a YAML services map naming an invalid bucket', {bucket: '', services: 'amazon: Bad_Bucket'}, 'services'],
    [
      'a tunnel with a key that is not one',
      {'ssh-host': 'db-1', 'ssh-private-key': 'not a key', 'ssh-known-hosts': 'db-1 ssh-ed25519 AAAA'},
      'ssh-private-key',
    ],
    ['a tunnel for a blobs file', {'database-url': '', 'blobs-file': 'blobs.ndjson', 'ssh-host': 'db-1'}, 'ssh-host'],
    ['orphans that are not a boolean', {orphans: 'yes please'}, 'orphans'],
    ['an orphan-grace that is not a duration', {'orphan-grace': '1 day'}, 'orphan-grace'],
    ['an inventory manifest that is not an s3:// URL', {'inventory-manifest': 'https://x/manifest.json'}, 'inventory-manifest'],
    ['an inventory manifest that is not a manifest.json', {'inventory-manifest': 's3://cv-inventory/inv/data/a.csv.gz'}, 'inventory-manifest'],
    ['orphans for a blobs file', {'database-url': '', 'blobs-file': 'blobs.ndjson', orphans: 'true'}, 'orphans'],
    ['an inventory for a blobs file', {'database-url': '', 'blobs-file': 'b.ndjson', 'inventory-manifest': 's3://cv-inv/manifest.json'}, 'inventory-manifest'],
    ['a tunnel to a database URL with no host', {'database-url': 'postgres:///app', 'ssh-host': 'db-1'}, 'database-url'],
    [
      'a legacy mapping for a blobs file',
      {'database-url': '', 'blobs-file': 'b.ndjson', 'legacy-mapping': legacyMapping('s3://legacy-bucket/{filename}')},
      'legacy-mapping',
    ],
    ['a legacy mapping that is not one', {'legacy-mapping': 'projects: image_preview'}, 'legacy-mapping'],
    ['a legacy host without a key', {'legacy-mapping': legacyMapping('ssh://app-1/srv/{filename}')}, 'ssh-private-key'],
    ['a negative max-unmigrated', {'legacy-mapping': legacyMapping('s3://legacy-bucket/{filename}'), 'max-unmigrated': '-1'}, 'max-unmigrated'],
    ['nothing to check', {'sample-size': '0'}, 'sample-size'],
    ['integrity over a blobs file', {'database-url': '', 'blobs-file': 'blobs.ndjson', integrity: 'true'}, 'integrity'],
    ['an integrity input with integrity off', {'single-attachments': 'avatar'}, 'single-attachments'],
    ['a single attachment that is not a name', {integrity: 'true', 'single-attachments': 'User.avatar'}, 'single-attachments'],
    ['an integrity-max of no class', {integrity: 'true', 'integrity-max': 'orphans=1'}, 'integrity-max'],
    ['an integrity-max that is not a count', {integrity: 'true', 'integrity-max': 'orphan=-1'}, 'integrity-max'],
    ['an integrity-max line that is not class=count', {integrity: 'true', 'integrity-max': 'orphan'}, 'integrity-max'],
    ['an orphan-grace that is no duration', {integrity: 'true', 'orphan-grace': '1 day'}, 'orphan-grace'],
  ])('refuses %s, naming the input', (_, override, input) => {
    const error = catchConfigError(() => read({...valid, ...override}));
    expect(error.input).toBe(input);
    expect(error.message).toContain(`Input "${input}"`);
  });
});
