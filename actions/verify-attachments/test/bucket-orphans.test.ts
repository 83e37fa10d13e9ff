import {stub} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import type {BlobKeys} from '../src/blob-keys.js';
import type {BucketReader, ListedObject} from '../src/bucket-listing.js';
import {checkListable, findBucketOrphans, owningBlobKey, servicesByBucket} from '../src/bucket-orphans.js';
import {compareKeys} from '../src/key-order.js';
import {estimateObjects, placeInRange, planKeyRanges, startAfterOf} from '../src/key-ranges.js';
import {StoreError} from '../src/object-store.js';
import {seededRandom} from '../src/random.js';
import {fakeClock, recordingLogger} from './helpers/fakes.js';

const day = 86_400_000;

/** A bucket as ListObjectsV2 pages it: in byte order, after StartAfter, under Prefix, MaxKeys at a time. */
function memoryBucket(objects: ListedObject[]): BucketReader & {requests: number} {
  const sorted = [...objects].sort((a, b) => compareKeys(a.key, b.key));
  const reader = stub<BucketReader & {requests: number}>('BucketReader', {
    requests: 0,
    listPage: async (_bucket: string, page: {prefix?: string; startAfter?: string; continuationToken?: string; maxKeys: number}) => {
      reader.requests++;
      const after = page.continuationToken ?? page.startAfter;
      const matching = sorted.filter(object => (after === undefined || compareKeys(object.key, after) > 0) && object.key.startsWith(page.prefix ?? ''));
      const objects = matching.slice(0, page.maxKeys);
      return {objects, continuationToken: matching.length > page.maxKeys ? objects.at(-1)?.key : undefined};
    },
  });
  return reader;
}

function memoryBlobKeys(keys: Array<[string, string]>): BlobKeys {
  const services = new Map(keys);
  return stub<BlobKeys>('BlobKeys', {
    present: async (wanted: string[], of: string[] | undefined) =>
      new Set(wanted.filter(key => services.has(key) && (of === undefined || of.includes(services.get(key) as string)))),
  });
}

const old = 0;
const object = (key: string, lastModified = old): ListedObject => ({key, size: 1, etag: '"x"', lastModified});

async function orphansOf(objects: ListedObject[], blobs: Array<[string, string]>, options: {graceMs?: number; services?: string[]} = {}) {
  const clock = fakeClock();
  await clock.sleep(10 * day);
  const reader = memoryBucket(objects);
  const blobKeys = memoryBlobKeys(blobs);
  const report = await findBucketOrphans(
    {buckets: new Map([['bucket', options.services]]), graceMs: options.graceMs ?? day, concurrency: 4, examples: 100, threshold: 0},
    {reader, blobKeys, clock, logger: recordingLogger()},
  );
  return {report, reader, blobKeys};
}

describe('planKeyRanges', () => {
  // Every key is listed by exactly one range, whatever its first character.
  it.each(['0abc', '9zzz', 'a', 'zz', 'variants/abc/d', 'Abc', '-x', '_tmp', '~', 'é', '😀', `9${String.fromCodePoint(0x10ffff)}x`, ':x', '/x', '1', 'z'])(
    'puts %j in exactly one range',
    key => {
      const holders = planKeyRanges(720_000).filter(range => {
        const startAfter = startAfterOf(range);
        const listed = startAfter === undefined || compareKeys(key, startAfter) > 0;
        return listed && placeInRange(range, key) === 'in';
      });
      expect(holders).toHaveLength(1);
    },
  );

  it.each([
    [1, 1, undefined, undefined],
    [20_000, 1, undefined, undefined],
    [20_001, 2, 'i', 'i'],
    [720_000, 36, '1', 'z'],
    [10_000_000, 500, '02', 'zx'],
    [1e12, 1296, '01', 'zz'],
  ])('splits an estimated %i objects into %i ranges, from %j to %j', (objects, count, second, last) => {
    const ranges = planKeyRanges(objects);
    expect(ranges).toHaveLength(count);
    expect(ranges[0]?.from).toBeUndefined();
    expect(ranges[1]?.from).toBe(second);
    expect(ranges.at(-1)?.from).toBe(count === 1 ? undefined : last);
    expect(ranges.at(-1)?.before).toBeUndefined();
    for (const [index, range] of ranges.slice(1).entries()) expect(range.from).toBe(ranges[index]?.before);
  });

  it.each([
    [1000, 'i', 2000],
    [1000, '3', 12_000],
    [1000, 'zzzz', 1001],
    [1000, 'A', 3600],
    [1000, '-', 1000 * 36 ** 4],
    [10, '0001', 10 * 36 ** 4],
  ])('estimates a bucket whose first page of %i ends at %j at %i objects', (page, lastKey, estimate) => {
    expect(estimateObjects(page, lastKey)).toBe(estimate);
  });

  it.each([
    [{from: undefined, before: '1'}, undefined, '-x', 'in'],
    [{from: undefined, before: '1'}, undefined, '1abc', 'past'],
    [{from: '9', before: 'a'}, '8\u{10ffff}', '8\u{10ffff}z', 'before'],
    [{from: '9', before: 'a'}, '8\u{10ffff}', 'Upper', 'in'],
    [{from: 'a', before: 'b'}, '`\u{10ffff}', 'a', 'in'],
    [{from: 'z', before: undefined}, 'y\u{10ffff}', '~', 'in'],
  ])('range %j starts after %j and places %j: %s', (range, startAfter, key, place) => {
    expect(startAfterOf(range)).toBe(startAfter);
    expect(placeInRange(range, key)).toBe(place);
  });
});

describe('owningBlobKey and servicesByBucket', () => {
  it.each([
    ['abc', {blobKey: 'abc', variant: false}],
    ['variants/abc/0123', {blobKey: 'abc', variant: true}],
    ['variants/abc', {blobKey: 'variants/abc', variant: false}],
    ['variantsabc/x/y', {blobKey: 'variantsabc/x/y', variant: false}],
  ])('%j belongs to %j', (key, owner) => {
    expect(owningBlobKey(key)).toEqual(owner);
  });

  it.each([
    [[['', 'prod']], [['prod', undefined]]],
    [
      [
        ['amazon', 'prod'],
        ['amazon_dev', 'dev'],
        ['mirror', 'prod'],
      ],
      [
        ['prod', ['amazon', 'mirror']],
        ['dev', ['amazon_dev']],
      ],
    ],
  ])('maps services %j to buckets %j', (services, buckets) => {
    expect(servicesByBucket(new Map(services as Array<[string, string]>))).toEqual(new Map(buckets as Array<[string, string[] | undefined]>));
  });
});

describe('findBucketOrphans', () => {
  it('lists a large bucket in ranges and still finds every orphan once', async () => {
    const random = seededRandom('keys');
    const keys = Array.from({length: 50_000}, () => Array.from({length: 8}, () => Math.floor(random.next() * 36).toString(36)).join(''));
    const unique = [...new Set(keys)];
    const objects = [...unique.map(key => object(key)), object('Orphan'), object('~orphan'), object('morphan')];
    const logger = recordingLogger();
    const report = await findBucketOrphans(
      {buckets: new Map([['bucket', undefined]]), graceMs: 0, concurrency: 3, examples: 100, threshold: 0},
      {reader: memoryBucket(objects), blobKeys: memoryBlobKeys(unique.map(key => [key, 'amazon'])), clock: fakeClock(), logger},
    );
    expect(logger.lines).toContain('bucket: 3 key ranges');
    expect(report.examples.map(orphan => orphan.key)).toEqual(['Orphan', 'morphan', '~orphan']);
    expect(report.listed).toBe(objects.length);
  });

  it('reports exactly the objects no blob names, over several pages per range, and not the variants of blobs', async () => {
    const blobs = Array.from({length: 2500}, (_, index) => `a${index.toString(36).padStart(6, '0')}`);
    const objects = [
      ...blobs.map(key => object(key)),
      object('a-orphan'),
      object('zorphan'),
      object('Orphan'),
      object(`variants/${blobs[0]}/digest`),
      object('variants/gone/digest'),
      object('~'),
    ];
    const {report, reader} = await orphansOf(
      objects,
      blobs.map(key => [key, 'amazon']),
    );
    expect(report.examples.map(orphan => orphan.key)).toEqual(['Orphan', 'a-orphan', 'variants/gone/digest', 'zorphan', '~']);
    expect(report).toMatchObject({listed: objects.length, count: 5, variants: 1, inGrace: 0});
    // About 3,000 objects by the first page: one range, listed on from it.
    expect(reader.requests).toBe(3);
  });

  it('leaves objects within the grace period alone', async () => {
    const {report} = await orphansOf([object('fresh', 10 * day - 1000), object('stale', 10 * day - 2 * day)], []);
    expect(report.examples.map(orphan => orphan.key)).toEqual(['stale']);
    expect(report.inGrace).toBe(1);
  });

  it("counts a blob of another bucket's service as no blob of this one", async () => {
    const {report} = await orphansOf(
      [object('k1'), object('k2')],
      [
        ['k1', 'amazon'],
        ['k2', 'amazon_dev'],
      ],
      {services: ['amazon']},
    );
    expect(report.examples.map(orphan => orphan.key)).toEqual(['k2']);
  });
});

describe('checkListable', () => {
  it.each([
    [404, /^Input "services" names the bucket "prod", which does not exist\./],
    [
      403,
      /^Input "services" names the bucket "prod", which these credentials may not list \(AccessDenied\)\. Allow s3:ListBucket on it, or turn orphans off\.$/,
    ],
    [400, /^s3:\/\/prod: could not be listed: ListObjectsV2 prod: 400/],
  ])('turns a listing answered %i into one line', async (status, message) => {
    const reader = stub<BucketReader>('BucketReader', {
      listPage: async () => {
        throw new StoreError(`ListObjectsV2 prod: ${status}`, false, status);
      },
    });
    const error = await checkListable(['prod'], 'services', reader, fakeClock()).catch((caught: Error) => caught);
    expect((error as Error).message).toMatch(message);
  });
});
