import {createHash} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface FakeRegistryOptions {
  /** `bearer` answers like ghcr.io and Docker Hub, with a token server at /token; `basic` like distribution with htpasswd. */
  auth: 'basic' | 'bearer';
  username: string;
  password: string;
  /** Tag → manifest body. */
  manifests: Record<string, string>;
  /** Leave Docker-Content-Digest off, as some registries do. */
  omitDigestHeader?: boolean;
}

export interface FakeRegistry {
  address: string;
  /** `METHOD path?query` of every request, in order. */
  requests: string[];
  /** Makes every token issued so far stale, as an expiry would. */
  expireTokens(): void;
  close(): Promise<void>;
}

export function digestOf(body: string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** A registry on loopback speaking just enough of the HTTP API v2 and the token flow to test a client against. */
export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const requests: string[] = [];
  let generation = 0;
  const basic = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push(`${request.method} ${request.url}`);
    const url = new URL(request.url ?? '/', 'http://fake');
    const {port} = server.address() as AddressInfo;
    const authorization = request.headers.authorization;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {'Content-Type': 'application/json', ...headers});
      response.end(JSON.stringify(body));
    };

    if (url.pathname === '/token') {
      if (authorization !== basic) return json(401, {details: 'incorrect username or password'});
      return json(200, {access_token: `token-${generation}`, expires_in: 300});
    }
    const allowed = options.auth === 'basic' ? authorization === basic : authorization === `Bearer token-${generation}`;
    if (!allowed) {
      const repository = /^\/v2\/(.+)\/manifests\//.exec(url.pathname)?.[1];
      const scope = repository ? `,scope="repository:${repository}:pull"` : '';
      const challenge = options.auth === 'basic' ? 'Basic realm="fake"' : `Bearer realm="http://127.0.0.1:${port}/token",service="fake-registry"${scope}`;
      return json(401, {errors: [{code: 'UNAUTHORIZED', message: 'authentication required', detail: null}]}, {'WWW-Authenticate': challenge});
    }
    if (url.pathname === '/v2/') return json(200, {});
    const tag = /^\/v2\/.+\/manifests\/([^/]+)$/.exec(url.pathname)?.[1] ?? '';
    const manifest = options.manifests[tag];
    if (manifest === undefined) return json(404, {errors: [{code: 'MANIFEST_UNKNOWN', message: 'manifest unknown'}]});
    response.writeHead(200, {
      'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json',
      ...(options.omitDigestHeader ? {} : {'Docker-Content-Digest': digestOf(manifest)}),
    });
    response.end(request.method === 'HEAD' ? undefined : manifest);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    expireTokens: () => {
      generation++;
    },
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}
