import {createHash, createHmac} from 'node:crypto';

export interface KnownHostKey {
  /** Key type as written in known_hosts, e.g. `ssh-ed25519`. */
  type: string;
  /** The public key blob. */
  key: Buffer;
}

interface KnownHostLine {
  /** Plain patterns, lowercased. */
  patterns: string[];
  hashed?: {salt: Buffer; hash: Buffer};
  marker: '@revoked' | '@cert-authority' | undefined;
  hostKey: KnownHostKey;
}

/** The host name as known_hosts writes it: bare on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:` and unpadded base64. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

// ssh's match_pattern: `*` matches any run of characters, `?` any one. Going back only to the latest `*` is enough,
// and keeps a pattern of many stars a pass over the name per star, where a regex tried every split of the name.
function matchesPattern(name: string, pattern: string): boolean {
  let at = 0;
  let next = 0;
  let star = -1;
  let starAt = 0;
  while (at < name.length) {
    if (pattern[next] === '*') {
      star = next++;
      starAt = at;
    } else if (next < pattern.length && (pattern[next] === '?' || pattern[next] === name[at])) {
      next++;
      at++;
    } else if (star >= 0) {
      next = star + 1;
      at = ++starAt;
    } else {
      return false;
    }
  }
  while (pattern[next] === '*') next++;
  return next === pattern.length;
}

function matchesLine(line: KnownHostLine, name: string): boolean {
  if (line.hashed) {
    const digest = createHmac('sha1', line.hashed.salt).update(name).digest();
    return digest.equals(line.hashed.hash);
  }
  let matched = false;
  for (const pattern of line.patterns) {
    if (pattern.startsWith('!')) {
      if (matchesPattern(name, pattern.slice(1))) return false;
    } else if (matchesPattern(name, pattern)) {
      matched = true;
    }
  }
  return matched;
}

/** Host keys from known_hosts text, as OpenSSH reads them: plain, wildcard and hashed (`|1|salt|hash`) names. */
export class KnownHosts {
  private readonly lines: KnownHostLine[] = [];
  /** Lines that could not be read, by line number, so a typo is reported rather than silently ignored. */
  readonly invalidLines: number[] = [];

  constructor(text: string) {
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const fields = line.split(/\s+/);
      const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
      const [names, type, base64] = fields;
      if (!names || !type || !base64 || (marker !== undefined && marker !== '@revoked' && marker !== '@cert-authority') || !/^[A-Za-z0-9+/]+=*$/.test(base64)) {
        this.invalidLines.push(index + 1);
        return;
      }
      const hostKey = {type, key: Buffer.from(base64, 'base64')};
      const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(names);
      this.lines.push({
        patterns: hashed ? [] : names.toLowerCase().split(','),
        ...(hashed ? {hashed: {salt: Buffer.from(hashed[1] as string, 'base64'), hash: Buffer.from(hashed[2] as string, 'base64')}} : {}),
        marker,
        hostKey,
      });
    });
  }

  /** The keys known for a host, revoked ones and certificate authorities excluded. */
  keysFor(host: string, port: number): KnownHostKey[] {
    return this.linesFor(host, port)
      .filter(line => line.marker === undefined)
      .map(line => line.hostKey);
  }

  /**
   * Whether a key the server offered is known for the host and not revoked. `cert-authority-only`: the host has no
   * key of its own here, only @cert-authority lines, which vouch for host certificates this toolkit does not check.
   */
  verify(host: string, port: number, offered: Buffer): 'known' | 'revoked' | 'mismatch' | 'unknown-host' | 'cert-authority-only' {
    const lines = this.linesFor(host, port);
    if (lines.some(line => line.marker === '@revoked' && line.hostKey.key.equals(offered))) return 'revoked';
    const known = lines.filter(line => line.marker === undefined);
    if (known.length === 0) return lines.some(line => line.marker === '@cert-authority') ? 'cert-authority-only' : 'unknown-host';
    return known.some(line => line.hostKey.key.equals(offered)) ? 'known' : 'mismatch';
  }

  private linesFor(host: string, port: number): KnownHostLine[] {
    // OpenSSH lowercases the host name before it hashes it or matches it, so `WEB1` finds ssh-keyscan's `web1`.
    const name = knownHostsName(host.toLowerCase(), port);
    return this.lines.filter(line => matchesLine(line, name));
  }
}

// What each known_hosts key type lets the server sign with, newest first, so the server shows the key we know.
const hostKeyAlgorithms: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** The host key algorithms to offer for the keys we know, like OpenSSH preferring known host key types. */
export function hostKeyAlgorithmsFor(keys: KnownHostKey[]): string[] {
  return [...new Set(keys.flatMap(key => hostKeyAlgorithms[key.type] ?? []))];
}
