import {parseImageRef} from '@circuitverse/shared';

/** A version of the service on a host: what history records and what rollback goes back to. */
export interface Release {
  version: string;
  image: string;
}

export const stateRoot = '/var/lib/circuitverse-deploy';

/**
 * The version a deploy records for an image: its tag, or for an image pinned only by digest the first 12 hex
 * digits of the digest. Both are safe in container names, labels and file names.
 */
export function versionOf(image: string): string {
  const ref = parseImageRef(image);
  if (!ref) throw new Error(`Not an image reference: ${image}`);
  if (ref.tag !== undefined) return ref.tag;
  return `sha256-${(ref.digest ?? '').slice('sha256:'.length, 'sha256:'.length + 12)}`;
}

/** The variable the deploy sets in the release's env file when the inputs do not. */
export const resourceAttributesVariable = 'OTEL_RESOURCE_ATTRIBUTES';

/**
 * OTEL_RESOURCE_ATTRIBUTES for the app's containers, so that the app's own telemetry names its release: the version,
 * the environment when the inputs name one, and the commit when the version is one (build-image tags the full SHA).
 * Values are percent-encoded, as the variable's format asks.
 */
export function releaseResourceAttributes(version: string, environment: string | undefined): string {
  const attributes: Array<[string, string | undefined]> = [
    ['service.version', version],
    ['deployment.environment.name', environment],
    ['vcs.ref.head.revision', /^[0-9a-f]{40}$/.test(version) ? version : undefined],
  ];
  return attributes.flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${encodeURIComponent(value)}`])).join(',');
}

/** Where a service keeps its lock, history and env files on a host. */
export function servicePaths(service: string) {
  const root = `${stateRoot}/${service}`;
  return {
    root,
    lock: `${root}/lock`,
    history: `${root}/history`,
    envFile: (version: string) => `${root}/env/${version}.env`,
  };
}

/** Labels that mark a container as one of the service's releases. */
export const labels = {
  service: 'circuitverse.deploy.service',
  version: 'circuitverse.deploy.version',
  image: 'circuitverse.deploy.image',
  /** `pre-deploy` on a one-off container, which is not a release. */
  role: 'circuitverse.deploy.role',
};

/** A history entry; `backFrom` marks the automatic rollback of a failed deploy, and names the release it left. */
export type HistoryEntry = Release & {at: string; backFrom?: string};

/** The history file's lines, oldest first: `time<TAB>version<TAB>image[<TAB>back from VERSION]`. */
export function parseHistory(text: string): HistoryEntry[] {
  return text
    .split('\n')
    .map(line => line.split('\t'))
    .filter((fields): fields is [string, string, string, ...string[]] => (fields.length === 3 || fields.length === 4) && fields.every(field => field !== ''))
    .map(([at, version, image, mark]) => {
      const backFrom = mark === undefined ? undefined : /^back from (\S+)$/.exec(mark)?.[1];
      return backFrom === undefined ? {at, version, image} : {at, version, image, backFrom};
    });
}

/** The history line a switch appends. */
export function historyLine(at: Date, release: Release, backFrom?: string): string {
  return [at.toISOString(), release.version, release.image, ...(backFrom === undefined ? [] : [`back from ${backFrom}`])].join('\t');
}

/**
 * The release before the current one: the newest history entry with another version, where a release that a
 * failed deploy's automatic rollback left never counts, so that every host names the same one after it. A rollback
 * asked for by hand is a release like any other: the next rollback goes back to where it came from.
 */
export function previousRelease(history: Array<Release & {backFrom?: string}>, current: string | undefined): Release | undefined {
  const served: Release[] = [];
  for (const entry of history) {
    if (entry.backFrom !== undefined && served.at(-1)?.version === entry.backFrom) served.pop();
    served.push(entry);
  }
  return [...served].reverse().find(release => release.version !== current);
}

/**
 * Where a rollback of a host goes: the newest release of `rollbackTo` in its history, or without it the release
 * before the one serving (or, with nothing serving, the last recorded).
 */
export function rollbackTarget(
  history: Array<Release & {backFrom?: string}>,
  serving: string | undefined,
  rollbackTo: string | undefined,
): Release | undefined {
  return rollbackTo ? [...history].reverse().find(entry => entry.version === rollbackTo) : previousRelease(history, serving ?? history.at(-1)?.version);
}

/**
 * What pulling an image takes on the Engine's disk, from its compressed layers' size: the download stays until its
 * layers are unpacked beside it, and an app image's gzip layers unpack to about twice their size.
 */
export function pullDiskNeed(compressedBytes: number): number {
  return compressedBytes * 3;
}

/**
 * Images a deploy of `target` may remove to make room before it pulls: those of releases it would prune once it is
 * kept (beyond `retain`), that no container on the host uses.
 */
export function prunableImages(history: Release[], target: Release, retain: number, inUse: ReadonlySet<string>): string[] {
  const kept = new Set(retainedReleases([...history, target], retain).map(release => release.image));
  return [...new Set(history.map(release => release.image))].filter(image => !kept.has(image) && !inUse.has(image));
}

/** The releases whose images and env files stay for rollback: the newest `retain` distinct versions. */
export function retainedReleases(history: Release[], retain: number): Release[] {
  const kept = new Map<string, Release>();
  for (const release of [...history].reverse()) {
    if (kept.size >= retain) break;
    if (!kept.has(release.version)) kept.set(release.version, release);
  }
  return [...kept.values()];
}

/**
 * The live container's host port, from the upstream file the action owns: its `# container:` line, which the cutover
 * writes while nginx's server line names the service's HAProxy listener, or for a host an earlier release deployed
 * the server line itself, which named the container. `undefined` when there is neither.
 */
export function parseUpstreamPort(text: string): number | undefined {
  const match = /^# container: 127\.0\.0\.1:(\d+)/m.exec(text) ?? /^\s*server\s+127\.0\.0\.1:(\d+)\s*;/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Hosts in batches of `size`, in the order given. */
export function planBatches<T>(hosts: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let index = 0; index < hosts.length; index += size) batches.push(hosts.slice(index, index + size));
  return batches;
}
