import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';
import type {SandboxHost} from '@circuitverse/testkit';
import {psqlPath} from './psql.js';

const execFileAsync = promisify(execFile);
const exec = new URL('../../../../sandbox/exec', import.meta.url).pathname;
const bin = '/usr/lib/postgresql/15/bin';
const dir = '/tmp/verify-attachments-pg';

/**
 * A throwaway PostgreSQL inside a sandbox host, listening on the host's own 127.0.0.1: the database the SSH tunnel
 * must reach, as an app server's local database would be. Its data lives in the host's private /tmp.
 */
export interface HostPostgres {
  /** The URL as the host sees it. */
  url: string;
  /** psql inside the host, reading a script from stdin. */
  psql: string[];
  stop(): Promise<void>;
}

export async function startHostPostgres(host: SandboxHost, port: number): Promise<HostPostgres> {
  const password = randomBytes(12).toString('hex');
  const script = [
    'set -e',
    `rm -rf ${dir} && mkdir -p ${dir} && chown postgres ${dir}`,
    `printf '%s' '${password}' > ${dir}/pw && chown postgres ${dir}/pw`,
    `runuser -u postgres -- ${bin}/initdb -D ${dir}/data -U va --auth=scram-sha-256 --pwfile=${dir}/pw >/dev/null`,
    `runuser -u postgres -- ${bin}/pg_ctl -D ${dir}/data -l ${dir}/log -w -t 60 -o "-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off" start >/dev/null`,
    `PGPASSWORD='${password}' ${psqlPath} -h 127.0.0.1 -p ${port} -U va -d postgres -Atqc 'CREATE DATABASE va'`,
  ].join('\n');
  await execFileAsync(exec, [host.name, 'bash', '-c', script], {timeout: 120_000});
  return {
    url: `postgres://va:${password}@127.0.0.1:${port}/va`,
    psql: [
      exec,
      host.name,
      'env',
      `PGPASSWORD=${password}`,
      psqlPath,
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'va',
      '-d',
      'va',
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-f',
      '-',
    ],
    stop: async () => {
      await execFileAsync(
        exec,
        [host.name, 'bash', '-c', `runuser -u postgres -- ${bin}/pg_ctl -D ${dir}/data -m fast -w stop >/dev/null 2>&1; rm -rf ${dir}`],
        {timeout: 120_000},
      );
    },
  };
}
