import {type GitHubContext, isPullRequest} from './github-context.js';
import type {BuildImageInputs} from './inputs.js';

export interface ImageMetadata {
  /** The primary tag: the full SHA of the commit that was built. */
  version: string;
  /** Tag names, the primary one first, each once. */
  tags: string[];
  /** `<image>:<tag>` for every tag. */
  refs: string[];
  labels: Map<string, string>;
}

// The grammar from semver.org, after the `v` git tags usually carry. Build metadata (`+...`) never reaches a tag.
const semverPattern =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/** docker/metadata-action's rule: each run of characters a tag cannot hold becomes one `-` (`feature/x` → `feature-x`). */
export function sanitizeTag(text: string): string {
  // Docker also refuses a leading `.` or `-` and more than 128 characters; metadata-action leaves those to fail at push.
  return text
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

// A release gets every version a user may pin to; a pre-release only its own, so `1` never moves to an rc.
function versionTags(gitTag: string): string[] {
  const match = semverPattern.exec(gitTag);
  if (!match) return [sanitizeTag(gitTag)];
  const [, major, minor, patch, prerelease] = match;
  if (prerelease) return [`${major}.${minor}.${patch}-${prerelease}`];
  return [`${major}.${minor}.${patch}`, `${major}.${minor}`, `${major}`];
}

function refTags(context: GitHubContext): string[] {
  if (isPullRequest(context)) {
    const number = context.payload.pull_request?.number ?? context.payload.number;
    return number === undefined ? [] : [`pr-${number}`];
  }
  const branch = /^refs\/heads\/(.+)$/.exec(context.ref)?.[1];
  if (branch !== undefined) {
    const isDefault = branch === context.payload.repository?.default_branch;
    return isDefault ? [sanitizeTag(branch), 'latest'] : [sanitizeTag(branch)];
  }
  const gitTag = /^refs\/tags\/(.+)$/.exec(context.ref)?.[1];
  return gitTag === undefined ? [] : versionTags(gitTag);
}

/** Tags and OCI labels for the run, with docker/metadata-action's semantics; `now` is the build time. */
export function planImageMetadata(context: GitHubContext, inputs: Pick<BuildImageInputs, 'image' | 'tags' | 'labels'>, now: Date): ImageMetadata {
  // On a pull request GITHUB_SHA is a merge commit nobody can check out later; the head commit is what was reviewed.
  const commit = (isPullRequest(context) && context.payload.pull_request?.head?.sha) || context.sha;
  const tags = [...new Set([commit, ...refTags(context), ...inputs.tags])].filter(tag => tag !== '');
  const repositoryUrl = `${context.serverUrl}/${context.repository}`;
  const labels = new Map([
    ['org.opencontainers.image.source', repositoryUrl],
    ['org.opencontainers.image.url', repositoryUrl],
    ['org.opencontainers.image.revision', commit],
    ['org.opencontainers.image.version', commit],
    ['org.opencontainers.image.created', now.toISOString()],
    ['org.opencontainers.image.title', context.payload.repository?.name ?? context.repository.split('/').at(-1) ?? context.repository],
    ...inputs.labels,
  ]);
  return {version: commit, tags, refs: tags.map(tag => `${inputs.image}:${tag}`), labels};
}
