import {once} from 'node:events';
import {type AddressInfo, createServer, type Socket} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {exchange} from '../src/http-exchange.js';

const sockets: Socket[] = [];
const servers: ReturnType<typeof createServer>[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

/** A loopback server that answers each request with `reply`, or never when it is undefined. */
async function serve(reply: string | undefined): Promise<string> {
  const server = createServer(socket => {
    sockets.push(socket);
    socket.once('data', () => {
      if (reply !== undefined) socket.end(reply);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
}

describe('exchange', () => {
  it('reads the status, the headers by any case and the whole body', async () => {
    const url = await serve('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    const answer = await exchange(url, {method: 'GET', headers: {}, timeoutMs: 5000});
    expect(answer).toMatchObject({status: 401, ok: false});
    expect(answer.header('www-authenticate')).toBe('Basic realm="x"');
    expect(answer.header('Docker-Content-Digest')).toBeUndefined();
    expect(answer.body.toString()).toBe('{}');
  });

  it('gives up on a server that never answers', async () => {
    const url = await serve(undefined);
    await expect(exchange(url, {method: 'GET', headers: {}, timeoutMs: 200})).rejects.toThrow('no answer within 0.2s');
  });
});
