export interface SshTarget {
  user: string;
  /** Host name or address; an IPv6 address without its brackets. */
  host: string;
  port: number;
  /** How the user wrote it, for log lines and errors. */
  label: string;
}

const userPattern = /^[a-z_][a-z0-9_.-]*$/i;
const hostNamePattern = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;
const ipv6Pattern = /^[0-9a-f:.]+(%[\w.-]+)?$/i;

/** Parses `[user@]host[:port]`, with IPv6 addresses in brackets; `undefined` when it is not one. */
export function parseSshTarget(text: string, defaultUser: string): SshTarget | undefined {
  const match = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, user = defaultUser, rawHost = '', rawPort] = match;
  const port = rawPort === undefined ? 22 : Number(rawPort);
  if (!userPattern.test(user) || port < 1 || port > 65535) return undefined;
  const bracketed = rawHost.startsWith('[');
  const host = bracketed ? rawHost.slice(1, -1) : rawHost;
  if (bracketed ? !ipv6Pattern.test(host) || !host.includes(':') : !hostNamePattern.test(host)) return undefined;
  return {user, host, port, label: text.trim()};
}
