import {readFileSync} from 'node:fs';
import type {Environment} from '@circuitverse/shared';

/** The parts of a webhook payload the tags and labels are made from. */
export interface EventPayload {
  number?: number;
  repository?: {name?: string; default_branch?: string};
  pull_request?: {number?: number; head?: {sha?: string}};
}

/** What the runner tells a step about the workflow run, read from its `GITHUB_*` variables and the event payload. */
export interface GitHubContext {
  eventName: string;
  /** `refs/heads/<branch>`, `refs/tags/<tag>` or `refs/pull/<n>/merge`. */
  ref: string;
  /** The commit the run checked out; on pull requests the merge commit, not the head. */
  sha: string;
  /** `owner/name`. */
  repository: string;
  serverUrl: string;
  payload: EventPayload;
}

function requireVariable(environment: Environment, name: string): string {
  const value = environment[name];
  if (!value) throw new Error(`${name} is not set: build-image takes its tags and labels from the GitHub Actions context.`);
  return value;
}

/** Reads the run's context without `@actions/github`, so the planners can be tested from plain files. */
export function readGitHubContext(environment: Environment): GitHubContext {
  const eventPath = environment.GITHUB_EVENT_PATH;
  return {
    eventName: requireVariable(environment, 'GITHUB_EVENT_NAME'),
    ref: environment.GITHUB_REF ?? '',
    sha: requireVariable(environment, 'GITHUB_SHA'),
    repository: requireVariable(environment, 'GITHUB_REPOSITORY'),
    serverUrl: environment.GITHUB_SERVER_URL ?? 'https://github.com',
    payload: eventPath ? (JSON.parse(readFileSync(eventPath, 'utf8')) as EventPayload) : {},
  };
}

/** `pull_request_target` counts too: it builds a contributor's code, which must not land on a shared tag. */
export function isPullRequest(context: GitHubContext): boolean {
  return context.eventName === 'pull_request' || context.eventName === 'pull_request_target';
}
