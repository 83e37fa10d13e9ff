import {createHmac, randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {fingerprint, hostKeyAlgorithmsFor, KnownHosts, knownHostsName} from '../../src/ssh/known-hosts.js';

const keyA = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'base64');
const keyB = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'base64');
const a = keyA.toString('base64');
const b = keyB.toString('base64');

// What `ssh-keygen -H` writes for a name: |1|base64(salt)|base64(HMAC-SHA1(salt, name)).
function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('knownHostsName', () => {
  it.each([
    ['web-1', 22, 'web-1'],
    ['web-1', 2222, '[web-1]:2222'],
    ['2001:db8::1', 22, '2001:db8::1'],
    ['2001:db8::1', 2222, '[2001:db8::1]:2222'],
  ])('writes %s port %d as %s', (host, port, expected) => {
    expect(knownHostsName(host, port)).toBe(expected);
  });
});

describe('KnownHosts.verify', () => {
  it.each([
    ['a plain name', `web-1 ssh-ed25519 ${a}`, 'web-1', 22, keyA, 'known'],
    ['one of several names', `web-0,web-1,198.18.0.11 ssh-ed25519 ${a}`, '198.18.0.11', 22, keyA, 'known'],
    ['a name in another case', `WEB-1 ssh-ed25519 ${a}`, 'web-1', 22, keyA, 'known'],
    ['a different key', `web-1 ssh-ed25519 ${a}`, 'web-1', 22, keyB, 'mismatch'],
    ['a host not listed', `web-1 ssh-ed25519 ${a}`, 'web-2', 22, keyA, 'unknown-host'],
    ['a port given as [host]:port', `[web-1]:2222 ssh-ed25519 ${a}`, 'web-1', 2222, keyA, 'known'],
    ['a bare name for another port', `web-1 ssh-ed25519 ${a}`, 'web-1', 2222, keyA, 'unknown-host'],
    ['a hashed name', `${hashedName('web-1')} ssh-ed25519 ${a}`, 'web-1', 22, keyA, 'known'],
    ['a hashed name for another host', `${hashedName('web-1')} ssh-ed25519 ${a}`, 'web-2', 22, keyA, 'unknown-host'],
    ['a hashed [host]:port', `${hashedName('[web-1]:2222')} ssh-ed25519 ${a}`, 'web-1', 2222, keyA, 'known'],
    ['a wildcard', `*.example.org ssh-ed25519 ${a}`, 'web.example.org', 22, keyA, 'known'],
    ['a ? wildcard', `web-? ssh-ed25519 ${a}`, 'web-7', 22, keyA, 'known'],
    ['a negated name', `*.example.org,!db.example.org ssh-ed25519 ${a}`, 'db.example.org', 22, keyA, 'unknown-host'],
    ['a revoked key', `@revoked web-1 ssh-ed25519 ${a}\nweb-1 ssh-ed25519 ${b}`, 'web-1', 22, keyA, 'revoked'],
    ['a second key for the host', `web-1 ssh-ed25519 ${b}\nweb-1 ssh-ed25519 ${a}`, 'web-1', 22, keyA, 'known'],
    ['a comment after the key', `web-1 ssh-ed25519 ${a} root@web-1`, 'web-1', 22, keyA, 'known'],
    // OpenSSH lowercases the host name before it hashes it or matches it.
    ['a host name in capitals against a hashed name', `${hashedName('web1.example.org')} ssh-ed25519 ${a}`, 'WEB1.example.org', 22, keyA, 'known'],
    ['a host name in capitals against a plain name', `web1.example.org ssh-ed25519 ${a}`, 'WEB1.example.org', 22, keyA, 'known'],
    ['capitals against a hashed [host]:port', `${hashedName('[web1.example.org]:2222')} ssh-ed25519 ${a}`, 'Web1.Example.org', 2222, keyA, 'known'],
    ['an IPv6 address in capitals against a hashed name', `${hashedName('2001:db8::a')} ssh-ed25519 ${a}`, '2001:DB8::A', 22, keyA, 'known'],
    ['a * in the middle', `web-*.example.org ssh-ed25519 ${a}`, 'web-12.example.org', 22, keyA, 'known'],
    ['a * that must not match across the end', `web-*.org ssh-ed25519 ${a}`, 'web-1.org.example', 22, keyA, 'unknown-host'],
    ['a ? that needs one character', `web-? ssh-ed25519 ${a}`, 'web-', 22, keyA, 'unknown-host'],
    ['regex characters taken literally', `web+1.(a) ssh-ed25519 ${a}`, 'web+1.(a)', 22, keyA, 'known'],
    ['a dot that is not a wildcard', `web.1 ssh-ed25519 ${a}`, 'webx1', 22, keyA, 'unknown-host'],
    ['only @cert-authority lines', `@cert-authority *.example.org ssh-ed25519 ${a}`, 'web.example.org', 22, keyA, 'cert-authority-only'],
    ['a @cert-authority line and a host key', `@cert-authority *.org ssh-ed25519 ${b}\nweb.org ssh-ed25519 ${a}`, 'web.org', 22, keyA, 'known'],
    ['a @cert-authority line for another host', `@cert-authority *.example.com ssh-ed25519 ${a}`, 'web.example.org', 22, keyA, 'unknown-host'],
  ])('with %s', (_, text, host, port, offered, verdict) => {
    expect(new KnownHosts(text).verify(host, port, offered)).toBe(verdict);
  });

  it('matches many stars against a long name without backtracking through every split', () => {
    // As a backtracking regex, 30 stars and an x against 40 characters took over a minute.
    const knownHosts = new KnownHosts(`${'*'.repeat(30)}x ssh-ed25519 ${a}\n${'*a'.repeat(20)}* ssh-ed25519 ${b}`);
    expect(knownHosts.verify('a'.repeat(40), 22, keyA)).toBe('mismatch');
    expect(knownHosts.verify(`${'a'.repeat(39)}x`, 22, keyA)).toBe('known');
  });
});

describe('KnownHosts parsing', () => {
  it('skips comments and blanks, and takes no host keys from @cert-authority lines', () => {
    const knownHosts = new KnownHosts(`# hosts\n\n@cert-authority *.example.org ssh-ed25519 ${a}\nweb-1 ssh-ed25519 ${a}\r\n`);
    expect(knownHosts.invalidLines).toEqual([]);
    expect(knownHosts.keysFor('web-1', 22)).toEqual([{type: 'ssh-ed25519', key: keyA}]);
    expect(knownHosts.keysFor('x.example.org', 22)).toEqual([]);
  });

  it.each([
    ['a line with no key', 'web-1 ssh-ed25519', [1]],
    ['a key that is not base64', `web-1\nweb-2 ssh-ed25519 not*base64`, [1, 2]],
    ['an unknown marker', `@trusted web-1 ssh-ed25519 ${a}`, [1]],
    ['a @cert-authority line with no key', '@cert-authority *.example.org ssh-ed25519', [1]],
  ])('reports %s by line number', (_, text, lines) => {
    expect(new KnownHosts(text).invalidLines).toEqual(lines);
  });

  it('leaves revoked keys out of the keys for a host', () => {
    expect(new KnownHosts(`@revoked web-1 ssh-ed25519 ${a}`).keysFor('web-1', 22)).toEqual([]);
  });
});

describe('fingerprint', () => {
  it('is the unpadded base64 SHA-256 that ssh-keygen -l prints', () => {
    expect(fingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});

describe('hostKeyAlgorithmsFor', () => {
  it.each([
    [['ssh-ed25519'], ['ssh-ed25519']],
    [['ssh-rsa'], ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']],
    [
      ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
      ['ssh-ed25519', 'ecdsa-sha2-nistp256'],
    ],
    [['unknown-type'], []],
  ])('offers %j as %j', (types, expected) => {
    expect(hostKeyAlgorithmsFor(types.map(type => ({type, key: keyA})))).toEqual(expected);
  });
});
