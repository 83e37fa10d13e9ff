import {ConfigError} from '@circuitverse/shared';
import {labels} from '../release.js';
import type {Role} from '../roles.js';

/** What one release of one role needs to become a Swarm service spec. */
export interface SwarmRelease {
  service: string;
  version: string;
  image: string;
  role: Role;
  env: ReadonlyMap<string, string>;
  /** The release's Swarm secrets by env key: each is mounted as `/run/secrets/<key>` and exported by the wrapper. */
  secrets: ReadonlyArray<{key: string; id: string; name: string}>;
  /** The image's own entrypoint and command, needed only to wrap them when there are secrets. */
  imageEntrypoint: string[];
  imageCommand: string[];
  appPort: number;
  healthPath: string;
  healthTimeoutMs: number;
  monitorMs: number;
  /** The host port this release publishes on every node; `undefined` for a role without traffic. */
  publishedPort: number | undefined;
}

/** Swarm secret and config names: at most 64 of these characters. */
const swarmNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const nanosPerMs = 1_000_000;

// Secrets reach the app as env variables, as in the SSH driver, without ever being in the spec's env: the task runs
// this wrapper, which exports each mounted file, then execs the image's own entrypoint and command.
export const secretsWrapper = 'for f in /run/secrets/*; do [ -f "$f" ] && export "${f##*/}=$(cat "$f")"; done; exec "$@"';

/** The Swarm service of a role: `<service>` for the only role, `<service>-<role>` for a named one. */
export function swarmServiceName(service: string, role: Role): string {
  return role.name === '' ? service : `${service}-${role.name}`;
}

/**
 * A release's secret, one per key and deploy (rotated with the release); named so that `docker secret ls` reads.
 * `suffix` is random, drawn once per deploy: Swarm secrets cannot change, so a redeploy of one version makes new ones,
 * and a digest of the value would tell who can list the secrets whether two values are equal, or guess a short one.
 * The release record maps each key to its secret's name.
 */
export function secretName(service: string, version: string, key: string, suffix: string): string {
  const name = `${service}.${version}.${key}.${suffix}`;
  if (!swarmNamePattern.test(name)) {
    throw new ConfigError(
      'secrets',
      `makes the Swarm secret name "${secretLabel(name)}.<${suffix.length} hex>", longer than Swarm's 64 characters`,
      'Shorten the service name, the version tag or the key.',
    );
  }
  return name;
}

/** A secret's name for the log: without its random suffix, which names it in the swarm. */
export function secretLabel(name: string): string {
  return name.replace(/\.[0-9a-f]+$/, '');
}

/** The lock: a Swarm config whose creation is atomic, deleted when the deploy ends or is cancelled. */
export function lockConfigName(service: string): string {
  return `${service}.deploy-lock`;
}

/** The record of a release, kept for `retain` releases so `rollback-to` can find its image, env and secrets. */
export function releaseConfigName(service: string, version: string): string {
  const name = `${service}.release.${version}`;
  if (!swarmNamePattern.test(name)) {
    throw new ConfigError(
      'service',
      `with the version makes the Swarm config name "${name}", longer than 64 characters`,
      'Shorten the service name or the tag.',
    );
  }
  return name;
}

/**
 * The host ports releases alternate between: a node cannot publish one port in host mode for two tasks, and
 * start-first runs the new task beside the old, so each release takes the port the one it replaces does not.
 */
export function planPublishedPort(ports: readonly [number, number], current: number | undefined): number {
  return current === ports[0] ? ports[1] : ports[0];
}

/** The health check Swarm runs in the task: GET of the health path with whichever HTTP client the image has. */
export function planHealthCheck(release: Pick<SwarmRelease, 'appPort' | 'healthPath' | 'healthTimeoutMs'>) {
  const url = `http://127.0.0.1:${release.appPort}${release.healthPath}`;
  return {
    Test: ['CMD-SHELL', `curl -fsS -o /dev/null '${url}' || wget -q -O /dev/null '${url}'`],
    Interval: 1000 * nanosPerMs,
    Timeout: 3000 * nanosPerMs,
    Retries: 3,
    // Failures while the app boots do not count, up to the health timeout.
    StartPeriod: release.healthTimeoutMs * nanosPerMs,
  };
}

/** The full service spec of a release: what `POST /services/create` or `/services/{id}/update` is sent. */
export function planServiceSpec(release: SwarmRelease) {
  const {role} = release;
  const releaseLabels: Record<string, string> = {
    [labels.service]: release.service,
    [labels.version]: release.version,
    [labels.image]: release.image,
    ...(role.name === '' ? {} : {[labels.role]: role.name}),
  };
  const args = role.command ?? release.imageCommand;
  const wrapped = release.secrets.length > 0;
  const order = role.order === 'stop-first' ? 'stop-first' : 'start-first';
  const monitor = release.monitorMs * nanosPerMs;
  return {
    Name: swarmServiceName(release.service, role),
    Labels: releaseLabels,
    TaskTemplate: {
      ContainerSpec: {
        Image: release.image,
        Labels: releaseLabels,
        ...(wrapped
          ? {Command: ['/bin/sh', '-c', secretsWrapper, 'sh'], Args: [...release.imageEntrypoint, ...args]}
          : role.command === undefined
            ? {}
            : {Args: role.command}),
        Env: [...release.env].map(([key, value]) => `${key}=${value}`),
        Secrets: release.secrets.map(secret => ({
          File: {Name: secret.key, UID: '0', GID: '0', Mode: 0o400},
          SecretID: secret.id,
          SecretName: secret.name,
        })),
        StopGracePeriod: role.stopTimeoutMs * nanosPerMs,
        ...(role.stopSignal === undefined ? {} : {StopSignal: role.stopSignal}),
        ...(role.traffic ? {Healthcheck: planHealthCheck(release)} : {}),
      },
      Resources: role.memoryBytes === undefined ? {} : {Limits: {MemoryBytes: role.memoryBytes}},
      RestartPolicy: {Condition: 'any', Delay: 1000 * nanosPerMs},
    },
    // One task on every node, as the SSH driver runs one container per host.
    Mode: {Global: {}},
    UpdateConfig: {Parallelism: 1, Delay: 0, FailureAction: 'rollback', Monitor: monitor, MaxFailureRatio: 0, Order: order},
    RollbackConfig: {Parallelism: 1, Delay: 0, FailureAction: 'pause', Monitor: monitor, MaxFailureRatio: 0, Order: order},
    EndpointSpec: {
      Mode: 'vip',
      Ports:
        release.publishedPort === undefined ? [] : [{Protocol: 'tcp', TargetPort: release.appPort, PublishedPort: release.publishedPort, PublishMode: 'host'}],
    },
  };
}

export type ServiceSpec = ReturnType<typeof planServiceSpec>;
