import {type Clock, formatDuration, type Logger, RemoteError} from '@circuitverse/shared';
import type {ContainerState, ServiceContainer, ServiceHost} from './deploy-host.js';
import {type HealthAttempt, isHealthy} from './health-check.js';
import type {Role} from './roles.js';
import {describeExit} from './switch-release.js';

/** What the watch after the switch probes, and for how long. */
export interface WatchSettings {
  durationMs: number;
  /** Probed on the traffic role's live container every round: the health path, then `watch-path` when given. */
  paths: string[];
}

/** One host in the watch: its operations, and this deploy's container doing each role's work there. */
export interface WatchedHost {
  host: Pick<ServiceHost, 'label' | 'checkHealth' | 'containerState' | 'containerLogs'>;
  containers: Array<{role: Role; container: ServiceContainer}>;
}

/** What one round saw on one host: each path's answer, and each new container's state or why it could not be read. */
export interface WatchRound {
  at: number;
  probes: Array<{path: string; attempt: HealthAttempt}>;
  states: Array<{container: ServiceContainer; state: ContainerState | undefined; error?: string}>;
}

/** A host that broke the rule, or was still failing when another did: what it saw, and its container's last log lines. */
export interface WatchFailure {
  host: string;
  /** Whether this host broke the rule itself; `false` for one whose last rounds failed when another host's did. */
  tripped: boolean;
  /** Since the watch began. */
  afterMs: number;
  what: string;
  container: ServiceContainer;
  logs: string;
}

export type WatchOutcome = {kind: 'held'} | {kind: 'cancelled'; afterMs: number} | {kind: 'failed'; failures: WatchFailure[]};

// A probe a second, as kamal-proxy and Swarm's health checks do at their fastest: a failure shows within seconds, and
// each probe is one GET through the SSH connection that is open anyway.
export const watchRoundMs = 1000;
// One lost answer (a GC pause, a slow query, a request cut by a reload) is not a broken release; three in a row, about
// three seconds of failing, is. A restart, an OOM kill or an exit is never noise: it counts at once.
export const failedRoundsInARow = 3;
// A watch of minutes would log a line a second per host; once every 10 s says the same.
const logEveryMs = 10_000;
// As long as the switch's health check waits for one answer.
const probeTimeoutMs = 5000;
const logLines = 20;

/** Whether a round saw anything fail: a non-2xx or no answer on a path, or a container whose state could not be read. */
function roundFailed(round: WatchRound): boolean {
  return round.probes.some(probe => !isHealthy(probe.attempt)) || round.states.some(state => state.error !== undefined);
}

/** A host's last rounds, in a few words each: `GET /up answered 500, 500, no answer`. */
function describeRounds(rounds: readonly WatchRound[]): string {
  const paths = [...new Set(rounds.flatMap(round => round.probes.map(probe => probe.path)))];
  const answers = paths
    .map(path => {
      const seen = rounds.map(round => round.probes.find(probe => probe.path === path)?.attempt);
      if (seen.every(attempt => attempt === undefined || isHealthy(attempt))) return undefined;
      return `GET ${path} answered ${seen.map(attempt => (attempt === undefined ? '-' : (attempt.status ?? 'no answer'))).join(', ')}`;
    })
    .filter(text => text !== undefined);
  const inspections = rounds.flatMap(round => round.states.flatMap(state => (state.error === undefined ? [] : [`${state.container.name}: ${state.error}`])));
  if (inspections.length) answers.push(`could not inspect ${inspections.at(-1)}`);
  return answers.join('; ');
}

/**
 * Why the release must go, from a host's rounds so far (newest last): a new container that restarted, was killed for
 * memory or exited, in its last round; or `failedRoundsInARow` failed rounds in a row. `undefined` while it holds.
 */
export function judgeRounds(rounds: readonly WatchRound[]): {container: ServiceContainer | undefined; what: string} | undefined {
  const last = rounds.at(-1);
  if (!last) return undefined;
  for (const {container, state} of last.states) {
    if (state && (state.status !== 'running' || state.restartCount > 0 || state.oomKilled)) {
      return {container, what: `${container.name} ${describeExit(state, 'running')}`};
    }
  }
  const recent = rounds.slice(-failedRoundsInARow);
  if (recent.length < failedRoundsInARow || !recent.every(roundFailed)) return undefined;
  return {container: undefined, what: `${describeRounds(recent)} (${failedRoundsInARow} failed rounds in a row)`};
}

/**
 * Probes every host once a second for `settings.durationMs` and watches its new containers, each host on its own.
 * The first host to break the rule ends the watch on all of them; a cancel ends it too, leaving the release serving.
 */
export async function watchRelease(
  hosts: WatchedHost[],
  settings: WatchSettings,
  version: string,
  collaborators: {logger: Logger; clock: Clock; signal: AbortSignal},
): Promise<WatchOutcome> {
  const {logger, clock, signal} = collaborators;
  const started = clock.now();
  const containers = hosts.reduce((count, host) => count + host.containers.length, 0);
  const probed = hosts.some(host => host.containers.some(({role}) => role.traffic));
  logger.info(
    `Watching ${version} on ${hosts.length} host(s) for ${formatDuration(settings.durationMs)}: ${
      probed ? `GET ${settings.paths.join(' and ')} on each live container once a second, and ` : ''
    }${containers} new container(s) for restarts, OOM kills and exits. ${failedRoundsInARow} failed rounds in a row on a host, or any restart, OOM kill or exit, ends it.`,
  );
  const ended = {failed: false};
  const results = await Promise.all(hosts.map(host => watchHost(host, settings, {...collaborators, started, ended})));
  const failures = results.filter(failure => failure !== undefined).sort((a, b) => Number(b.tripped) - Number(a.tripped) || a.afterMs - b.afterMs);
  if (failures.length) return {kind: 'failed', failures};
  if (signal.aborted) return {kind: 'cancelled', afterMs: clock.now() - started};
  logger.info(`${version} held on every host for ${formatDuration(clock.now() - started)}.`);
  return {kind: 'held'};
}

async function watchHost(
  watched: WatchedHost,
  settings: WatchSettings,
  collaborators: {logger: Logger; clock: Clock; signal: AbortSignal; started: number; ended: {failed: boolean}},
): Promise<WatchFailure | undefined> {
  const {logger, clock, signal, started, ended} = collaborators;
  const {host} = watched;
  const traffic = watched.containers.find(({role}) => role.traffic)?.container;
  const rounds: WatchRound[] = [];
  const tally = {rounds: 0, failed: 0, loggedAt: started};
  for (let round = 1; ; round++) {
    const seen = await observe(watched, traffic, settings.paths, clock);
    rounds.push(seen);
    if (rounds.length > failedRoundsInARow) rounds.shift();
    tally.rounds++;
    if (roundFailed(seen)) tally.failed++;
    const verdict = judgeRounds(rounds);
    // Another host broke the rule: this one says what it saw, if its last round failed too.
    const alsoFailing = !verdict && ended.failed && roundFailed(seen) ? {container: undefined, what: describeRounds(rounds)} : undefined;
    if (verdict || alsoFailing) {
      ended.failed = true;
      const found = (verdict ?? alsoFailing) as {container: ServiceContainer | undefined; what: string};
      const container = found.container ?? traffic ?? (watched.containers[0]?.container as ServiceContainer);
      return {
        host: host.label,
        tripped: verdict !== undefined,
        afterMs: seen.at - started,
        what: found.what,
        container,
        logs: await lastLogs(watched, container, rounds, logger),
      };
    }
    const now = clock.now();
    const done = now - started >= settings.durationMs;
    if (now - tally.loggedAt >= logEveryMs || done) {
      tally.loggedAt = now;
      const probes = traffic ? `${tally.rounds} round(s) of GET ${settings.paths.join(' and ')}, ${tally.failed ? `${tally.failed} failed` : 'all 2xx'}; ` : '';
      logger.info(`${host.label}: ${formatDuration(now - started)} watched: ${probes}${watched.containers.length} container(s) running, no restarts`);
    }
    if (done || signal.aborted || ended.failed) return undefined;
    await clock.sleep(Math.max(0, started + round * watchRoundMs - now));
  }
}

async function observe(watched: WatchedHost, traffic: ServiceContainer | undefined, paths: string[], clock: Clock): Promise<WatchRound> {
  const at = clock.now();
  const probes: WatchRound['probes'] = [];
  if (traffic?.port !== undefined) {
    for (const path of paths) probes.push({path, attempt: await watched.host.checkHealth(traffic.port, path, probeTimeoutMs)});
  }
  const states = await Promise.all(
    watched.containers.map(({container}) =>
      watched.host.containerState(container.name).then(
        state => ({container, state}),
        (error: unknown) => ({container, state: undefined, error: (error as Error).message}),
      ),
    ),
  );
  return {at, probes, states};
}

// The error names the host and what it saw; the log above it shows the container's last lines and the answers.
async function lastLogs(watched: WatchedHost, container: ServiceContainer, rounds: readonly WatchRound[], logger: Logger): Promise<string> {
  const {host} = watched;
  const logs = await host.containerLogs(container.name, logLines).catch(() => '(no logs)');
  logger.error(`${host.label}: last lines of ${container.name}:`);
  // The app's own output and answers: a line of them must not act as a workflow command.
  for (const line of (logs || '(empty)').split('\n')) logger.untrusted(line);
  const since = rounds[0]?.at ?? 0;
  const answers = rounds.flatMap(round =>
    round.probes.map(probe => `+${formatDuration(round.at - since)} GET ${probe.path}: ${probe.attempt.status ?? 'no response'} ${probe.attempt.detail}`),
  );
  if (answers.length) {
    logger.error(`${host.label}: last answers:`);
    for (const answer of answers) logger.untrusted(answer);
  }
  return logs;
}

/** The watch's failure as one error: the host that broke the rule first, what each failing host saw, and what now. */
export function watchError(failures: WatchFailure[], version: string, next: string): RemoteError {
  const [first, ...others] = failures as [WatchFailure, ...WatchFailure[]];
  const also = others.map(other => `${other.host} ${other.tripped ? 'too' : 'was failing as well'}: ${other.what}. `).join('');
  const lastLog = first.logs
    .split('\n')
    .filter(line => line.trim() !== '')
    .at(-1);
  return new RemoteError(first.host, `${version} failed the watch after ${formatDuration(first.afterMs)}: ${first.what}`, {
    ...(lastLog ? {remoteOutput: `container log: ${lastLog}`} : {}),
    next: `${also}${next}`,
  });
}
