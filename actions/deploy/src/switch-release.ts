import {
  type Clock,
  errorMessage,
  formatBytes,
  formatDuration,
  type Logger,
  RemoteError,
  type Span,
  type SpanAttributes,
  type Tracer,
} from '@circuitverse/shared';
import {type ContainerSpec, type ContainerState, CutoverError, type CutoverResult, type ServiceContainer, type ServiceHost} from './deploy-host.js';
import {type HealthAttempt, isHealthy} from './health-check.js';
import {historyLine, type Release} from './release.js';
import type {Role} from './roles.js';

/** The service's settings, the same for every role. */
export interface SwitchSettings {
  appPort: number;
  healthPath: string;
  healthTimeoutMs: number;
  upstreamFile: string;
  drainTimeoutMs: number;
}

/** The runner cancelled the job: the deploy stops at the next point where nothing is half done. */
export class Cancelled extends Error {
  override readonly name = 'Cancelled';

  constructor() {
    super('The deploy was cancelled.');
  }
}

/** Phase durations of one host, in milliseconds, in the order they ran. */
export type PhaseTimes = Record<string, number>;

const healthIntervalMs = 1000;
const firstHealthRetryMs = 100;
// A Rails app boots in seconds: a probe at most every quarter second finds it up within that, where once a second
// cost half a second on average. A probe is one GET through the SSH connection that is open anyway.
const healthRetryCapMs = 250;
const probeTimeoutMs = 5000;
// A worker (proxy: none) must stay up this long before the old one is stopped.
const settleMs = 5000;
const logLines = 20;

export async function timed<T>(phases: PhaseTimes, phase: string, clock: Clock, work: () => Promise<T>): Promise<T> {
  const started = clock.now();
  try {
    return await work();
  } finally {
    phases[phase] = (phases[phase] ?? 0) + clock.now() - started;
  }
}

/**
 * Moves one role on one host from `old` (if any) to `release`. Start-first, with no gap: start the new container
 * beside the old, wait for its health check, then the cutover: switch the traffic to it, let the old one's requests
 * drain, stop it and record the release. Stop-first (a worker on a tight host): the old one is quieted and stopped
 * before the new one starts. `envContent`, when given, is written to the release's env file just before the container
 * starts.
 */
export async function switchRelease(
  host: ServiceHost,
  release: Release,
  old: ServiceContainer | undefined,
  settings: SwitchSettings,
  role: {role: Role; spec: ContainerSpec},
  collaborators: {
    logger: Logger;
    clock: Clock;
    tracer: Tracer;
    signal: AbortSignal;
    phases: PhaseTimes;
    envContent: string | undefined;
    /** Told of the new container as soon as it runs: a cutover that fails after switching leaves it serving. */
    onStart: (container: ServiceContainer) => void;
    /** Told when a stop-first role's old container has stopped: from then on the role has nothing running. */
    onStopped: (container: ServiceContainer) => void;
    /** The upstream file the last deploy wrote, when `settings.upstreamFile` names another: the switch moves it. */
    upstreamMovedFrom: string | undefined;
    /** For a failed deploy's automatic rollback: the release it leaves, recorded so that it never counts as one. */
    backFrom?: string | undefined;
  },
): Promise<ServiceContainer> {
  const {logger, clock, phases, tracer} = collaborators;
  const nginx = role.role.traffic;
  const phase = (name: string) => (role.role.name === '' ? name : `${role.role.name}:${name}`);
  const attributes: SpanAttributes = {'server.address': host.label, 'circuitverse.deploy.role': role.role.name || undefined};
  // Each phase is timed in the host's report and is a span of the trace, named without the role (an attribute there).
  const step = <T>(name: string, work: (span: Span) => Promise<T>) =>
    tracer.span(name, attributes, span => timed(phases, phase(name), clock, () => work(span)));
  if (collaborators.signal.aborted) throw new Cancelled();
  const stopFirst = role.role.order === 'stop-first' && old !== undefined;
  if (stopFirst) {
    await step('stop', () => host.stop(old.name, role.role.quietSignal, role.role.stopTimeoutMs));
    collaborators.onStopped(old);
    logger.info(`${host.label}: stopped ${old.name} before its successor starts (stop-first)`);
  }
  // The start script removes a container whose run failed: one that started is in `started` from here on.
  const started = await step('start', async span => {
    const container = await host.start(release, role.spec, nginx ? settings.appPort : undefined, collaborators.envContent);
    span.setAttributes({'container.name': container.name});
    return container;
  });
  logger.info(`${host.label}: started ${started.name}${started.port === undefined ? '' : ` on 127.0.0.1:${started.port}`}`);
  collaborators.onStart(started);
  let result: CutoverResult;
  try {
    await step('health', span =>
      nginx ? waitHealthy(host, started, settings, {...collaborators, span}) : waitSettled(host, started, settings, collaborators),
    );
    if (collaborators.signal.aborted) throw new Cancelled();
    const cutoverStarted = clock.now();
    // One round trip does the switch, the drain and the stop: its marks time their spans, a failure is the switch's.
    result = await host
      .cutover({
        upstream: nginx
          ? {file: settings.upstreamFile, port: started.port as number, version: release.version, movedFrom: collaborators.upstreamMovedFrom}
          : undefined,
        drainTimeoutMs: settings.drainTimeoutMs,
        old: stopFirst ? undefined : old?.name,
        quietSignal: role.role.quietSignal,
        stopTimeoutMs: role.role.stopTimeoutMs,
        historyLine: historyLine(new Date(clock.now()), release, collaborators.backFrom),
      })
      .catch((error: unknown) => {
        tracer.recordSpan('switch', {startMs: cutoverStarted, endMs: clock.now()}, attributes, error);
        throw error;
      });
  } catch (error) {
    // A new container that never took traffic goes, so a re-run starts clean; one that did stays.
    if (!(error instanceof CutoverError && error.switched)) await removeUnswitched(host, started, collaborators);
    throw error;
  }
  for (const warning of result.warnings) logger.warning(`${host.label}: ${warning}`);
  const {begin = 0, switched, stopped = 0} = result.marks;
  const drainedAt = result.marks.drained ?? result.marks.timeout;
  if (switched !== undefined && drainedAt !== undefined) {
    phases[phase('switch')] = switched - begin;
    phases[phase('drain')] = drainedAt - switched;
    phases[phase('stop')] = stopped - drainedAt;
    tracer.recordSpan('switch', {startMs: begin, endMs: switched}, attributes);
    tracer.recordSpan('drain', {startMs: switched, endMs: drainedAt}, {...attributes, 'circuitverse.deploy.drained': result.drained});
    if (old) tracer.recordSpan('stop', {startMs: drainedAt, endMs: stopped}, {...attributes, 'container.name': old.name});
    logger.info(`${host.label}: ${host.service}'s traffic now goes to ${release.version}`);
    if (result.drained) logger.info(`${host.label}: ${release.version} is live and the old container's requests have drained`);
    else logger.warning(`${host.label}: the old container still had requests after ${formatDuration(settings.drainTimeoutMs)}; went on.`);
  } else if (!stopFirst) {
    phases[phase('stop')] = stopped - begin;
    if (old) tracer.recordSpan('stop', {startMs: begin, endMs: stopped}, {...attributes, 'container.name': old.name});
  }
  if (old && !stopFirst) logger.info(`${host.label}: stopped ${old.name}`);
  return started;
}

// Seconds between tries to remove a container that never took traffic: a Docker Engine that is restarting answers
// again within them, and the container must not come back beside the serving one with its restart policy.
const removalRetriesMs = [1000, 2000, 4000, 8000];

async function removeUnswitched(host: ServiceHost, container: ServiceContainer, collaborators: {logger: Logger; clock: Clock}): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await host.remove(container.name);
      return;
    } catch (error) {
      const delay = removalRetriesMs[attempt];
      if (delay === undefined) {
        collaborators.logger.warning(
          `${host.label}: could not remove ${container.name}, which never took traffic (${errorMessage(error)}); the next deploy removes it.`,
        );
        return;
      }
      await collaborators.clock.sleep(delay);
    }
  }
}

// The health phase's failure: the error names the host and what went wrong; the log above it shows why.
async function failWithLogs(host: ServiceHost, container: ServiceContainer, what: string, logger: Logger, lastResponses: string[]) {
  const logs = await host.containerLogs(container.name, logLines).catch(() => '(no logs)');
  logger.error(`${host.label}: last lines of ${container.name}:\n${logs || '(empty)'}`);
  if (lastResponses.length) logger.error(`${host.label}: last health responses:\n${lastResponses.join('\n')}`);
  const lastLog = logs
    .split('\n')
    .filter(line => line.trim() !== '')
    .at(-1);
  throw new RemoteError(host.label, `${container.version} ${what}`, {
    ...(lastLog ? {remoteOutput: `container log: ${lastLog}`} : {}),
    next: 'Its last log lines and health responses are in the log above.',
  });
}

type WaitCollaborators = {logger: Logger; clock: Clock; signal: AbortSignal};

async function waitHealthy(
  host: ServiceHost,
  container: ServiceContainer,
  settings: SwitchSettings,
  {logger, clock, signal, span}: WaitCollaborators & {span: Span},
) {
  const deadline = clock.now() + settings.healthTimeoutMs;
  const responses: string[] = [];
  let inspectedAt = Number.NEGATIVE_INFINITY;
  let logged = {answer: '', at: Number.NEGATIVE_INFINITY};
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new Cancelled();
    const result: HealthAttempt = await host.checkHealth(container.port as number, settings.healthPath, probeTimeoutMs);
    const answer = `${result.status ?? 'no response'} ${result.detail}`;
    span.addEvent('health check', {attempt, 'http.response.status_code': result.status, 'circuitverse.deploy.answer': result.detail});
    const line = `attempt ${attempt}: ${answer}`;
    responses.push(line);
    if (responses.length > 5) responses.shift();
    // Each new answer, and the same one once a second: four lines a second of "connection refused" tell nothing more.
    if (isHealthy(result) || answer !== logged.answer || clock.now() - logged.at >= healthIntervalMs) {
      logged = {answer, at: clock.now()};
      // The reason phrase and body are the app's: the runner reads ##[…] anywhere in a line as a command.
      logger.untrusted(`${host.label}: GET ${settings.healthPath} ${line}`);
    }
    if (isHealthy(result)) return;
    const delay = healthRetryDelay(attempt);
    const timedOut = clock.now() + delay > deadline;
    // Each look is a docker CLI run on the host: once a second finds a container that exited, however fast the retries.
    if (timedOut || clock.now() - inspectedAt >= healthIntervalMs) {
      inspectedAt = clock.now();
      const state = await host.containerState(container.name);
      if (state.status !== 'running' || state.restartCount > 0) {
        await failWithLogs(host, container, `${describeExit(state)} before its health check passed`, logger, responses);
      }
    }
    if (timedOut) {
      const last = result.status === undefined ? result.detail : `${result.status} ${result.detail}`;
      await failWithLogs(
        host,
        container,
        `failed its health check at ${settings.healthPath} for ${formatDuration(settings.healthTimeoutMs)} (last: ${last})`,
        logger,
        responses,
      );
    }
    await clock.sleep(delay);
  }
}

/**
 * How long to wait after failed health check `attempt` (from 1): 0.1 s, then 0.2 s, then every quarter second. A
 * container that listens a moment after it starts is found then; one that boots for seconds, within a quarter second
 * of its first 200.
 */
export function healthRetryDelay(attempt: number): number {
  return Math.min(healthRetryCapMs, firstHealthRetryMs * 2 ** (attempt - 1));
}

// A worker has no traffic to check: it must keep running, or become Docker-healthy when the image has a HEALTHCHECK.
async function waitSettled(host: ServiceHost, container: ServiceContainer, settings: SwitchSettings, {logger, clock, signal}: WaitCollaborators) {
  const started = clock.now();
  for (;;) {
    if (signal.aborted) throw new Cancelled();
    const state = await host.containerState(container.name);
    if (state.status !== 'running' || state.restartCount > 0) {
      await failWithLogs(host, container, describeExit(state), logger, []);
    }
    const elapsed = clock.now() - started;
    if (state.health === undefined ? elapsed >= settleMs : state.health === 'healthy') return;
    if (elapsed > settings.healthTimeoutMs) {
      await failWithLogs(host, container, `is not healthy after ${formatDuration(settings.healthTimeoutMs)} (Docker says ${state.health})`, logger, []);
    }
    await clock.sleep(healthIntervalMs);
  }
}

/**
 * Why a new container is not running, in words: out of memory said as such, with its limit. `during` says when: at
 * boot, before its health check passed, or running, in the watch after the switch.
 */
export function describeExit(state: ContainerState, during: 'boot' | 'running' = 'boot'): string {
  const restarts = `Docker restarted it ${state.restartCount} time${state.restartCount === 1 ? '' : 's'}`;
  if (state.oomKilled) {
    const limit = state.memoryLimit > 0 ? `its memory limit of ${formatBytes(state.memoryLimit, 'binary')}` : 'the memory the host had, with no limit set';
    return `was killed for running out of memory: it reached ${limit} (OOMKilled, exit code ${state.exitCode}${state.restartCount > 0 ? `; ${restarts}` : ''}); raise its memory or find what it allocates ${during === 'boot' ? 'at boot' : 'as it runs'}`;
  }
  // Restarted, its exit code is the new run's: the one that ended the last run is in its log.
  if (state.restartCount > 0) return `exited, and ${restarts} (now ${state.status})`;
  return `exited (status ${state.status}, exit code ${state.exitCode})`;
}
