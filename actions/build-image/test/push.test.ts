import {PassThrough} from 'node:stream';
import {createConsoleLogger} from '@circuitverse/shared';
import {stub} from '@circuitverse/testkit';
import type Docker from 'dockerode';
import {describe, expect, it} from 'vitest';
import {pushAuthFor, pushTag} from '../src/push.js';

const digest = `sha256:${'c'.repeat(64)}`;

// An Engine whose push answers HTTP 200 with these JSON lines, as the real one does even when the registry refuses.
function engineAnswering(events: object[], seen: {options?: unknown} = {}): Docker {
  return stub<Docker>('docker', {
    getImage: () =>
      stub('image', {
        push: async (options: unknown) => {
          seen.options = options;
          const stream = new PassThrough();
          stream.end(events.map(event => `${JSON.stringify(event)}\r\n`).join(''));
          return stream;
        },
      }),
  });
}

describe('pushTag', () => {
  it('returns the digest the Engine reports and logs each layer once, at its end', async () => {
    const lines: string[] = [];
    const seen: {options?: unknown} = {};
    const engine = engineAnswering(
      [
        {status: 'The push refers to repository [127.0.0.1:5000/app]'},
        {status: 'Preparing', id: 'a1b2c3', progressDetail: {}},
        {status: 'Pushing', id: 'a1b2c3', progressDetail: {current: 512, total: 1024}},
        {status: 'Pushed', id: 'a1b2c3', progressDetail: {}},
        {status: 'Layer already exists', id: 'd4e5f6', progressDetail: {}},
        {status: `v1: digest: ${digest} size: 528`},
        {progressDetail: {}, aux: {Tag: 'v1', Digest: digest, Size: 528}},
      ],
      seen,
    );
    const auth = pushAuthFor('127.0.0.1:5000', {username: 'ci', password: 'pw'});
    expect(await pushTag(engine, '127.0.0.1:5000/app', 'v1', auth, createConsoleLogger({write: line => lines.push(line)}))).toBe(digest);
    expect(seen.options).toEqual({tag: 'v1', authconfig: {username: 'ci', password: 'pw', serveraddress: '127.0.0.1:5000'}});
    expect(lines).toEqual(['v1: layer a1b2c3 pushed', 'v1: layer d4e5f6 layer already exists', `v1: pushed ${digest}`]);
  });

  it("fails with the registry's refusal from inside the stream", async () => {
    const engine = engineAnswering([
      {status: 'Preparing', id: 'a1b2c3'},
      {errorDetail: {message: 'denied: requested access to the resource is denied'}, error: 'denied: requested access to the resource is denied'},
    ]);
    await expect(pushTag(engine, 'ghcr.io/o/app', 'v1', undefined, createConsoleLogger({write: () => {}}))).rejects.toThrow(
      'Push of ghcr.io/o/app:v1: failed: denied: requested access to the resource is denied.',
    );
  });

  it('gives Docker Hub logins the index address the Engine expects', () => {
    expect(pushAuthFor('docker.io', {username: 'u', password: 'p'}).serveraddress).toBe('https://index.docker.io/v1/');
  });
});
