import {readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {S3Client} from '@aws-sdk/client-s3';
import {type ActionRun, findSandbox, runAction} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {datasetSql, expectedStatus, type PlantedDataset, plantedDataset} from './helpers/active-storage.js';
import {type HostPostgres, startHostPostgres} from './helpers/host-postgres.js';
import {psqlAt, runPsql} from './helpers/psql.js';
import {type S3Proxy, startS3Proxy} from './helpers/s3-proxy.js';
import {awsEnvironment, deleteBuckets, sandboxS3, uploadDataset} from './helpers/sandbox-s3.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const tag = `${process.pid}${Date.now().toString(36)}`;
const schema = `verify_attachments_${tag}`;
const emptySchema = `${schema}_empty`;
const buckets = {amazon: `va-${tag}-prod`, amazonCustom: `va-${tag}-dev`};

interface ReportBlob {
  key: string;
  status: string;
  attachmentName: string | null;
  selected: string;
}

async function reportOf(
  run: ActionRun,
): Promise<{blobs: ReportBlob[]; strata: Array<{stratum: string | null; size: number; share: number; drawn: number}>; counts: Record<string, number>}> {
  return JSON.parse(await readFile(run.outputs.report as string, 'utf8')).checks.sample;
}

async function statusesOf(run: ActionRun): Promise<Map<string, string>> {
  return new Map((await reportOf(run)).blobs.map(blob => [blob.key, blob.status]));
}

describe.skipIf(!sandbox)('verify-attachments against the sandbox', () => {
  if (!sandbox) return;
  let dataset: PlantedDataset;
  let s3: S3Client;
  let proxy: S3Proxy;
  const urlIn = (base: string, searchPath: string) => `${base}?options=${encodeURIComponent(`-c search_path=${searchPath}`)}`;
  const databaseUrl = urlIn(sandbox.postgres.url, schema);
  const services = `amazon=${buckets.amazon}\namazon_custom=${buckets.amazonCustom}`;
  const verify = (inputs: Record<string, string>) =>
    runAction(action, {inputs: {'database-url': databaseUrl, services, endpoint: proxy.url, ...inputs}, env: awsEnvironment(sandbox)});
  const expected = (mode: 'checksum' | 'download', keys?: Iterable<string>) => {
    const byKey = new Map(dataset.blobs.map(blob => [blob.key, expectedStatus[blob.plant][mode]]));
    return keys ? new Map([...keys].map(key => [key, byKey.get(key)])) : byKey;
  };

  beforeAll(async () => {
    dataset = plantedDataset(10_000, buckets, {recent: 40, now: new Date()});
    s3 = sandboxS3(sandbox);
    const quirks = await uploadDataset(s3, dataset);
    await runPsql(psqlAt(sandbox.postgres.url), `${datasetSql(dataset, schema)}\nCREATE SCHEMA ${emptySchema};`);
    proxy = await startS3Proxy(sandbox.s3.endpoint, quirks);
  });

  afterAll(async () => {
    await proxy?.close();
    await runPsql(psqlAt(sandbox.postgres.url), `DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${emptySchema} CASCADE;`);
    if (s3) await deleteBuckets(s3, Object.values(buckets));
    s3?.destroy();
  });

  it('finds exactly the planted faults when the sample covers every blob, and fails the step', async () => {
    const run = await verify({'sample-size': '10000', seed: '1'});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Of 10000 objects checked, 25 missing (max-missing: 0) and 22 mismatched (max-mismatched: 0). See the job summary, or ${run.outputs.report}.`,
    ]);
    expect(run.outputs).toMatchObject({sampled: '10000', missing: '25', mismatched: '22', unverifiable: '23', 'missing-rate': '0.0025'});
    expect(Number(run.outputs['missing-rate-upper'])).toBeCloseTo(0.00348988, 8);
    expect(await statusesOf(run)).toEqual(expected('checksum'));

    const missing = dataset.blobs.find(blob => blob.plant === 'missing');
    const multipart = dataset.blobs.find(blob => blob.plant === 'multipart');
    const local = dataset.blobs.find(blob => blob.plant === 'unknown-service');
    expect(run.summary).toContain('### Sample: 25 missing, 22 mismatched of 10000');
    expect(run.summary).toContain(`| \`${missing?.key}\` | ${missing?.service} | ${missing?.bucket} |`);
    expect(run.summary).toMatch(new RegExp(`\\| \`${multipart?.key}\` .*\\| unverifiable \\| uploaded in \\d parts, so the ETag is not the MD5`));
    expect(run.summary).toContain(`| \`${local?.key}\` | local | — |`);
    expect(run.summary).toContain('| Missing rate | 0.25% (95% upper bound 0.35%) |');
    expect(run.summary).toMatch(/\| `"circuit_preview "` \| \d+ \| \d+ \|/);
    expect(run.summary).toContain('| Seed | `1` |');
  });

  it('hashes every body in download mode, which settles multipart and SSE-KMS objects', async () => {
    const run = await verify({'sample-size': '10000', seed: '1', verify: 'download', 'max-missing': '25', 'max-mismatched': '24'});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({sampled: '10000', missing: '25', mismatched: '24', unverifiable: '8'});
    expect(await statusesOf(run)).toEqual(expected('download'));
  });

  it('draws a sample of 200 that its seed repeats, stratified by name, consistent with the plants', async () => {
    const lenient = {'sample-size': '200', 'max-missing': '200', 'max-mismatched': '200'};
    const first = await verify({...lenient, seed: '2026'});
    const again = await verify({...lenient, seed: '2026'});
    const other = await verify({...lenient, seed: '2027'});
    expect(first.exitCode).toBe(0);
    expect(first.log).toContain('Seed 2026');
    const sample = await statusesOf(first);
    expect(sample.size).toBe(200);
    expect([...(await statusesOf(again)).keys()]).toEqual([...sample.keys()]);
    expect([...(await statusesOf(other)).keys()]).not.toEqual([...sample.keys()]);
    expect(sample).toEqual(expected('checksum', sample.keys()));
    expect(first.outputs.missing).toBe(String([...sample.values()].filter(status => status === 'missing').length));

    // Five strata (four names and the unattached): each gets up to 200 / (2 × 5) = 20 before the split by size.
    const {strata} = await reportOf(first);
    expect(strata.map(stratum => stratum.stratum)).toEqual([null, 'circuit_preview', 'circuit_preview ', 'logo', 'profile_picture']);
    for (const stratum of strata) expect(stratum.drawn).toBe(Math.min(stratum.share, stratum.size));
    expect(strata.find(stratum => stratum.stratum === 'logo')?.drawn).toBe(20);
    // The handful of rows the trailing-space rename left behind are all checked, not outvoted.
    const renamed = strata.find(stratum => stratum.stratum === 'circuit_preview ');
    expect(renamed?.size).toBeGreaterThan(0);
    expect(renamed?.drawn).toBe(renamed?.size);
  });

  it('checks every blob created since recent-since on top of the sample', async () => {
    const run = await verify({'sample-size': '10', seed: '3', 'recent-since': '1h', 'max-missing': '50', 'max-mismatched': '50'});
    const report = await reportOf(run);
    const recentKeys = dataset.blobs.slice(-40).map(blob => blob.key);
    const recent = report.blobs.filter(blob => blob.selected !== 'sample').map(blob => blob.key);
    expect(recent.sort()).toEqual([...recentKeys].sort());
    expect(report.counts.sampled).toBe(10);
    expect(run.outputs.sampled).toBe(String(report.blobs.length));
  });

  it('gives exactly the right results while the server answers 503 to a share of requests and drops others', async () => {
    proxy.faults = {rate: 0.25, maxInARow: 3};
    const before = {...proxy.stats};
    try {
      const checksum = await verify({'sample-size': '10000', seed: '1', 'max-missing': '25', 'max-mismatched': '22'});
      expect(checksum.errors).toEqual([]);
      expect(await statusesOf(checksum)).toEqual(expected('checksum'));
      const download = await verify({'sample-size': '1500', seed: '5', verify: 'download', 'max-missing': '1500', 'max-mismatched': '1500'});
      const sample = await statusesOf(download);
      expect(sample).toEqual(expected('download', sample.keys()));
      expect(proxy.stats.slowDowns - before.slowDowns).toBeGreaterThan(1000);
      expect(proxy.stats.drops - before.drops).toBeGreaterThan(100);
      expect(proxy.stats.cutBodies - before.cutBodies).toBeGreaterThan(10);
    } finally {
      proxy.faults = {rate: 0, maxInARow: 0};
    }
  });

  describe('through an SSH tunnel to a database on a sandbox host', () => {
    let database: HostPostgres | undefined;
    const host = sandbox.hosts[0];
    const tunnelInputs = () => ({
      'database-url': database?.url ?? '',
      'ssh-host': `${sandbox.ssh.user}@${host?.address}`,
      'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
      'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
    });

    beforeAll(async () => {
      if (!host) throw new Error('The sandbox has no hosts.');
      database = await startHostPostgres(host, 55_439);
      await runPsql(database.psql, datasetSql(dataset, undefined));
    });

    afterAll(async () => {
      await database?.stop();
    });

    it('finds the same faults as a direct connection', async () => {
      const run = await verify({...tunnelInputs(), 'sample-size': '10000', seed: '1', 'max-missing': '25', 'max-mismatched': '22'});
      expect(run.errors).toEqual([]);
      expect(run.log).toContain(`database through ${sandbox.ssh.user}@${host?.address}`);
      expect(await statusesOf(run)).toEqual(expected('checksum'));
    });

    it('draws the same sample from the same seed as a direct connection', async () => {
      const lenient = {'sample-size': '200', seed: '2026', 'max-missing': '200', 'max-mismatched': '200'};
      const tunnelled = await verify({...tunnelInputs(), ...lenient});
      const direct = await verify(lenient);
      expect(await statusesOf(tunnelled)).toEqual(await statusesOf(direct));
    });

    it('refuses a host whose key is not the known one, in one line', async () => {
      const run = await verify({
        ...tunnelInputs(),
        'ssh-known-hosts': `${host?.address} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl`,
      });
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(/host key does not match ssh-known-hosts/);
    });
  });

  describe('bad input fails in one line', () => {
    // prettier-ignore
    it.each([
      [
        'an unreachable database',
        () => ({'database-url': 'postgres://app:pw@127.0.0.1:1/app'}),
        /^database: could not connect to the database: connect ECONNREFUSED 127\.0\.0\.1:1\. Check database-url\.$/,
      ],
      [
        'wrong database credentials',
        () => ({'database-url': urlIn(sandbox.postgres.url.replace(`:${sandbox.postgres.password}@`, ':wrong@'), schema)}),
        /^database: could not connect to the database: password authentication failed for user "sandbox"\. Check database-url\.$/,
      ],
      [
        'a database without the ActiveStorage tables',
        () => ({'database-url': urlIn(sandbox.postgres.url, emptySchema)}),
        /^Input "database-url" points to a database without an active_storage_blobs table in its search_path\./,
      ],
      [
        'a bucket that does not exist',
        () => ({services: `amazon=${buckets.amazon}\namazon_custom=va-${tag}-nowhere`}),
        new RegExp(`^Input "services" names the bucket "va-${tag}-nowhere", which does not exist\\.`),
      ],
      ['a malformed services map', () => ({services: `amazon ${buckets.amazon}`}), /^Input "services" is neither name=bucket lines nor a YAML map\./],
    ])('%s', async (_, inputs, message) => {
      const run = await verify({'sample-size': '10', ...inputs()});
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(message);
      expect(run.log).not.toMatch(/^\s+at /m);
      expect(run.log).not.toContain(sandbox.postgres.password);
    });
  });
});
