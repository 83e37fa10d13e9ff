import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import type {Sandbox} from './sandbox.js';

const execFileAsync = promisify(execFile);
const psql = '/usr/lib/postgresql/15/bin/psql';

export interface RailsAppOptions {
  /** Database on the app's PostgreSQL (default: the sandbox's `railsapp`); make it with {@link resetAppDatabase}. */
  database?: string;
  /** Redis database number (default 0), so a test's Sidekiq queue is its own. */
  redisDb?: number;
  /** More plain settings, e.g. `{BOOT_ALLOCATE_MB: '300'}`. */
  env?: Record<string, string>;
}

/** The app's settings: plain ones, and the ones with passwords in them (DATABASE_URL, REDIS_URL, SECRET_KEY_BASE). */
export function railsAppSettings(sandbox: Sandbox, options: RailsAppOptions = {}): {env: Record<string, string>; secrets: Record<string, string>} {
  const database = new URL(sandbox.appPostgres.url);
  if (options.database !== undefined) database.pathname = `/${checkedName(options.database)}`;
  const redis = new URL(sandbox.appRedis.url);
  if (options.redisDb !== undefined) redis.pathname = `/${options.redisDb}`;
  return {
    env: {...options.env},
    secrets: {DATABASE_URL: database.href, REDIS_URL: redis.href, SECRET_KEY_BASE: sandbox.railsApp.secretKeyBase},
  };
}

/** The same as the deploy action's `env` and `secrets` inputs: KEY=VALUE lines. */
export function railsAppDeployInputs(sandbox: Sandbox, options: RailsAppOptions = {}): {env: string; secrets: string} {
  const {env, secrets} = railsAppSettings(sandbox, options);
  return {env: keyValueLines(env), secrets: keyValueLines(secrets)};
}

/** KEY=VALUE lines, also what `docker run --env-file` reads. */
export function keyValueLines(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

/**
 * Drops and recreates a database of the app's role on the app's PostgreSQL, so a test starts from an empty schema
 * whatever an earlier run left. Connections still open to it are closed.
 */
export async function resetAppDatabase(sandbox: Sandbox, name: string): Promise<void> {
  const {address, port, user, password, database} = sandbox.appPostgres;
  if (checkedName(name) === database) throw new Error(`Refusing to reset the shared database ${database}.`);
  await execFileAsync(
    psql,
    [
      '-X',
      '-q',
      '-w',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      address,
      '-p',
      String(port),
      '-U',
      user,
      '-d',
      database,
      '-c',
      `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
      '-c',
      `CREATE DATABASE "${name}"`,
    ],
    // The password travels in the environment, never on a command line.
    {env: {...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5'}, timeout: 30_000},
  );
}

function checkedName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Not a plain database name: ${JSON.stringify(name)}`);
  return name;
}
