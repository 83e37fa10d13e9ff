import {Agent, createServer, request} from 'node:http';
import type {AddressInfo} from 'node:net';
import {seededRandom} from '../../src/random.js';

/** How real S3 would describe an object that s3rver describes otherwise. */
export interface ObjectQuirk {
  /** Real S3's ETag for a multipart upload, `<md5 of the part MD5s>-<parts>`; s3rver gives the whole-object MD5. */
  multipartEtag?: string;
  /** SSE-KMS: S3 says so, and the ETag is not the MD5. */
  kms?: boolean;
  /** The SHA-256 S3 keeps when the upload sent one, given back under checksum mode. */
  sha256?: string;
}

export interface Faults {
  /** Share of requests that fail. */
  rate: number;
  /** Most failures in a row for one method and key, so every request gets through within the action's retries. */
  maxInARow: number;
}

export interface S3Proxy {
  url: string;
  /** No faults until a test sets some. */
  faults: Faults;
  /** Buckets whose listing is answered 403 AccessDenied, as for credentials without s3:ListBucket. */
  deniedListings: Set<string>;
  stats: {requests: number; slowDowns: number; drops: number; cutBodies: number};
  close(): Promise<void>;
}

/**
 * A proxy on 127.0.0.1 in front of s3rver that makes it answer like real S3 for the objects in `quirks`, and can
 * answer a share of requests with 503 SlowDown, a dropped connection, or (for GETs) a body cut short.
 */
export async function startS3Proxy(upstream: string, quirks: ReadonlyMap<string, ObjectQuirk>): Promise<S3Proxy> {
  const target = new URL(upstream);
  const agent = new Agent({keepAlive: true, maxSockets: 64});
  const random = seededRandom('s3 proxy faults');
  const inARow = new Map<string, number>();
  const proxy: S3Proxy = {
    url: '',
    faults: {rate: 0, maxInARow: 0},
    deniedListings: new Set(),
    stats: {requests: 0, slowDowns: 0, drops: 0, cutBodies: 0},
    close: async () => {},
  };

  const pickFault = (method: string, key: string): 'slow-down' | 'drop' | 'cut' | undefined => {
    const id = `${method} ${key}`;
    const row = inARow.get(id) ?? 0;
    if (row >= proxy.faults.maxInARow || random.next() >= proxy.faults.rate) {
      inARow.delete(id);
      return undefined;
    }
    inARow.set(id, row + 1);
    const draw = random.next();
    if (draw < 0.6) return 'slow-down';
    return method === 'GET' && draw < 0.8 ? 'cut' : 'drop';
  };

  const server = createServer((incoming, outgoing) => {
    proxy.stats.requests++;
    const path = new URL(incoming.url ?? '/', 'http://proxy').pathname;
    const key = decodeURIComponent(path.split('/').slice(2).join('/'));
    const method = incoming.method ?? 'GET';
    if (method === 'GET' && key === '' && proxy.deniedListings.has(path.split('/')[1] ?? '')) {
      const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
      outgoing.writeHead(403, {'content-type': 'application/xml', 'content-length': Buffer.byteLength(body)});
      outgoing.end(body);
      return;
    }
    const fault = pickFault(method, key);
    if (fault === 'drop') {
      proxy.stats.drops++;
      incoming.socket.destroy();
      return;
    }
    if (fault === 'slow-down') {
      proxy.stats.slowDowns++;
      const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
      outgoing.writeHead(503, {'content-type': 'application/xml', ...(method === 'HEAD' ? {} : {'content-length': Buffer.byteLength(body)})});
      outgoing.end(method === 'HEAD' ? undefined : body);
      return;
    }
    const forwarded = request({host: target.hostname, port: target.port, method, path: incoming.url, headers: incoming.headers, agent}, answer => {
      const headers = {...answer.headers};
      const quirk = quirks.get(key);
      if (quirk && answer.statusCode === 200) {
        if (quirk.multipartEtag) headers.etag = `"${quirk.multipartEtag}"`;
        if (quirk.kms) {
          headers['x-amz-server-side-encryption'] = 'aws:kms';
          headers.etag = `"${String(headers.etag)
            .replace(/[^0-9a-f]/g, '')
            .split('')
            .reverse()
            .join('')}"`;
        }
        if (quirk.sha256 && String(incoming.headers['x-amz-checksum-mode']).toUpperCase() === 'ENABLED') {
          headers['x-amz-checksum-sha256'] = quirk.sha256;
          headers['x-amz-checksum-type'] = 'FULL_OBJECT';
        }
      }
      outgoing.writeHead(answer.statusCode ?? 502, headers);
      if (fault === 'cut' && method === 'GET' && answer.statusCode === 200) {
        proxy.stats.cutBodies++;
        answer.once('data', (chunk: Buffer) => {
          outgoing.write(chunk.subarray(0, Math.floor(chunk.length / 2)));
          answer.destroy();
          outgoing.socket?.destroy();
        });
        return;
      }
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.socket?.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise(resolve => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
