import {RemoteError} from '@circuitverse/shared';
import type {SshConnection} from '@circuitverse/shared/ssh';
import {remoteScript, scriptArgv} from '../remote-scripts.js';

export interface EngineResponse {
  status: number;
  body: string;
}

/** The manager's Docker Engine API; bodies and the registry auth go on stdin, never on a command line. */
export interface EngineApi {
  readonly where: string;
  request(method: 'GET' | 'POST' | 'DELETE', path: string, options?: {body?: unknown; registryAuth?: string}): Promise<EngineResponse>;
}

/**
 * One Engine API call with curl on the manager's socket. stdin: a line with the X-Registry-Auth value (or empty),
 * then, with `body` set, the JSON body, which curl reads from stdin (`--data-binary @-`): secret values never touch
 * the disk. The header goes through a 0600 file, so the credentials are on no argv, removed as soon as curl returns,
 * and by the traps on the signals that can end the script (a dropped SSH connection is a SIGHUP: the EXIT trap alone
 * would not run). The answer is the status code on a line, then the body.
 */
export const engineScript = remoteScript(
  ['method', 'path', 'socket', 'body'],
  `set -eu
umask 077
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
trap 'rm -rf "$dir"; exit 129' HUP
trap 'rm -rf "$dir"; exit 130' INT
trap 'rm -rf "$dir"; exit 141' PIPE
trap 'rm -rf "$dir"; exit 143' TERM
IFS= read -r auth || true
set -- -sS --unix-socket "$socket" -X "$method" -o "$dir/out" -w '%{http_code}' "http://docker/v1.41$path"
if [ -n "$auth" ]; then printf 'X-Registry-Auth: %s\\n' "$auth" > "$dir/headers"; set -- "$@" -H "@$dir/headers"; fi
auth=
if [ -n "$body" ]; then set -- "$@" -H 'Content-Type: application/json' --data-binary @-; fi
code=$(curl "$@") || { failed=$?; rm -f "$dir/headers"; exit "$failed"; }
rm -f "$dir/headers"
printf '%s\\n' "$code"
cat "$dir/out"`,
);

/** The Engine API of the manager at the other end of `connection`. */
export function engineOverSsh(connection: SshConnection, socket = '/var/run/docker.sock'): EngineApi {
  const where = connection.target.label;
  return {
    where,
    async request(method, path, options = {}) {
      const stdin = `${options.registryAuth ?? ''}\n${options.body === undefined ? '' : JSON.stringify(options.body)}`;
      const result = await connection.exec(scriptArgv(engineScript, {method, path, socket, body: options.body === undefined ? '' : 'json'}), {
        stdin,
        timeoutMs: 120_000,
      });
      if (result.code !== 0) throw new RemoteError(where, `the Docker API call ${method} ${path.split('?')[0]} failed`, {remoteOutput: result.stderr});
      const newline = result.stdout.indexOf('\n');
      return {status: Number(result.stdout.slice(0, newline)), body: result.stdout.slice(newline + 1)};
    },
  };
}

/** The JSON of a 2xx answer; anything else is a RemoteError quoting the engine's message. */
export async function requestJson<T>(
  api: EngineApi,
  what: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options?: {body?: unknown; registryAuth?: string},
): Promise<T> {
  const response = await api.request(method, path, options);
  if (response.status < 200 || response.status >= 300) throw new RemoteError(api.where, what, {remoteOutput: engineMessage(response)});
  return (response.body === '' ? undefined : JSON.parse(response.body)) as T;
}

/** The engine's own message of an error answer (`{"message": …}`), or the raw body. */
export function engineMessage(response: EngineResponse): string {
  try {
    return `${response.status} ${(JSON.parse(response.body) as {message?: string}).message ?? response.body}`;
  } catch {
    return `${response.status} ${response.body}`;
  }
}
