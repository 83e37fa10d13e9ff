import {describe, expect, it} from 'vitest';
import {parseSshTarget, type SshTarget} from '../src/ssh-target.js';

describe('parseSshTarget', () => {
  it.each<[string, SshTarget]>([
    ['web-1', {user: 'root', host: 'web-1', port: 22, label: 'web-1'}],
    ['web-1.example.com', {user: 'root', host: 'web-1.example.com', port: 22, label: 'web-1.example.com'}],
    ['10.0.0.7', {user: 'root', host: '10.0.0.7', port: 22, label: '10.0.0.7'}],
    ['deploy@web-1', {user: 'deploy', host: 'web-1', port: 22, label: 'deploy@web-1'}],
    ['web-1:2222', {user: 'root', host: 'web-1', port: 2222, label: 'web-1:2222'}],
    ['deploy@web-1:2222', {user: 'deploy', host: 'web-1', port: 2222, label: 'deploy@web-1:2222'}],
    ['[::1]', {user: 'root', host: '::1', port: 22, label: '[::1]'}],
    ['[::1]:2222', {user: 'root', host: '::1', port: 2222, label: '[::1]:2222'}],
    ['deploy@[2001:db8::1]:2222', {user: 'deploy', host: '2001:db8::1', port: 2222, label: 'deploy@[2001:db8::1]:2222'}],
    ['[fe80::1%eth0]', {user: 'root', host: 'fe80::1%eth0', port: 22, label: '[fe80::1%eth0]'}],
    ['[::ffff:10.0.0.7]', {user: 'root', host: '::ffff:10.0.0.7', port: 22, label: '[::ffff:10.0.0.7]'}],
    ['_svc.deploy-1@host:1', {user: '_svc.deploy-1', host: 'host', port: 1, label: '_svc.deploy-1@host:1'}],
    ['Deploy@Web-1:65535', {user: 'Deploy', host: 'Web-1', port: 65535, label: 'Deploy@Web-1:65535'}],
    ['  deploy@web-1  \n', {user: 'deploy', host: 'web-1', port: 22, label: 'deploy@web-1'}],
  ])('parses %j', (text, expected) => {
    expect(parseSshTarget(text, 'root')).toEqual(expected);
  });

  it.each([
    ['web-1', 'deploy'],
    ['[::1]:2222', 'deploy'],
  ])('applies the default user to %j', (text, defaultUser) => {
    expect(parseSshTarget(text, defaultUser)?.user).toBe(defaultUser);
  });

  it('prefers the written user to the default', () => {
    expect(parseSshTarget('admin@web-1', 'deploy')?.user).toBe('admin');
  });

  it.each([
    ['the empty string', ''],
    ['blank', '   '],
    ['port 0', 'web-1:0'],
    ['port 70000', 'web-1:70000'],
    ['port 65536', 'web-1:65536'],
    ['a six-digit port', 'web-1:000022'],
    ['a named port', 'web-1:ssh'],
    ['an empty port', 'web-1:'],
    ['an empty user', '@web-1'],
    ['two at signs', 'a@b@web-1'],
    ['a space in the host', 'web 1'],
    ['a space around the at sign', 'deploy @web-1'],
    ['a newline in the middle', 'web-1\nweb-2'],
    ['a command after a semicolon', 'host;rm -rf /'],
    ['a semicolon without spaces', 'host;reboot'],
    ['command substitution', '$(x)'],
    ['backticks', '`x`'],
    ['an option as the host', '-oProxyCommand=x'],
    ['an option as the user', '-oProxyCommand=x@web-1'],
    ['a user starting with a digit', '1deploy@web-1'],
    ['a user with a dollar sign', 'de$ploy@web-1'],
    ['an underscore in the host', 'web_1'],
    ['a leading hyphen in the host', '-web'],
    ['a trailing dot in the host', 'web-1.'],
    ['an empty host label', 'web..example.com'],
    ['a URL', 'ssh://web-1'],
    ['an unbracketed IPv6 address', '::1'],
    ['an unbracketed IPv6 address with a user', 'deploy@2001:db8::1'],
    ['an unbracketed IPv6 address with a port', '2001:db8::1:2222'],
    ['an IPv4 address in brackets', '[10.0.0.7]'],
    ['empty brackets', '[]'],
    ['a bracketed host name', '[web-1]'],
    ['an unclosed bracket', '[::1'],
    ['a host name over 253 characters', `${'a'.repeat(60)}.`.repeat(5).slice(0, 254)],
  ])('refuses %s', (_case, text) => {
    expect(parseSshTarget(text, 'root')).toBeUndefined();
  });

  it.each([
    ['an empty default user', ''],
    ['a default user with a space', 'de ploy'],
  ])('refuses a target when it would apply %s', (_case, defaultUser) => {
    expect(parseSshTarget('web-1', defaultUser)).toBeUndefined();
  });
});
