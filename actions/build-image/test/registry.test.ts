import {createServer} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {RegistryClient} from '../src/registry.js';
import {digestOf, type FakeRegistry, type FakeRegistryOptions, startFakeRegistry} from './helpers/fake-registry.js';

const manifest = '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}';
const login = {username: 'ci', password: 'hunter2'};
let registry: FakeRegistry | undefined;

async function start(options: Partial<FakeRegistryOptions> & Pick<FakeRegistryOptions, 'auth'>): Promise<FakeRegistry> {
  registry = await startFakeRegistry({...login, manifests: {v1: manifest}, ...options});
  return registry;
}

afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

describe('RegistryClient with a token server (ghcr.io, Docker Hub)', () => {
  it('logs in by fetching a token for push access with the Basic credentials', async () => {
    const fake = await start({auth: 'bearer'});
    await new RegistryClient(`${fake.address}/team/app`, login).checkPushAccess();
    expect(fake.requests).toEqual(['GET /v2/', 'GET /token?service=fake-registry&scope=repository%3Ateam%2Fapp%3Apull%2Cpush', 'GET /v2/']);
  });

  it("quotes the token server's refusal of a wrong password, naming the inputs to check", async () => {
    const fake = await start({auth: 'bearer'});
    await expect(new RegistryClient(`${fake.address}/team/app`, {...login, password: 'wrong'}).checkPushAccess()).rejects.toThrow(
      `Registry ${fake.address}: refused the login of "ci" (HTTP 401): incorrect username or password. Check registry-username and registry-password.`,
    );
  });

  it('reads the digest of a tag, fetching a new token when the first one has expired', async () => {
    const fake = await start({auth: 'bearer'});
    const client = new RegistryClient(`${fake.address}/team/app`, login);
    await client.checkPushAccess();
    fake.expireTokens();
    expect(await client.readDigest('v1')).toBe(digestOf(manifest));
    expect(fake.requests.slice(3)).toEqual([
      'HEAD /v2/team/app/manifests/v1',
      'GET /token?service=fake-registry&scope=repository%3Ateam%2Fapp%3Apull',
      'HEAD /v2/team/app/manifests/v1',
    ]);
  });
});

describe('RegistryClient with Basic auth (distribution with htpasswd)', () => {
  it('accepts the right login', async () => {
    const fake = await start({auth: 'basic'});
    await new RegistryClient(`${fake.address}/app`, login).checkPushAccess();
    expect(fake.requests).toEqual(['GET /v2/', 'GET /v2/']);
  });

  it("quotes the registry's refusal of a wrong password", async () => {
    const fake = await start({auth: 'basic'});
    await expect(new RegistryClient(`${fake.address}/app`, {...login, password: 'wrong'}).checkPushAccess()).rejects.toThrow(
      `Registry ${fake.address}: refused the login of "ci" (HTTP 401): UNAUTHORIZED: authentication required. Check registry-username and registry-password.`,
    );
  });

  it('says a login is needed when none was given', async () => {
    const fake = await start({auth: 'basic'});
    await expect(new RegistryClient(`${fake.address}/app`, undefined).checkPushAccess()).rejects.toThrow(
      `Registry ${fake.address}: requires a login: UNAUTHORIZED: authentication required. Set registry-username and registry-password.`,
    );
  });

  it('has no digest for a tag the registry does not have', async () => {
    const fake = await start({auth: 'basic'});
    expect(await new RegistryClient(`${fake.address}/app`, login).readDigest('v2')).toBeUndefined();
  });

  it('hashes the manifest itself when the registry sends no Docker-Content-Digest', async () => {
    const fake = await start({auth: 'basic', omitDigestHeader: true});
    expect(await new RegistryClient(`${fake.address}/app`, login).readDigest('v1')).toBe(digestOf(manifest));
    // The first HEAD meets the Basic challenge; the GET then carries the login.
    expect(fake.requests).toEqual(['HEAD /v2/app/manifests/v1', 'HEAD /v2/app/manifests/v1', 'GET /v2/app/manifests/v1']);
  });
});

it('names the registry and the socket error when nothing listens', async () => {
  // A port that was free a moment ago: bound, then released.
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise(resolve => server.once('listening', resolve));
  const port = (server.address() as {port: number}).port;
  await new Promise(resolve => server.close(resolve));
  await expect(new RegistryClient(`127.0.0.1:${port}/app`, login).checkPushAccess()).rejects.toThrow(
    `Registry 127.0.0.1:${port}: cannot be reached at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Check the registry in "image" and that it is up.`,
  );
});
