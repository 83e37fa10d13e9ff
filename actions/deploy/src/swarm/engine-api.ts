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
 * then the JSON body (or nothing). The header goes through a 0600 file, so the credentials are on no argv; the
 * answer is the status code on a line, then the body.
 */
export const engineScript = remoteScript(
  ['method', 'path', 'socket'],
  `set -eu
umask 077
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
trap 'rm -rf "$dir"; exit 143' TERM
IFS= read -r auth || true
cat > "$dir/body"
set -- -sS --unix-socket "$socket" -X "$method" -o "$dir/out" -w '%{http_code}' "http://docker/v1.41$path"
if [ -n "$auth" ]; then printf 'X-Registry-Auth: %s\\n' "$auth" > "$dir/headers"; set -- "$@" -H "@$dir/headers"; fi
if [ -s "$dir/body" ]; then set -- "$@" -H 'Content-Type: application/json' --data-binary "@$dir/body"; fi
code=$(curl "$@")
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
      const result = await connection.exec(scriptArgv(engineScript, {method, path, socket}), {stdin, timeoutMs: 120_000});
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
