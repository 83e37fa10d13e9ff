import {describe, expect, it} from 'vitest';
import {type ImageRef, isRepository, isTag, parseImageRef} from '../src/image-ref.js';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('isRepository', () => {
  it.each([
    'app',
    'circuitverse/app',
    'ghcr.io/circuitverse/circuitverse',
    'registry.example.com/team/group/app',
    '127.0.0.1:5000/app',
    'localhost:5000/a/b',
    'localhost/app',
    '[::1]:5000/app',
    'my_org/my__app',
    'my-app/with--dashes',
    'a.b/c.d',
    `${'a'.repeat(250)}/bcde`,
  ])('accepts %j', text => {
    expect(isRepository(text)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['upper case in the path', 'ghcr.io/CircuitVerse/app'],
    ['an upper-case name', 'App'],
    ['a tag', 'app:latest'],
    ['a digest', `app@${digest}`],
    ['a leading slash', '/app'],
    ['a trailing slash', 'app/'],
    ['an empty path component', 'a//b'],
    ['a leading separator', '-app'],
    ['a trailing separator', 'app-'],
    ['a space', 'my app'],
    ['a scheme', 'https://ghcr.io/app'],
    ['a registry alone', 'ghcr.io/'],
    ['an unbracketed IPv6 registry', '::1:5000/app'],
    ['more than 255 characters', `${'a'.repeat(251)}/bcde`],
  ])('refuses %s', (_case, text) => {
    expect(isRepository(text)).toBe(false);
  });
});

describe('isTag', () => {
  it.each(['latest', 'v1.2.3', '1.0.0-rc.1', 'sha-abc123', '_private', 'UPPER_case', 'a'.repeat(128)])('accepts %j', text => {
    expect(isTag(text)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['a leading dot', '.hidden'],
    ['a leading dash', '-x'],
    ['129 characters', 'a'.repeat(129)],
    ['a slash', 'feature/x'],
    ['a colon', 'a:b'],
    ['a plus sign', '1.0+build'],
    ['a space', 'my tag'],
    ['a non-ASCII letter', 'väl'],
  ])('refuses %s', (_case, text) => {
    expect(isTag(text)).toBe(false);
  });
});

describe('parseImageRef', () => {
  it.each<[string, ImageRef]>([
    ['ghcr.io/circuitverse/circuitverse', {registry: 'ghcr.io', repository: 'ghcr.io/circuitverse/circuitverse'}],
    ['127.0.0.1:5000/app', {registry: '127.0.0.1:5000', repository: '127.0.0.1:5000/app'}],
    ['localhost:5000/a/b', {registry: 'localhost:5000', repository: 'localhost:5000/a/b'}],
    ['localhost/app', {registry: 'localhost', repository: 'localhost/app'}],
    ['[::1]:5000/app', {registry: '[::1]:5000', repository: '[::1]:5000/app'}],
    ['[2001:db8::1]/app', {registry: '[2001:db8::1]', repository: '[2001:db8::1]/app'}],
    ['circuitverse/app', {registry: 'docker.io', repository: 'circuitverse/app'}],
    ['library/nginx', {registry: 'docker.io', repository: 'library/nginx'}],
    ['app', {registry: 'docker.io', repository: 'app'}],
    ['ghcr.io', {registry: 'docker.io', repository: 'ghcr.io'}],
    // Docker reads a first component with upper case as a host, like one with a dot or a port.
    ['MyRegistry/app', {registry: 'MyRegistry', repository: 'MyRegistry/app'}],
    ['app:latest', {registry: 'docker.io', repository: 'app', tag: 'latest'}],
    ['ghcr.io/circuitverse/circuitverse:v1.2.3', {registry: 'ghcr.io', repository: 'ghcr.io/circuitverse/circuitverse', tag: 'v1.2.3'}],
    ['127.0.0.1:5000/app:1.0', {registry: '127.0.0.1:5000', repository: '127.0.0.1:5000/app', tag: '1.0'}],
    ['[::1]:5000/app:dev', {registry: '[::1]:5000', repository: '[::1]:5000/app', tag: 'dev'}],
    ['localhost:5000', {registry: 'docker.io', repository: 'localhost', tag: '5000'}],
    [`app@${digest}`, {registry: 'docker.io', repository: 'app', digest}],
    [`127.0.0.1:5000/app@${digest}`, {registry: '127.0.0.1:5000', repository: '127.0.0.1:5000/app', digest}],
    [`ghcr.io/a/b:v1@${digest}`, {registry: 'ghcr.io', repository: 'ghcr.io/a/b', tag: 'v1', digest}],
  ])('parses %j', (text, expected) => {
    expect(parseImageRef(text)).toEqual(expected);
  });

  it.each([
    ['the empty string', ''],
    ['upper case in the path', 'ghcr.io/CircuitVerse/app'],
    ['an upper-case name', 'App:latest'],
    ['a tag alone', ':tag'],
    ['an empty tag', 'image:'],
    ['an empty tag before a digest', `image:@${digest}`],
    ['a tag with a slash after the colon', 'app:feature/x'],
    ['a tag starting with a dot', 'app:.x'],
    ['a tag of 129 characters', `app:${'a'.repeat(129)}`],
    ['two tags', 'app:a:b'],
    ['an empty digest', 'app@'],
    ['a digest alone', `@${digest}`],
    ['a digest without an algorithm', `app@${'a'.repeat(64)}`],
    ['a short digest', 'app@sha256:abc'],
    ['an upper-case digest', `app@sha256:${'A'.repeat(64)}`],
    ['another digest algorithm', `app@sha512:${'a'.repeat(128)}`],
    ['two digests', `app@${digest}@${digest}`],
    ['a space', 'my app:latest'],
    ['an unbracketed IPv6 registry', '::1:5000/app'],
  ])('refuses %s', (_case, text) => {
    expect(parseImageRef(text)).toBeUndefined();
  });
});
