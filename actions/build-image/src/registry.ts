import {createHash} from 'node:crypto';
import {errorMessage, parseImageRef, RemoteError} from '@circuitverse/shared';
import {type AuthChallenge, parseAuthChallenge} from './auth-challenge.js';
import {exchange, type HttpAnswer, type HttpRequest} from './http-exchange.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

// Everything a single-platform or multi-platform push can leave behind a tag, Docker's and OCI's.
const manifestTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const requestTimeoutMs = 30_000;

/** The name a registry is known by in Docker's config and in push auth: Docker Hub keeps its historical index URL. */
export function authServerAddress(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

// The Docker Engine itself talks plain HTTP to loopback registries and HTTPS to every other one.
function endpointOf(registry: string): string {
  if (registry === 'docker.io') return 'https://registry-1.docker.io';
  const host = registry.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return `${loopback ? 'http' : 'https'}://${registry}`;
}

// `ghcr.io/o/app` is `o/app` on ghcr.io; Docker Hub puts official images under `library/`.
function pathOf(repository: string, registry: string): string {
  const path = repository.startsWith(`${registry}/`) ? repository.slice(registry.length + 1) : repository;
  return registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
}

// Registries answer {"errors":[{"code","message"}]}; Docker Hub's token server {"details"}; anything else is quoted short.
function describeAnswer(response: HttpAnswer): string {
  const text = response.body.toString('utf8');
  try {
    const body = JSON.parse(text) as {errors?: {code?: string; message?: string}[]; details?: string; message?: string};
    const first = body.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(': ');
    if (body.details ?? body.message) return (body.details ?? body.message) as string;
  } catch {
    // not JSON: fall through to the status line
  }
  const snippet = text.trim().split('\n')[0]?.slice(0, 200);
  return `HTTP ${response.status}${snippet ? ` ${snippet}` : ''}`;
}

/**
 * One repository on a registry, over the Registry HTTP API v2 as `docker login` and `docker pull` use it: Basic
 * auth, or a Bearer token fetched from the realm the registry's `WWW-Authenticate` challenge names.
 */
export class RegistryClient {
  readonly registry: string;
  private readonly endpoint: string;
  private readonly path: string;
  private authorization: string | undefined;

  constructor(
    readonly repository: string,
    private readonly credentials: RegistryCredentials | undefined,
  ) {
    const ref = parseImageRef(repository);
    if (!ref) throw new Error(`${repository} is not an image repository.`);
    this.registry = ref.registry;
    this.endpoint = endpointOf(ref.registry);
    this.path = pathOf(repository, ref.registry);
  }

  /** Logs in as `docker login` does, asking for push access to the repository; throws the registry's answer if it refuses. */
  async checkPushAccess(): Promise<void> {
    const response = await this.send('GET', '/v2/', `repository:${this.path}:pull,push`);
    if (!response.ok) throw this.refusal(response, '/v2/');
  }

  /** The manifest digest a tag resolves to, or `undefined` when the registry has no such tag. */
  async readDigest(tag: string): Promise<string | undefined> {
    const path = `/v2/${this.path}/manifests/${tag}`;
    const head = await this.send('HEAD', path, `repository:${this.path}:pull`, {Accept: manifestTypes});
    if (head.status === 404) return undefined;
    if (!head.ok) throw this.refusal(head, path);
    const digest = head.header('docker-content-digest');
    if (digest) return digest;
    // A registry may leave the header off; the digest is then the SHA-256 of the manifest exactly as served.
    const get = await this.send('GET', path, `repository:${this.path}:pull`, {Accept: manifestTypes});
    if (!get.ok) throw this.refusal(get, path);
    return `sha256:${createHash('sha256').update(get.body).digest('hex')}`;
  }

  private async send(method: HttpRequest['method'], path: string, scope: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const sentWith = this.authorization;
    const response = await this.request(`${this.endpoint}${path}`, {method, headers: {...headers, ...this.authorizationHeader()}});
    if (response.status !== 401) return response;
    const challenge = parseAuthChallenge(response.header('www-authenticate') ?? null);
    // Without credentials, or with Basic ones already refused, there is nothing better to answer the challenge with.
    const answerable =
      (challenge?.scheme === 'bearer' && challenge.params.realm !== undefined) ||
      (challenge?.scheme === 'basic' && this.credentials !== undefined && sentWith === undefined);
    if (!challenge || !answerable) return response;
    await this.authenticate(challenge, scope);
    return this.request(`${this.endpoint}${path}`, {method, headers: {...headers, ...this.authorizationHeader()}});
  }

  private async authenticate(challenge: AuthChallenge, scope: string): Promise<void> {
    const basic = this.credentials && `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    if (challenge.scheme === 'basic') {
      this.authorization = basic;
      return;
    }
    const url = new URL(challenge.params.realm as string);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const answer = await this.request(url.href, {method: 'GET', headers: basic ? {Authorization: basic} : {}});
    if (!answer.ok) throw this.refusal(answer, url.pathname);
    let body: {token?: string; access_token?: string} = {};
    try {
      body = JSON.parse(answer.body.toString('utf8'));
    } catch {
      // not JSON: there is no token in it, said below
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new RemoteError(`Registry ${this.registry}`, `gave no token from ${url.origin}${url.pathname}`);
    this.authorization = `Bearer ${token}`;
  }

  private authorizationHeader(): Record<string, string> {
    return this.authorization ? {Authorization: this.authorization} : {};
  }

  private async request(url: string, init: Omit<HttpRequest, 'timeoutMs'>): Promise<HttpAnswer> {
    try {
      return await exchange(url, {...init, timeoutMs: requestTimeoutMs});
    } catch (error) {
      throw new RemoteError(`Registry ${this.registry}`, `cannot be reached at ${new URL(url).origin}`, {
        cause: error,
        remoteOutput: errorMessage(error) || (error as {code?: string}).code,
        next: 'Check the registry in "image" and that it is up.',
      });
    }
  }

  private refusal(response: HttpAnswer, path: string): RemoteError {
    const answer = describeAnswer(response);
    if (response.status === 401 && !this.credentials) {
      return new RemoteError(`Registry ${this.registry}`, 'requires a login', {remoteOutput: answer, next: 'Set registry-username and registry-password.'});
    }
    if (response.status === 401 || response.status === 403) {
      return new RemoteError(`Registry ${this.registry}`, `refused the login of "${this.credentials?.username}" (HTTP ${response.status})`, {
        remoteOutput: answer,
        next: 'Check registry-username and registry-password.',
      });
    }
    return new RemoteError(`Registry ${this.registry}`, `answered HTTP ${response.status} to ${path}`, {remoteOutput: answer});
  }
}
