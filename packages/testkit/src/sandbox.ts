import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

export interface SandboxHost {
  name: string;
  address: string;
  port: number;
  netns: string;
}

/** What `sandbox/up` wrote to `sandbox.json`: where each service listens and how to reach it. */
export interface Sandbox {
  dir: string;
  docker: {host: string};
  registry: {address: string; username: string; password: string};
  ssh: {user: string; privateKeyFile: string; publicKey: string; knownHostsFile: string};
  hosts: SandboxHost[];
  postgres: {url: string; host: string; port: number; user: string; password: string; database: string};
  s3: {endpoint: string; region: string; accessKeyId: string; secretAccessKey: string};
  testApp: {context: string; image: string; tag: string; digest: string};
  railsApp: SandboxRailsApp;
  /** The Rails app's PostgreSQL, on a sandbox host (its address as containers on every host see it). */
  appPostgres: {host: string; address: string; port: number; user: string; password: string; database: string; url: string};
  /** The Rails app's Redis, on the same host. */
  appRedis: {host: string; address: string; port: number; password: string; url: string};
}

export type RailsAppRelease = 'v1' | 'v2' | 'v3';

/** `sandbox/railsapp` as `sandbox/up` built and pushed it: v2 adds a column, v3's migration fails. */
export interface SandboxRailsApp {
  context: string;
  /** Repository without tag, e.g. `127.0.0.1:5000/railsapp`. */
  image: string;
  /** The debootstrapped base in the root engine, e.g. `cv-rails-base:57a98bc006ed`. */
  baseImage: string;
  /** `ref` is `image@digest`, what a deploy should be given. */
  releases: Record<RailsAppRelease, {tag: string; digest: string; ref: string}>;
  secretKeyBase: string;
}

export const sandboxDir = process.env.CV_SANDBOX_DIR ?? '/var/lib/cv-sandbox';
const sandboxFile = join(sandboxDir, 'sandbox.json');

/**
 * The running sandbox, or `undefined` when there is none. Under `CI=true` a missing sandbox is an error, so an
 * end-to-end test can never pass by skipping.
 */
export function findSandbox(): Sandbox | undefined {
  if (!existsSync(sandboxFile)) {
    if (process.env.CI === 'true') throw new Error(`No sandbox at ${sandboxFile}: run sandbox/up before the end-to-end tests.`);
    return undefined;
  }
  return JSON.parse(readFileSync(sandboxFile, 'utf8')) as Sandbox;
}

/** The running sandbox, for the demo and the benchmarks, which have nothing to do without one. */
export function requireSandbox(): Sandbox {
  const sandbox = findSandbox();
  if (!sandbox) throw new Error(`No sandbox at ${sandboxFile}: run sandbox/up first.`);
  return sandbox;
}
