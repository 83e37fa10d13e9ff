import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readGitHubContext} from '../src/github-context.js';
import {planImageMetadata, sanitizeTag} from '../src/image-metadata.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const now = new Date('2026-11-27T12:34:56.000Z');
const image = 'ghcr.io/circuitverse/circuitverse';
const noExtras = {image, tags: [], labels: new Map<string, string>()};

// What the runner sets for each event: GITHUB_SHA is the merge commit on pull requests, the pushed commit otherwise.
function contextFor(fixture: string, eventName: string, ref: string, sha: string) {
  return readGitHubContext({
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: join(fixtures, fixture),
    GITHUB_REF: ref,
    GITHUB_SHA: sha,
    GITHUB_REPOSITORY: 'CircuitVerse/CircuitVerse',
    GITHUB_SERVER_URL: 'https://github.com',
  });
}

describe('planImageMetadata', () => {
  // biome-ignore format: one event per line
  it.each([
    ['a push to the default branch', 'event-push-main.json', 'push', 'refs/heads/master', '9c1185a5c5e9fc54612808977ee8f548b2258d31', ['9c1185a5c5e9fc54612808977ee8f548b2258d31', 'master', 'latest']],
    ['a push to feature/x', 'event-push-feature.json', 'push', 'refs/heads/feature/x', 'b5e4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6', ['b5e4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6', 'feature-x']],
    ['a release tag v1.2.3', 'event-tag-release.json', 'push', 'refs/tags/v1.2.3', '3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b', ['3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b', '1.2.3', '1.2', '1']],
    ['a pre-release tag v1.2.3-rc.1', 'event-tag-prerelease.json', 'push', 'refs/tags/v1.2.3-rc.1', '7f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c', ['7f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c', '1.2.3-rc.1']],
    ['a pull request (head SHA, not the merge commit)', 'event-pull-request.json', 'pull_request', 'refs/pull/4242/merge', '5555555555555555555555555555555555555555', ['e1d2c3b4a5f60718293a4b5c6d7e8f9012345678', 'pr-4242']],
    ['a workflow_dispatch on the default branch', 'event-workflow-dispatch.json', 'workflow_dispatch', 'refs/heads/master', '9c1185a5c5e9fc54612808977ee8f548b2258d31', ['9c1185a5c5e9fc54612808977ee8f548b2258d31', 'master', 'latest']],
  ])('tags %s', (_, fixture, eventName, ref, sha, tags) => {
    const metadata = planImageMetadata(contextFor(fixture, eventName, ref, sha), noExtras, now);
    expect(metadata.tags).toEqual(tags);
    expect(metadata.version).toBe(tags[0]);
    expect(metadata.refs).toEqual(tags.map(tag => `${image}:${tag}`));
    expect(metadata.labels.get('org.opencontainers.image.revision')).toBe(tags[0]);
  });

  it('labels the image with the OCI keys from the context', () => {
    const metadata = planImageMetadata(
      contextFor('event-push-main.json', 'push', 'refs/heads/master', '9c1185a5c5e9fc54612808977ee8f548b2258d31'),
      noExtras,
      now,
    );
    expect(Object.fromEntries(metadata.labels)).toEqual({
      'org.opencontainers.image.source': 'https://github.com/CircuitVerse/CircuitVerse',
      'org.opencontainers.image.url': 'https://github.com/CircuitVerse/CircuitVerse',
      'org.opencontainers.image.revision': '9c1185a5c5e9fc54612808977ee8f548b2258d31',
      'org.opencontainers.image.version': '9c1185a5c5e9fc54612808977ee8f548b2258d31',
      'org.opencontainers.image.created': '2026-11-27T12:34:56.000Z',
      'org.opencontainers.image.title': 'CircuitVerse',
    });
  });

  it('adds the extra tags once and lets extra labels override the derived ones', () => {
    const context = contextFor('event-push-feature.json', 'push', 'refs/heads/feature/x', 'b5e4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6');
    const labels = new Map([
      ['org.opencontainers.image.title', 'Simulator'],
      ['org.circuitverse.team', 'platform'],
    ]);
    const metadata = planImageMetadata(context, {image, tags: ['staging', 'feature-x'], labels}, now);
    expect(metadata.tags).toEqual(['b5e4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6', 'feature-x', 'staging']);
    expect(metadata.labels.get('org.opencontainers.image.title')).toBe('Simulator');
    expect(metadata.labels.get('org.circuitverse.team')).toBe('platform');
  });

  it('gives a tag that is not a version its sanitised name', () => {
    const metadata = planImageMetadata(
      contextFor('event-tag-release.json', 'push', 'refs/tags/release/2026-11', '3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b'),
      noExtras,
      now,
    );
    expect(metadata.tags).toEqual(['3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b', 'release-2026-11']);
  });
});

describe('sanitizeTag', () => {
  it.each([
    ['feature/x', 'feature-x'],
    ['Feature/Über  cool', 'Feature-ber-cool'],
    ['dependabot/npm_and_yarn/vite-6.0.1', 'dependabot-npm_and_yarn-vite-6.0.1'],
    ['.hidden', 'hidden'],
    ['x'.repeat(200), 'x'.repeat(128)],
  ])('turns %s into %s', (branch, tag) => {
    expect(sanitizeTag(branch)).toBe(tag);
  });
});

describe('readGitHubContext', () => {
  it('refuses to run without the Actions context, naming the missing variable', () => {
    expect(() => readGitHubContext({GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'a/b'})).toThrow(/^GITHUB_SHA is not set/);
  });
});
