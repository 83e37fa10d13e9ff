// Verified blobs per second at concurrency 16 against the raw HEAD throughput of the same S3 server: the sandbox's
// s3rver, loaded by a bounded Node loop of HEAD requests on keep-alive connections (the load tool), and by the
// action's own check (HEADs through @aws-sdk/client-s3, the ETag compared with the MD5). The load tool signs its
// HEADs with the SDK's SigV4 signer, as S3 load tools do (only a public bucket answers unsigned ones) and as the
// server then verifies; its unsigned HEADs are printed too, for the server's cost of checking signatures.
//
//   node --experimental-transform-types --import ./bench/resolve-ts.mjs bench/throughput.ts
import {createHash, randomBytes} from 'node:crypto';
import {Agent, request} from 'node:http';
import {CreateBucketCommand, PutObjectCommand} from '@aws-sdk/client-s3';
import {systemClock} from '@circuitverse/shared';
import {findSandbox} from '@circuitverse/testkit';
import {Sha256} from '@smithy/core/checksum';
import {SignatureV4} from '@smithy/signature-v4';
import type {BlobRecord} from '../src/blob.js';
import {checkBlobs} from '../src/check-blobs.js';
import {createS3Store} from '../src/s3-store.js';
import {deleteBuckets, sandboxS3} from '../test/helpers/sandbox-s3.js';

const objects = 3000;
const concurrency = 16;
/** Measured rounds, after a warm-up round. */
const rounds = 7;
/** Every loop stops after this long, whatever is left. */
const maxMs = 60_000;

const sandbox = findSandbox();
if (!sandbox) throw new Error('No sandbox: run sandbox/up first.');
Object.assign(process.env, {AWS_ACCESS_KEY_ID: sandbox.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.s3.secretAccessKey, AWS_REGION: sandbox.s3.region});
const bucket = `va-bench-${process.pid}`;
const endpoint = new URL(sandbox.s3.endpoint);
const s3 = sandboxS3(sandbox);

async function pool(count: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const deadline = Date.now() + maxMs;
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (next < count && Date.now() < deadline) await work(next++);
    }),
  );
}

const signer = new SignatureV4({
  service: 's3',
  region: sandbox.s3.region,
  credentials: {accessKeyId: sandbox.s3.accessKeyId, secretAccessKey: sandbox.s3.secretAccessKey},
  sha256: Sha256,
  uriEscapePath: false,
});

async function rawHead(agent: Agent, key: string, signed: boolean): Promise<number> {
  const path = `/${bucket}/${key}`;
  const unsigned = {host: endpoint.host};
  const headers = signed
    ? (
        await signer.sign({
          method: 'HEAD',
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: Number(endpoint.port),
          path,
          query: {},
          headers: {...unsigned, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD'},
        })
      ).headers
    : unsigned;
  return new Promise((resolve, reject) => {
    const call = request({host: endpoint.hostname, port: endpoint.port, method: 'HEAD', path, headers, agent}, response => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    call.on('error', reject);
    call.end();
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const blobs: Array<{blob: BlobRecord; selected: 'sample'}> = [];
const bodies: Buffer[] = [];
try {
  await s3.send(new CreateBucketCommand({Bucket: bucket}));
  for (let index = 0; index < objects; index++) {
    const body = randomBytes(1024);
    const key = createHash('sha1').update(String(index)).digest('hex').slice(0, 28);
    const checksum = createHash('md5').update(body).digest('base64');
    blobs.push({
      blob: {
        id: index + 1,
        key,
        byteSize: body.length,
        checksum,
        serviceName: 'amazon',
        contentType: 'image/png',
        createdAt: '2026-11-01T00:00:00Z',
        attachmentName: null,
      },
      selected: 'sample',
    });
    bodies.push(body);
  }
  await pool(objects, async index => {
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: blobs[index]?.blob.key, Body: bodies[index], ContentType: 'image/png'}));
  });

  const measureRaw = async (signed: boolean) => {
    const agent = new Agent({keepAlive: true, maxSockets: concurrency});
    const started = performance.now();
    let ok = 0;
    await pool(objects, async index => {
      if ((await rawHead(agent, blobs[index]?.blob.key ?? '', signed)) === 200) ok++;
    });
    const rate = (ok / (performance.now() - started)) * 1000;
    agent.destroy();
    if (ok !== objects) throw new Error(`${ok} of ${objects} raw HEADs succeeded`);
    return rate;
  };
  const measureVerified = async () => {
    const store = createS3Store({region: sandbox.s3.region, endpoint: sandbox.s3.endpoint, concurrency});
    const started = performance.now();
    const results = await checkBlobs(blobs, {services: new Map([['amazon', bucket]]), verify: 'checksum', concurrency}, {store, clock: systemClock});
    const verified = results.filter(result => result.status === 'ok').length;
    const rate = (verified / (performance.now() - started)) * 1000;
    store.close();
    if (verified !== objects) throw new Error(`${verified} of ${objects} blobs verified`);
    return rate;
  };

  const rawRates: number[] = [];
  const unsignedRates: number[] = [];
  const verifiedRates: number[] = [];
  const ratios: number[] = [];
  // Round 0 warms s3rver and the clients up alike and is not counted; the order rotates so no side always meets the
  // server fresher.
  const sides = [() => measureRaw(true), () => measureVerified(), () => measureRaw(false)];
  for (let round = 0; round <= rounds; round++) {
    const rates: number[] = [];
    for (let turn = 0; turn < sides.length; turn++) {
      const side = (round + turn) % sides.length;
      rates[side] = await (sides[side] as () => Promise<number>)();
    }
    const [raw, verified, unsigned] = rates as [number, number, number];
    if (round === 0) continue;
    rawRates.push(raw);
    unsignedRates.push(unsigned);
    verifiedRates.push(verified);
    ratios.push(verified / raw);
    console.log(
      `round ${round}: raw HEAD ${raw.toFixed(0)}/s (unsigned ${unsigned.toFixed(0)}/s), verified ${verified.toFixed(0)} blobs/s, ratio ${(verified / raw).toFixed(2)}`,
    );
  }
  console.log(
    `${objects} objects, concurrency ${concurrency}, median of ${rounds} rounds: raw HEAD ${median(rawRates).toFixed(0)}/s, verified ${median(verifiedRates).toFixed(0)} blobs/s, ratio ${median(ratios).toFixed(2)} (target ≥ 0.7); unsigned raw HEAD ${median(unsignedRates).toFixed(0)}/s, ratio ${(median(verifiedRates) / median(unsignedRates)).toFixed(2)}`,
  );
} finally {
  await deleteBuckets(s3, [bucket]);
  s3.destroy();
}
