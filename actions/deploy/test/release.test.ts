import {describe, expect, it} from 'vitest';
import {parseState} from '../src/deploy-host.js';
import {parseHistory, parseUpstreamPort, planBatches, previousRelease, retainedReleases, versionOf} from '../src/release.js';

const digest = `sha256:${'ab12'.repeat(16)}`;

describe('versionOf', () => {
  it.each([
    ['127.0.0.1:5000/app:v1', 'v1'],
    ['ghcr.io/circuitverse/circuitverse:0123456789abcdef0123456789abcdef01234567', '0123456789abcdef0123456789abcdef01234567'],
    [`ghcr.io/circuitverse/circuitverse@${digest}`, 'sha256-ab12ab12ab12'],
    [`ghcr.io/circuitverse/circuitverse:v2@${digest}`, 'v2'],
  ])('names %s as %s', (image, version) => {
    expect(versionOf(image)).toBe(version);
  });
});

describe('parseHistory', () => {
  it('reads tab-separated lines and skips broken ones', () => {
    const text = '2026-11-01T00:00:00.000Z\tv1\tapp:v1\nbroken line\n2026-11-02T00:00:00.000Z\tv2\tapp:v2\n\n';
    expect(parseHistory(text)).toEqual([
      {at: '2026-11-01T00:00:00.000Z', version: 'v1', image: 'app:v1'},
      {at: '2026-11-02T00:00:00.000Z', version: 'v2', image: 'app:v2'},
    ]);
  });
});

const release = (version: string) => ({version, image: `app:${version}`});

describe('previousRelease after a failed deploy’s automatic rollback', () => {
  // 'v1 back from v2' is v1's entry with the mark, 'v1' one without.
  const entries = (...versions: string[]) =>
    parseHistory(
      versions
        .map((line, index) => {
          const [version, ...mark] = line.split(' ');
          return [`2026-12-0${index + 1}T00:00:00.000Z`, version, `app:${version}`, ...(mark.length ? [mark.join(' ')] : [])].join('\t');
        })
        .join('\n'),
    );

  it.each([
    ['skips the release it left, on a host that switched and came back', ['v0', 'v1', 'v2', 'v1 back from v2'], 'v1', 'v0'],
    ['names the same on a host that failed before switching', ['v0', 'v1'], 'v1', 'v0'],
    ['and on one whose switch was cut short before its history line', ['v0', 'v1', 'v1 back from v2'], 'v1', 'v0'],
    ['counts the release once deployed again and kept', ['v0', 'v1', 'v2', 'v1 back from v2', 'v2'], 'v2', 'v1'],
  ])('%s', (_, lines, current, expected) => {
    expect(previousRelease(entries(...lines), current)?.version).toBe(expected);
  });

  it('reads the mark, and lines without it as before', () => {
    expect(entries('v1', 'v1 back from v2')).toEqual([
      {at: '2026-12-01T00:00:00.000Z', version: 'v1', image: 'app:v1'},
      {at: '2026-12-02T00:00:00.000Z', version: 'v1', image: 'app:v1', backFrom: 'v2'},
    ]);
  });
});

describe('previousRelease', () => {
  it.each([
    ['the release before the current one', ['v1', 'v2', 'v3'], 'v3', 'v2'],
    ['past repeats of the current one', ['v1', 'v2', 'v2'], 'v2', 'v1'],
    ['after a rollback, the one rolled back from', ['v1', 'v2', 'v1'], 'v1', 'v2'],
    ['nothing on a first release', ['v1'], 'v1', undefined],
    ['nothing without history', [], undefined, undefined],
  ])('finds %s', (_, versions, current, expected) => {
    expect(previousRelease(versions.map(release), current)?.version).toBe(expected);
  });
});

describe('retainedReleases', () => {
  it.each([
    [['v1', 'v2', 'v3', 'v4'], 2, ['v4', 'v3']],
    [['v1', 'v2', 'v1', 'v2'], 2, ['v2', 'v1']],
    [['v1', 'v2', 'v2', 'v3'], 5, ['v3', 'v2', 'v1']],
    [[], 3, []],
  ])('keeps from %j the newest %d distinct versions', (versions, retain, expected) => {
    expect(retainedReleases(versions.map(release), retain).map(entry => entry.version)).toEqual(expected);
  });
});

describe('upstream files', () => {
  it("reads the live container's port from the container line, not from the HAProxy listener nginx points at", () => {
    const text =
      "# container: 127.0.0.1:23456, through HAProxy's 127.0.0.1:14000 (/etc/haproxy/conf.d/web.cfg)\nupstream web {\n  server 127.0.0.1:14000;\n}\n";
    expect(parseUpstreamPort(text)).toBe(23456);
  });

  it('reads the container port from the server line of a file an earlier release wrote', () => {
    expect(parseUpstreamPort('# Written by circuitverse/actions deploy: web v1.\nupstream web {\n  server 127.0.0.1:23456;\n}\n')).toBe(23456);
  });

  it.each([
    ['an empty file', ''],
    ['a server that is not ours', 'upstream web { server 10.0.0.5:3000; }'],
  ])('finds no port in %s', (_, text) => {
    expect(parseUpstreamPort(text)).toBeUndefined();
  });
});

describe('planBatches', () => {
  it.each([
    [['a', 'b', 'c'], 3, [['a', 'b', 'c']]],
    [['a', 'b', 'c'], 1, [['a'], ['b'], ['c']]],
    [['a', 'b', 'c', 'd', 'e'], 2, [['a', 'b'], ['c', 'd'], ['e']]],
    [['a'], 10, [['a']]],
  ])('splits %j into batches of %d', (hosts, size, expected) => {
    expect(planBatches(hosts, size)).toEqual(expected);
  });
});

describe('parseState', () => {
  const state = (status: string) =>
    parseState(`acquired\n## containers\nweb-v1-a\tv1\tapp:v1\t${status}\t127.0.0.1:20001->3000/tcp\t\n## upstream\n## upstream-file\n## history\n`);

  it.each([
    ['running', true],
    ['restarting', true],
    ['paused', true],
    ['exited', false],
    ['created', false],
    ['dead', false],
  ])('takes a %s container as running: %s (only what exited, never started or died is a leftover)', (status, running) => {
    expect(state(status).containers[0]?.running).toBe(running);
  });
});
