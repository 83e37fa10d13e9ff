import {describe, expect, it} from 'vitest';
import {checkBlobs} from '../src/check-blobs.js';
import {StoreError} from '../src/object-store.js';
import {blobFor, digestOf, headFor} from './helpers/blobs.js';
import {fakeClock, stubStore} from './helpers/fakes.js';

const body = 'avatar bytes';
const services = new Map([['amazon', 'circuitverse-images-prod']]);

describe('checkBlobs', () => {
  it('names a blob whose service is not in the map, without asking S3', async () => {
    const [result] = await checkBlobs(
      [{blob: blobFor(body, {serviceName: 'local'}), selected: 'sample'}],
      {services, verify: 'checksum', concurrency: 4},
      {store: stubStore(), clock: fakeClock()},
    );
    expect(result).toMatchObject({
      status: 'unverifiable',
      bucket: undefined,
      problem: 'service "local" is not in services, so its bucket is unknown',
      requests: 0,
    });
  });

  it('sends every service to the one bucket when only bucket is given', async () => {
    const heads: string[] = [];
    const store = stubStore({
      head: async bucket => {
        heads.push(bucket);
        return headFor(body);
      },
    });
    const [result] = await checkBlobs(
      [{blob: blobFor(body, {serviceName: 'local'}), selected: 'sample'}],
      {services: new Map([['', 'one-bucket']]), verify: 'checksum', concurrency: 1},
      {store, clock: fakeClock()},
    );
    expect(result?.status).toBe('ok');
    expect(heads).toEqual(['one-bucket']);
  });

  it('rides out throttling, and counts the requests', async () => {
    let calls = 0;
    const store = stubStore({
      head: async () => {
        if (++calls <= 2) throw new StoreError('HEAD: 503 SlowDown', true, 503);
        return headFor(body);
      },
    });
    const [result] = await checkBlobs([{blob: blobFor(body), selected: 'recent'}], {services, verify: 'checksum', concurrency: 1}, {store, clock: fakeClock()});
    expect(result).toMatchObject({status: 'ok', requests: 3, selected: 'recent'});
  });

  it('calls a blob S3 would not answer for unverifiable, never missing', async () => {
    const store = stubStore({
      head: async () => {
        throw new StoreError('HEAD: 503 SlowDown', true, 503);
      },
    });
    const [result] = await checkBlobs([{blob: blobFor(body), selected: 'sample'}], {services, verify: 'checksum', concurrency: 1}, {store, clock: fakeClock()});
    expect(result).toMatchObject({status: 'unverifiable', problem: 'HEAD: 503 SlowDown after 6 tries', requests: 6});
  });

  it('explains a 403, which S3 also gives for a missing key without s3:ListBucket', async () => {
    const store = stubStore({
      head: async () => {
        throw new StoreError('HEAD: 403 Forbidden', false, 403);
      },
    });
    const [result] = await checkBlobs([{blob: blobFor(body), selected: 'sample'}], {services, verify: 'checksum', concurrency: 1}, {store, clock: fakeClock()});
    expect(result?.problem).toBe('HEAD: 403 Forbidden (access denied; the credentials need s3:GetObject and s3:ListBucket)');
  });

  it('hashes the body in download mode, retrying a cut transfer', async () => {
    let gets = 0;
    const store = stubStore({
      head: async () => headFor(body, {etag: '"0123456789abcdef0123456789abcdef-2"'}),
      hash: async () => {
        if (++gets === 1) throw new StoreError('GET: the body ended after 3 of 12 bytes', true, undefined);
        return digestOf(body);
      },
    });
    const [result] = await checkBlobs([{blob: blobFor(body), selected: 'sample'}], {services, verify: 'download', concurrency: 1}, {store, clock: fakeClock()});
    expect(result).toMatchObject({status: 'ok', requests: 3});
  });

  it('keeps the order of the blobs, whatever order the checks finish in', async () => {
    const blobs = Array.from({length: 40}, (_, index) => ({blob: blobFor(body, {id: index, key: `key${index}`}), selected: 'sample' as const}));
    let inFlight = 0;
    let most = 0;
    const store = stubStore({
      head: async (_, key) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise(resolve => setTimeout(resolve, Number(key.slice(3)) % 5));
        inFlight--;
        return headFor(body);
      },
    });
    const results = await checkBlobs(blobs, {services, verify: 'checksum', concurrency: 8}, {store, clock: fakeClock()});
    expect(results.map(result => result.key)).toEqual(blobs.map(({blob}) => blob.key));
    expect(most).toBe(8);
  });
});
