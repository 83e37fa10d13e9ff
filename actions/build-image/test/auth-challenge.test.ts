import {describe, expect, it} from 'vitest';
import {parseAuthChallenge} from '../src/auth-challenge.js';

describe('parseAuthChallenge', () => {
  // biome-ignore format: one header per line
  it.each([
    ['ghcr.io', 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:circuitverse/app:pull"', {scheme: 'bearer', params: {realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:circuitverse/app:pull'}}],
    ['Docker Hub, a scope with a comma', 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull,push"', {scheme: 'bearer', params: {realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/node:pull,push'}}],
    ['distribution with htpasswd', 'Basic realm="cv-sandbox"', {scheme: 'basic', params: {realm: 'cv-sandbox'}}],
    ['spaces, upper-case names and a token value', 'BEARER  Realm = "https://r.example/t" , Service=r.example', {scheme: 'bearer', params: {realm: 'https://r.example/t', service: 'r.example'}}],
    ['an escaped quote', 'Basic realm="say \\"hi\\""', {scheme: 'basic', params: {realm: 'say "hi"'}}],
  ])('reads %s', (_, header, challenge) => {
    expect(parseAuthChallenge(header)).toEqual(challenge);
  });

  it.each([null, '', '   '])('has nothing for %j', header => {
    expect(parseAuthChallenge(header)).toBeUndefined();
  });
});
