import {createConsoleLogger, InputReader} from '@circuitverse/shared';
import {catchConfigError} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {readInputs} from '../src/inputs.js';

function read(inputs: Record<string, string>) {
  const environment = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
  return readInputs(new InputReader(environment), createConsoleLogger({write: () => {}}));
}

describe('build-image inputs', () => {
  it('reads a full set of inputs', () => {
    const inputs = read({
      image: '127.0.0.1:5000/circuitverse',
      context: 'app',
      file: 'Dockerfile.production',
      target: 'runtime',
      'build-args': 'RAILS_ENV=production\nNODE_VERSION=22',
      secrets: 'github_token=abc=def',
      tags: 'staging, edge',
      labels: 'org.circuitverse.team=platform',
      push: 'false',
      'registry-username': 'ci',
      'registry-password': 'pw',
      'cache-from': '127.0.0.1:5000/circuitverse:cache',
    });
    expect(inputs).toEqual({
      image: '127.0.0.1:5000/circuitverse',
      context: 'app',
      file: 'Dockerfile.production',
      target: 'runtime',
      buildArgs: new Map([
        ['RAILS_ENV', 'production'],
        ['NODE_VERSION', '22'],
      ]),
      secrets: new Map([['github_token', 'abc=def']]),
      tags: ['staging', 'edge'],
      labels: new Map([['org.circuitverse.team', 'platform']]),
      push: false,
      registryUsername: 'ci',
      registryPassword: 'pw',
      cacheFrom: ['127.0.0.1:5000/circuitverse:cache'],
    });
  });

  it('leaves push to the event when it is not set', () => {
    expect(read({image: 'ghcr.io/circuitverse/circuitverse'}).push).toBeUndefined();
  });

  it.each([
    ['a missing image', {}, 'image'],
    ['an image with a tag', {image: 'ghcr.io/circuitverse/circuitverse:latest'}, 'image'],
    ['an image in upper case', {image: 'ghcr.io/CircuitVerse/app'}, 'image'],
    ['an invalid extra tag', {image: 'app', tags: 'ok\n-bad'}, 'tags'],
    ['a label with an invalid key', {image: 'app', labels: 'bad key=x'}, 'labels'],
    ['a secret line without =', {image: 'app', secrets: 'just-a-token'}, 'secrets'],
    ['a password without a user', {image: 'app', 'registry-password': 'pw'}, 'registry-username'],
    ['a user without a password', {image: 'app', 'registry-username': 'ci'}, 'registry-password'],
    ['push that is not a boolean', {image: 'app', push: 'yes'}, 'push'],
  ])('refuses %s, naming the input', (_, inputs, input) => {
    const error = catchConfigError(() => read(inputs));
    expect(error.input).toBe(input);
    expect(error.message).toContain(`Input "${input}"`);
  });

  it('never quotes a secret line in its error', () => {
    expect(catchConfigError(() => read({image: 'app', secrets: 'ghp_secretvalue'})).message).not.toContain('ghp_secretvalue');
  });
});
