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

/** A loopback server that answers each request with what `reply` returns for it (nothing when undefined). */
async function serve(reply: (head: string, origin: string) => string | undefined): Promise<string> {
  const server = createServer(socket => {
    sockets.push(socket);
    socket.once('data', data => {
      const answer = reply(data.toString(), origin);
      if (answer !== undefined) socket.end(answer);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

const get = {method: 'GET', headers: {}, timeoutMs: 5000} as const;

describe('exchange', () => {
  it('reads the status, the headers by any case and the whole body', async () => {
    const origin = await serve(() => 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    const answer = await exchange(`${origin}/v2/`, get);
    expect(answer).toMatchObject({status: 401, ok: false});
    expect(answer.header('www-authenticate')).toBe('Basic realm="x"');
    expect(answer.header('Docker-Content-Digest')).toBeUndefined();
    expect(answer.body.toString()).toBe('{}');
  });

  it('follows a redirect, and hands the login on only within the same origin', async () => {
    const seen: string[] = [];
    const other = await serve(head => {
      seen.push(`other ${/^authorization: (.*)$/im.exec(head)?.[1] ?? 'no login'}`);
      return 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\ntoken';
    });
    const first = await serve((head, origin) => {
      seen.push(`first ${head.split(' ')[1]} ${/^authorization: (.*)$/im.exec(head)?.[1] ?? 'no login'}`);
      const to = head.startsWith('GET /token ') ? `${origin}/token/` : `${other}/elsewhere`;
      return `HTTP/1.1 307 Temporary Redirect\r\nLocation: ${to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
    });
    const answer = await exchange(`${first}/token`, {...get, headers: {Authorization: 'Basic Y2k6cHc='}});
    expect(answer.body.toString()).toBe('token');
    expect(seen).toEqual(['first /token Basic Y2k6cHc=', 'first /token/ Basic Y2k6cHc=', 'other no login']);
  });

  it('stops after five redirects', async () => {
    const origin = await serve(() => 'HTTP/1.1 302 Found\r\nLocation: /again?X-Amz-Signature=secret\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    await expect(exchange(`${origin}/v2/`, get)).rejects.toThrow(`more than 5 redirects, the last to ${origin}/again`);
  });

  it('gives up on a server that never answers', async () => {
    const origin = await serve(() => undefined);
    await expect(exchange(`${origin}/v2/`, {...get, timeoutMs: 200})).rejects.toThrow('no answer within 0.2s');
  });

  it('gives up on an answer that trickles in past the time allowed', async () => {
    const origin = await serve(() => undefined);
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(socket.bytesWritten ? 'x' : 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
    }, 50);
    try {
      await expect(exchange(`${origin}/v2/`, {...get, timeoutMs: 400})).rejects.toThrow('no answer within 0.4s');
    } finally {
      clearInterval(trickle);
    }
  });
});
