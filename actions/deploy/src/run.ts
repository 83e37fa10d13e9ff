import {randomBytes} from 'node:crypto';
import {ConfigError, errorMessage, type Logger, RemoteError, type SshTarget} from '@circuitverse/shared';
import type {SshConnection} from '@circuitverse/shared/ssh';
import {DeployHost, type HostState, type LockHolder, type ServiceContainer} from './deploy-host.js';
import type {Clock} from './health-check.js';
import type {DeployInputs} from './inputs.js';
import {planBatches, previousRelease, type Release, retainedReleases, versionOf} from './release.js';
import {renderSummary} from './summary.js';
import {type PhaseTimes, type SwitchSettings, switchRelease} from './switch-release.js';

export interface DeployOutputs {
  version: string;
  previousVersion: string | undefined;
  hosts: HostReport[];
  rolledBack: boolean;
  durationMs: number;
}

export interface HostReport {
  host: string;
  status: 'deployed' | 'failed' | 'rolled-back' | 'not-started';
  before: string | undefined;
  after: string | undefined;
  phases: PhaseTimes;
}

export interface DeployCollaborators {
  logger: Logger;
  clock: Clock;
  connect: (target: SshTarget) => Promise<SshConnection>;
  /** Who deploys, recorded in the lock. */
  origin: {actor: string; runUrl: string};
  /** Aborted when the runner cancels the job. */
  signal: AbortSignal;
  /** Called with the lock token before any lock is taken, so the post step can release it. */
  rememberLock: (token: string) => void;
  /** Called once a deploy has released every lock it took: the post step then has nothing to check. */
  forgetLock: () => void;
}

interface HostRun {
  host: DeployHost;
  state: HostState;
  /** What served before this deploy: where a rollback of this host goes back to. */
  original: ServiceContainer | undefined;
  serving: ServiceContainer | undefined;
  report: HostReport;
}

/** A deploy that failed, with the outputs as far as it got (which hosts run what, whether it rolled back). */
export class DeployError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly outputs: DeployOutputs,
  ) {
    super(errorMessage(cause), {cause});
  }
}

const lockPollMs = 2000;

/** Deploys the image to every host with zero downtime, or rolls back to an earlier release. */
export async function deploy(inputs: DeployInputs, collaborators: DeployCollaborators): Promise<DeployOutputs> {
  const {logger, clock} = collaborators;
  const started = clock.now();
  const runs = await logger.group('Connect', () => connectAll(inputs, collaborators));
  const token = randomBytes(16).toString('hex');
  let locked: HostRun[] = [];
  try {
    const target = resolveTarget(inputs, runs);
    logger.info(`${inputs.service}: ${runs[0]?.serving?.version ?? 'nothing'} → ${target.version} on ${runs.length} host(s)`);
    if (rollingBack(inputs)) {
      await logger.group('Check retained images', () => checkRetained(runs, target));
    } else {
      await logger.group('Pull', () => timeEach(runs, 'pull', clock, run => run.host.pull(target.image, registryAuth(inputs))));
    }
    collaborators.rememberLock(token);
    // The lock also reads what the hosts run now: it may have changed while this deploy waited.
    locked = await logger.group('Lock', () => lockAll(runs, token, inputs, target, collaborators));
    if (rollingBack(inputs) && resolveTarget(inputs, runs).version !== target.version) {
      throw new RemoteError(inputs.service, 'was deployed by someone else while this rollback waited for the lock', {next: 'Run the rollback again.'});
    }
    const preDeployCommand = rollingBack(inputs) ? undefined : inputs.preDeploy;
    if (preDeployCommand !== undefined) {
      await logger.group('Env file', () => timeEach(runs, 'env', clock, run => run.host.writeEnvFile(target.version, envFileContent(inputs))));
      await logger.group('Pre-deploy', () => preDeploy(runs[0] as HostRun, target, preDeployCommand, collaborators));
    }
    // Otherwise the env file is written with the container's start; a rollback keeps the one its release ran with.
    const envContent = rollingBack(inputs) || preDeployCommand !== undefined ? undefined : envFileContent(inputs);
    if (runs.some(run => run.state.containers.some(container => container.name !== run.serving?.name))) {
      await logger.group('Clean up leftovers', () => Promise.all(runs.map(run => removeLeftovers(run, logger))));
    }
    await rollOut(runs, target, inputs, {...collaborators, envContent});
    await logger.group('Retain releases and unlock', () => Promise.all(runs.map(run => finish(run, token, target, inputs))));
    locked = [];
    collaborators.forgetLock();
    const outputs = {
      version: target.version,
      previousVersion: runs[0]?.original?.version,
      hosts: runs.map(run => run.report),
      rolledBack: false,
      durationMs: clock.now() - started,
    };
    await logger.summary(renderSummary(inputs.service, outputs));
    return outputs;
  } catch (error) {
    const outputs = {
      version: runs[0]?.report.after ?? '',
      previousVersion: runs[0]?.original?.version,
      hosts: runs.map(run => run.report),
      rolledBack: runs.some(run => run.report.status === 'rolled-back'),
      durationMs: clock.now() - started,
    };
    await logger.summary(renderSummary(inputs.service, outputs, errorMessage(error)));
    throw new DeployError(error, outputs);
  } finally {
    if (locked.length) await logger.group('Unlock', () => unlockAll(locked, token, logger));
    for (const run of runs) run.host.connection.close();
  }
}

function registryAuth(inputs: DeployInputs) {
  return inputs.registryUsername && inputs.registryPassword ? {username: inputs.registryUsername, password: inputs.registryPassword} : undefined;
}

async function timeEach(runs: HostRun[], phase: string, clock: Clock, work: (run: HostRun) => Promise<unknown>): Promise<void> {
  await Promise.all(
    runs.map(async run => {
      const started = clock.now();
      await work(run);
      run.report.phases[phase] = clock.now() - started;
    }),
  );
}

// Every host is verified before anything runs anywhere: one bad host key stops the deploy with nothing changed.
async function connectAll(inputs: DeployInputs, collaborators: DeployCollaborators): Promise<HostRun[]> {
  const {clock, logger} = collaborators;
  const attempts = await Promise.allSettled(
    inputs.hosts.map(async target => {
      const started = clock.now();
      const connection = await collaborators.connect(target);
      const host = new DeployHost(connection, inputs.service);
      try {
        const run: HostRun = {
          host,
          state: {containers: [], upstreamPort: undefined, history: []},
          original: undefined,
          serving: undefined,
          report: {host: target.label, status: 'not-started', before: undefined, after: undefined, phases: {}},
        };
        // A rollback needs the history to pick its target before anything else; a deploy reads the state under the lock.
        if (rollingBack(inputs)) applyState(run, await host.readState(inputs.nginxUpstreamFile), inputs);
        run.report.phases.connect = clock.now() - started;
        logger.info(`${target.label}: host key verified${rollingBack(inputs) ? `; serving ${run.serving?.version ?? 'nothing yet'}` : ''}`);
        return run;
      } catch (error) {
        connection.close();
        throw error;
      }
    }),
  );
  const runs = attempts.flatMap(attempt => (attempt.status === 'fulfilled' ? [attempt.value] : []));
  const failure = attempts.find(attempt => attempt.status === 'rejected');
  if (failure) {
    for (const run of runs) run.host.connection.close();
    throw failure.reason;
  }
  return runs;
}

function rollingBack(inputs: DeployInputs): boolean {
  return inputs.rollback || inputs.rollbackTo !== undefined;
}

function applyState(run: HostRun, state: HostState, inputs: DeployInputs): void {
  run.state = state;
  run.serving = findServing(state, inputs.proxy);
  run.original = run.serving;
  run.report.before = run.serving?.version;
  run.report.after = run.serving?.version;
}

/** The container taking the service's traffic: the one nginx points at, or for workers the newest release running. */
function findServing(state: HostState, proxy: 'nginx' | 'none'): ServiceContainer | undefined {
  const running = state.containers.filter(container => container.running);
  if (proxy === 'nginx') return running.find(container => container.port !== undefined && container.port === state.upstreamPort);
  const lastVersion = state.history.at(-1)?.version;
  return running.find(container => container.version === lastVersion) ?? running[0];
}

function resolveTarget(inputs: DeployInputs, runs: HostRun[]): Release {
  if (!inputs.rollback && inputs.rollbackTo === undefined) {
    const image = inputs.image as string;
    return {version: versionOf(image), image};
  }
  const targets = runs.map(run => {
    const release = inputs.rollbackTo
      ? [...run.state.history].reverse().find(entry => entry.version === inputs.rollbackTo)
      : previousRelease(run.state.history, run.serving?.version ?? run.state.history.at(-1)?.version);
    if (!release) {
      const input = inputs.rollbackTo ? 'rollback-to' : 'rollback';
      const what = inputs.rollbackTo
        ? `names ${inputs.rollbackTo}, which ${run.host.label} never ran`
        : `has nothing to go back to: ${run.host.label} has no earlier release of ${inputs.service}`;
      const known = run.state.history.map(entry => entry.version);
      throw new ConfigError(input, what, known.length ? `Releases there: ${[...new Set(known)].join(', ')}.` : 'Deploy a version first.');
    }
    return release;
  });
  const first = targets[0] as Release;
  const disagreeing = targets.findIndex(release => release.version !== first.version);
  if (disagreeing !== -1) {
    throw new ConfigError(
      'rollback',
      `is ambiguous: ${runs[0]?.host.label} would go back to ${first.version}, ${runs[disagreeing]?.host.label} to ${targets[disagreeing]?.version}`,
      'Name the version with rollback-to.',
    );
  }
  return first;
}

async function checkRetained(runs: HostRun[], target: Release): Promise<void> {
  const missing = (await Promise.all(runs.map(async run => ((await run.host.hasImage(target.image)) ? [] : [run.host.label])))).flat();
  if (missing.length) {
    throw new ConfigError('rollback', `needs ${target.image}, which is no longer on ${missing.join(', ')}`, 'Deploy that image again with image: instead.');
  }
}

async function lockAll(runs: HostRun[], token: string, inputs: DeployInputs, target: Release, collaborators: DeployCollaborators): Promise<HostRun[]> {
  const {clock, logger, signal} = collaborators;
  const holder: LockHolder = {...collaborators.origin, version: target.version, since: new Date(clock.now()).toISOString()};
  const started = clock.now();
  const deadline = started + inputs.lockWaitMs;
  for (;;) {
    const acquired: HostRun[] = [];
    let held: {run: HostRun; by: Partial<LockHolder>} | undefined;
    const take = async (run: HostRun) => {
      const result = await run.host.lock(token, holder, inputs.nginxUpstreamFile);
      if ('state' in result) {
        applyState(run, result.state, inputs);
        acquired.push(run);
      } else {
        held ??= {run, by: result.heldBy};
      }
    };
    // The first host is the gate: whoever holds it goes first, so two deploys never each hold part of the hosts for
    // long. The others are then taken at once.
    const [gate, ...rest] = runs;
    if (gate) await take(gate);
    if (!held) await Promise.all(rest.map(take));
    if (!held) {
      for (const run of runs) run.report.phases.lock = clock.now() - started;
      logger.info(`Locked ${inputs.service} on ${runs.length} host(s).`);
      return acquired;
    }
    await unlockAll(acquired, token, logger);
    const by = held.by;
    const who = `${by.actor ?? 'someone'} since ${by.since ?? 'an unknown time'} (version ${by.version ?? '?'}, ${by.runUrl ?? 'no run URL'})`;
    if (clock.now() + lockPollMs > deadline || signal.aborted) {
      throw new RemoteError(held.run.host.label, `${inputs.service} is locked by ${who}`, {
        next: `Wait for that deploy, raise lock-wait, or, if that run is gone, break the lock with: ssh ${held.run.host.label} rm -rf /var/lib/circuitverse-deploy/${inputs.service}/lock`,
      });
    }
    logger.info(`${held.run.host.label}: ${inputs.service} is locked by ${who}; waiting.`);
    await clock.sleep(lockPollMs);
  }
}

async function unlockAll(runs: HostRun[], token: string, logger: Logger): Promise<void> {
  await Promise.all(
    runs.map(run =>
      run.host
        .unlock(token)
        .catch(error => logger.warning(`${run.host.label}: could not release the lock (${errorMessage(error)}); the post step will try again.`)),
    ),
  );
}

function envFileContent(inputs: DeployInputs): string {
  return [...inputs.env, ...inputs.secrets].map(([key, value]) => `${key}=${value}\n`).join('');
}

async function preDeploy(run: HostRun, target: Release, command: string, collaborators: DeployCollaborators): Promise<void> {
  const started = collaborators.clock.now();
  const {code, output} = await run.host.runOnce(target, command);
  run.report.phases['pre-deploy'] = collaborators.clock.now() - started;
  if (output.trim()) collaborators.logger.info(output.trimEnd());
  if (code !== 0) throw new RemoteError(run.host.label, `pre-deploy failed (exit ${code})`, {remoteOutput: output, next: 'Nothing was switched.'});
}

// Containers from a deploy that died half-way (no lock could protect them then) would pile up on re-runs.
async function removeLeftovers(run: HostRun, logger: Logger): Promise<void> {
  for (const container of run.state.containers) {
    if (container.name === run.serving?.name) continue;
    logger.info(`${run.host.label}: removing ${container.name} (${container.version}), left over from an earlier deploy`);
    await run.host.remove(container.name);
  }
}

/** Switches batch after batch; on a failure rolls switched hosts back (or stops there) and rethrows. */
async function rollOut(
  runs: HostRun[],
  target: Release,
  inputs: DeployInputs,
  collaborators: DeployCollaborators & {envContent: string | undefined},
): Promise<void> {
  const {logger, clock, signal} = collaborators;
  const settings: SwitchSettings = {
    proxy: inputs.proxy,
    appPort: inputs.appPort,
    healthPath: inputs.healthPath,
    healthTimeoutMs: inputs.healthTimeoutMs,
    upstreamFile: inputs.nginxUpstreamFile,
    drainTimeoutMs: inputs.drainTimeoutMs,
  };
  const switched: HostRun[] = [];
  const batches = planBatches(runs, inputs.batchSize);
  for (const [index, batch] of batches.entries()) {
    const title = batches.length > 1 ? `Switch batch ${index + 1}/${batches.length}` : 'Switch';
    const results = await logger.group(title, () =>
      Promise.allSettled(
        batch.map(async run => {
          // A rollback's release kept its env file; one deployed by other means may lack it.
          const envContent = rollingBack(inputs) && !(await run.host.hasEnvFile(target.version)) ? envFileContent(inputs) : collaborators.envContent;
          const live = await switchRelease(run.host, target, run.serving, settings, {logger, clock, signal, phases: run.report.phases, envContent});
          run.report.status = 'deployed';
          run.report.after = target.version;
          run.serving = live;
          switched.push(run);
        }),
      ),
    );
    const failed = results.flatMap((result, position) => (result.status === 'rejected' ? [{run: batch[position] as HostRun, error: result.reason}] : []));
    if (failed.length === 0) continue;
    for (const {run} of failed) run.report.status = 'failed';
    const first = failed[0]?.error;
    if (inputs.onFailure === 'rollback' && switched.length) {
      await logger.group('Roll back switched hosts', () => rollBack(switched, settings, collaborators));
    } else {
      const where = runs.map(run => `${run.host.label} runs ${run.report.after ?? 'nothing'}`).join(', ');
      logger.error(`Stopped: ${where}.`);
    }
    throw first;
  }
}

async function rollBack(switched: HostRun[], settings: SwitchSettings, collaborators: DeployCollaborators): Promise<void> {
  const {logger, clock, signal} = collaborators;
  await Promise.all(
    switched.map(async run => {
      const previous = run.original && {version: run.original.version, image: run.original.image};
      if (!previous) {
        logger.warning(`${run.host.label}: had no earlier release; it keeps the new one.`);
        return;
      }
      const live = await switchRelease(run.host, previous, run.serving, settings, {logger, clock, signal, phases: run.report.phases, envContent: undefined});
      run.serving = live;
      run.report.after = previous.version;
      run.report.status = 'rolled-back';
      logger.info(`${run.host.label}: back on ${previous.version}`);
    }),
  );
}

async function finish(run: HostRun, token: string, target: Release, inputs: DeployInputs): Promise<void> {
  const history = [...run.state.history, target];
  const kept = retainedReleases(history, inputs.retain);
  const keptVersions = new Set(kept.map(release => release.version));
  await run.host.finish(
    token,
    run.original?.name,
    kept,
    history.filter(release => !keptVersions.has(release.version)),
  );
}
