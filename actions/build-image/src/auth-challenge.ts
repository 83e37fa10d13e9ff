export interface AuthChallenge {
  /** Lower case: `basic` or `bearer`. */
  scheme: string;
  /** Parameter names in lower case, e.g. `realm`, `service`, `scope`. */
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header such as `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/a:pull"`
 * (RFC 7235: quoted values may hold commas, as scopes do). `undefined` when the header is missing or has no scheme.
 */
export function parseAuthChallenge(header: string | null): AuthChallenge | undefined {
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header ?? '');
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, name = '', quoted, token] of (match[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[name.toLowerCase()] = quoted === undefined ? (token ?? '') : quoted.replace(/\\(.)/g, '$1');
  }
  return {scheme: (match[1] as string).toLowerCase(), params};
}
