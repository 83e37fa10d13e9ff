import {once} from 'node:events';
import {createServer, type Server, type Socket} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {startLoad} from '../src/load-client.js';

const answer = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`;

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** A loopback HTTP server that hands each request, with its number on its connection (from 1), to `onRequest`. */
async function serve(onRequest: (socket: Socket, requestOnSocket: number) => void): Promise<string> {
  server = createServer(socket => {
    let served = 0;
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', chunk => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        served++;
        onRequest(socket, served);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

async function run(url: string, maxRequests: number) {
  const load = startLoad({targets: [{name: 'loopback', url}], connectionsPerTarget: 1, maxRequests, maxDurationMs: 5000});
  await load.finished;
  return load.stop();
}

describe('startLoad, a strict client', () => {
  it('retries, once and counted, a request whose reused keep-alive connection the server closed before answering', async () => {
    // The first request on a connection is answered; the next one on it finds the connection closed. The retry goes
    // on a connection of its own, so the pool opens a fresh one for the request after.
    const url = await serve((socket, requestOnSocket) => (requestOnSocket === 1 ? socket.write(answer('ok')) : socket.destroy()));
    const report = await run(url, 4);
    expect({responses: report.responses.map(response => response.body), failures: report.failures, retries: report.retries}).toEqual({
      responses: ['ok', 'ok', 'ok', 'ok'],
      failures: [],
      retries: 2,
    });
  });

  it('fails a request whose fresh connection is reset: nothing excuses that loss', async () => {
    const url = await serve(socket => socket.resetAndDestroy());
    const report = await run(url, 2);
    expect(report.responses).toEqual([]);
    expect(report.retries).toBe(0);
    expect(report.failures.map(failure => failure.error)).toEqual([expect.stringContaining('fresh connection'), expect.stringContaining('fresh connection')]);
  });

  it('fails a request whose connection closes mid-response, reused or not', async () => {
    const url = await serve((socket, requestOnSocket) => {
      if (requestOnSocket === 1) {
        socket.write(answer('ok'));
      } else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
        setTimeout(() => socket.destroy(), 20);
      }
    });
    const report = await run(url, 2);
    expect(report.responses.map(response => response.body)).toEqual(['ok']);
    expect(report.retries).toBe(0);
    expect(report.failures).toHaveLength(1);
  });
});
