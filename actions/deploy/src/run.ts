import {randomBytes} from 'node:crypto';
import {
  type Clock,
  ConfigError,
  errorMessage,
  FailureWithOutputs,
  formatDuration,
  type Logger,
  RemoteError,
  runPhase,
  type SshTarget,
  type Tracer,
} from '@circuitverse/shared';
import {dockerRunOptions} from './container-settings.js';
import type {ContainerSpec, LockHolder, ServiceHost} from './deploy-host.js';
import {HostDeployment, type HostReport} from './host-deployment.js';
import type {DeployInputs} from './inputs.js';
import {MaintenanceWindow, renderMaintenanceSummary, switchMaintenance, trafficHosts} from './maintenance.js';
import {planBatches, type Release, releaseResourceAttributes, resourceAttributesVariable, rollbackTarget, versionOf} from './release.js';
import {planRoleOrder, type Role, runsOn} from './roles.js';
import {renderSummary} from './summary.js';
import {Cancelled, type SwitchSettings} from './switch-release.js';
import {watchError, watchRelease} from './watch.js';

export type {HostReport} from './host-deployment.js';

export interface DeployOutputs {
  version: string;
  previousVersion: string | undefined;
  hosts: HostReport[];
  rolledBack: boolean;
  durationMs: number;
}

export interface DeployCollaborators {
  logger: Logger;
  tracer: Tracer;
  clock: Clock;
  /** A verified connection to one host, with the service's operations there. */
  openHost: (target: SshTarget) => Promise<ServiceHost>;
  /** Who deploys, recorded in the lock. */
  origin: {actor: string; runUrl: string};
  /** Aborted when the runner cancels the job. */
  signal: AbortSignal;
  /** Called with the lock token before any lock is taken, so the post step can release it. */
  rememberLock: (token: string) => void;
  /** Called once a deploy has released every lock it took: the post step then has nothing to check. */
  forgetLock: () => void;
}

/** A deploy that failed, with the outputs as far as it got (which hosts run what, whether it rolled back). */
export class DeployError extends FailureWithOutputs<DeployOutputs> {}

/** The deploy failed, and so did moving some hosts back: the first failure stays the cause, the others are named. */
export class RollbackFailed extends Error {
  constructor(
    override readonly cause: unknown,
    readonly failures: Array<{host: string; error: unknown}>,
    where: string,
  ) {
    const which = failures.map(failure => `${failure.host} (${errorMessage(failure.error)})`).join('; ');
    super(`${errorMessage(cause)} Rolling back then failed on ${which}. Now: ${where}. Deploy again, or roll back, once the cause is fixed.`, {cause});
  }
}

const lockPollMs = 2000;

/** Deploys the image to every host with zero downtime, or rolls back to an earlier release. */
export async function deploy(inputs: DeployInputs, collaborators: DeployCollaborators): Promise<DeployOutputs> {
  const {logger, clock, signal} = collaborators;
  const started = clock.now();
  const hosts = await logger.group('Connect', () => connectAll(inputs, collaborators));
  const token = randomBytes(16).toString('hex');
  let locked: HostDeployment[] = [];
  let maintenance: MaintenanceWindow | undefined;
  const maintenanceSettings = {healthPath: inputs.healthPath, page: inputs.maintenancePage};
  try {
    refuseUnknownRoles(inputs, hosts);
    if (inputs.maintenance !== undefined) {
      // The run switches maintenance and does nothing else, under the lock: no deploy's switch runs meanwhile.
      collaborators.rememberLock(token);
      const mode = inputs.maintenance;
      locked = await logger.group('Lock', () => lockAll(hosts, token, inputs, {version: `maintenance ${mode}`, image: ''}, collaborators));
      await runPhase(collaborators, 'maintenance', `Maintenance ${mode}`, () =>
        switchMaintenance(trafficHosts(hosts, inputs.roles), mode, maintenanceSettings, logger),
      );
      await logger.group('Unlock', () => settleAll(hosts, host => host.unlock(token)));
      locked = [];
      collaborators.forgetLock();
      await logger.summary(renderMaintenanceSummary(inputs.service, mode, trafficHosts(hosts, inputs.roles)));
      const serving = hosts[0]?.originalRelease?.version;
      return {
        version: commonVersion(hosts),
        previousVersion: serving,
        hosts: hosts.map(host => host.report),
        rolledBack: false,
        durationMs: clock.now() - started,
      };
    }
    const target = resolveTarget(inputs, hosts);
    const preDeployCommand = rollingBack(inputs) ? undefined : inputs.preDeploy;
    const preDeployMemory = inputs.container.memoryBytes ?? inputs.roles.find(role => role.traffic)?.memoryBytes;
    // Before the pull: a release the hosts cannot hold is refused with nothing changed, not even an image.
    await runPhase(collaborators, 'check memory', 'Check memory', () =>
      settleAll(hosts, (host, index) => host.checkMemory(preDeployCommand !== undefined && index === 0 ? preDeployMemory : undefined)),
    );
    if (inputs.monit) await runPhase(collaborators, 'check monit', 'Check Monit', () => settleAll(hosts, host => host.checkMonit(inputs.monit)));
    if (rollingBack(inputs)) {
      await runPhase(collaborators, 'check retained', 'Check retained images', () => checkRetained(hosts, target));
    } else {
      await runPhase(collaborators, 'check disk', 'Check disk', () => settleAll(hosts, host => host.checkDisk(target, registryAuth(inputs), inputs.retain)));
      throwIfCancelled(signal);
      await logger.group('Pull', () => settleAll(hosts, host => host.pull(target.image, registryAuth(inputs))));
    }
    throwIfCancelled(signal);
    collaborators.rememberLock(token);
    // The lock also reads what the hosts run now: it may have changed while this deploy waited.
    locked = await logger.group('Lock', () => lockAll(hosts, token, inputs, target, collaborators));
    logger.info(`${inputs.service}: ${describeServing(hosts)} → ${target.version} on ${hosts.length} host(s)${describeRoles(inputs.roles)}`);
    if (rollingBack(inputs) && resolveTarget(inputs, hosts).version !== target.version) {
      throw new RemoteError(inputs.service, 'was deployed by someone else while this rollback waited for the lock', {next: 'Run the rollback again.'});
    }
    throwIfCancelled(signal);
    const inMaintenance = preDeployCommand !== undefined && inputs.maintenanceDuringPreDeploy;
    const maintenanceWindow = await MaintenanceWindow.open(trafficHosts(hosts, inputs.roles), inMaintenance, maintenanceSettings, logger);
    maintenance = maintenanceWindow;
    if (preDeployCommand !== undefined) {
      throwIfCancelled(signal);
      await logger.group('Env file', () =>
        settleAll(hosts, host => host.timed('env', () => host.host.writeEnvFile(target.version, envFileContent(inputs, target.version)))),
      );
      if (inMaintenance) await runPhase(collaborators, 'maintenance', 'Maintenance on', () => maintenanceWindow.begin());
      const options = dockerRunOptions(inputs.container, {memoryBytes: preDeployMemory});
      await logger.group('Pre-deploy', () =>
        preDeploy(hosts[0] as HostDeployment, target, preDeployCommand, {timeoutMs: inputs.preDeployTimeoutMs, options}, collaborators),
      );
      throwIfCancelled(signal);
    }
    // Otherwise the env file is written with the container's start; a rollback keeps the one its release ran with.
    const envContent = rollingBack(inputs) || preDeployCommand !== undefined ? undefined : envFileContent(inputs, target.version);
    if (hosts.some(host => host.hasStoppedLeftovers)) {
      await logger.group('Clean up leftovers', () => settleAll(hosts, host => host.removeStoppedLeftovers()));
    }
    await rollOut(hosts, target, inputs, {logger, tracer: collaborators.tracer, signal, envContent});
    if (inMaintenance) await runPhase(collaborators, 'maintenance', 'Maintenance off', () => maintenanceWindow.end());
    if (inputs.watchMs > 0 && !rollingBack(inputs)) await watchAfterSwitch(hosts, target, inputs, {logger, tracer: collaborators.tracer, clock, signal});
    await logger.group('Retain releases and unlock', () =>
      settleAll(hosts, host => collaborators.tracer.span('finish', {'server.address': host.label}, () => host.finish(token, target, inputs.retain))),
    );
    locked = [];
    collaborators.forgetLock();
    const outputs = {
      version: target.version,
      previousVersion: hosts[0]?.originalRelease?.version,
      hosts: hosts.map(host => host.report),
      rolledBack: false,
      durationMs: clock.now() - started,
    };
    await logger.summary(renderSummary(inputs.service, outputs));
    return outputs;
  } catch (error) {
    const maintenanceWindow = maintenance;
    if (maintenanceWindow?.active) await runPhase(collaborators, 'maintenance', 'Maintenance back', () => maintenanceWindow.restore());
    const outputs = {
      version: commonVersion(hosts),
      previousVersion: hosts[0]?.originalRelease?.version,
      hosts: hosts.map(host => host.report),
      rolledBack: hosts.some(host => host.report.status === 'rolled-back'),
      durationMs: clock.now() - started,
    };
    await logger.summary(renderSummary(inputs.service, outputs, errorMessage(error)));
    throw new DeployError(error, outputs);
  } finally {
    if (locked.length) await runPhase(collaborators, 'unlock', 'Unlock', () => unlockAll(locked, token, logger));
    for (const host of hosts) host.close();
  }
}

/** The version every host ends on; empty when they differ (the hosts output says which runs what). */
function commonVersion(hosts: HostDeployment[]): string {
  const versions = new Set(hosts.map(host => host.report.after ?? ''));
  return versions.size === 1 ? ([...versions][0] as string) : '';
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled();
}

/**
 * Runs `work` on every host and waits for all of them, so that no host is still busy when the caller moves on (to
 * unlock, or to close the connections); then throws the first failure.
 */
async function settleAll(hosts: HostDeployment[], work: (host: HostDeployment, index: number) => Promise<unknown>): Promise<void> {
  const failure = (await Promise.allSettled(hosts.map(work))).find(result => result.status === 'rejected');
  if (failure) throw failure.reason;
}

export function registryAuth(inputs: DeployInputs) {
  return inputs.registryUsername && inputs.registryPassword ? {username: inputs.registryUsername, password: inputs.registryPassword} : undefined;
}

function switchSettings(inputs: DeployInputs): SwitchSettings {
  return {
    appPort: inputs.appPort,
    healthPath: inputs.healthPath,
    healthTimeoutMs: inputs.healthTimeoutMs,
    upstreamFile: inputs.nginxUpstreamFile,
    drainTimeoutMs: inputs.drainTimeoutMs,
  };
}

// Every host is verified before anything runs anywhere: one bad host key stops the deploy with nothing changed.
export async function connectAll(inputs: DeployInputs, collaborators: DeployCollaborators): Promise<HostDeployment[]> {
  const {clock, logger, tracer} = collaborators;
  const settings = switchSettings(inputs);
  const attempts = await Promise.allSettled(
    inputs.hosts.map(target =>
      tracer.span('connect', {'server.address': target.label}, async () => {
        const started = clock.now();
        const roles = inputs.roles.filter(role => runsOn(role, target.label)).map(role => ({role, spec: containerSpec(inputs, role)}));
        const host = new HostDeployment(await collaborators.openHost(target), settings, roles, {logger, clock, tracer});
        try {
          // What serves now, before anything changes: a rollback picks its target from the history, and the memory check
          // measures the serving containers. The lock reads it again, as it may change meanwhile.
          host.adopt(await host.host.readState(inputs.nginxUpstreamFile));
          host.report.phases.connect = clock.now() - started;
          logger.info(`${target.label}: host key verified; serving ${host.servingVersion ?? 'nothing known'}`);
          return host;
        } catch (error) {
          host.close();
          throw error;
        }
      }),
    ),
  );
  const hosts = attempts.flatMap(attempt => (attempt.status === 'fulfilled' ? [attempt.value] : []));
  const failure = attempts.find(attempt => attempt.status === 'rejected');
  if (failure) {
    for (const host of hosts) host.close();
    throw failure.reason;
  }
  return hosts;
}

/** What a role's new containers run with: the container settings with the role's own limits. */
export function containerSpec(inputs: DeployInputs, role: Role): ContainerSpec {
  return {
    role: role.name,
    options: dockerRunOptions(inputs.container, {
      memoryBytes: role.memoryBytes,
      cpus: role.cpus,
      stopSignal: role.stopSignal,
      stopTimeoutSeconds: Math.ceil(role.stopTimeoutMs / 1000),
    }),
    command: role.command,
  };
}

function describeRoles(roles: Role[]): string {
  return roles.length === 1 && roles[0]?.name === ''
    ? ''
    : ` (${planRoleOrder(roles)
        .map(role => role.name)
        .join(' then ')})`;
}

/** Every role the hosts run must be named: one left out would keep running its old release beside the new. */
export function refuseUnknownRoles(inputs: DeployInputs, hosts: HostDeployment[]): void {
  const found = hosts.flatMap(host => host.unknownRoles.map(role => ({host: host.label, role})));
  if (found.length === 0) return;
  const roles = [...new Set(found.map(entry => entry.role))];
  const where = [...new Set(found.map(entry => entry.host))].join(', ');
  const named = inputs.roles.map(role => role.name || '(none)').join(', ');
  throw new ConfigError(
    'roles',
    `does not name ${roles.join(', ')}, which ${where} run${found.length === 1 ? 's' : ''} (the input names ${named})`,
    `Give this ${rollingBack(inputs) ? 'rollback' : 'deploy'} the same roles as the deploy that started them; to retire a role, remove its containers first (docker rm -f on the ones labelled circuitverse.deploy.role=<role>).`,
  );
}

export function rollingBack(inputs: DeployInputs): boolean {
  return inputs.rollback || inputs.rollbackTo !== undefined;
}

/** What serves now, for the log: one version, or each host's when they differ. */
export function describeServing(hosts: HostDeployment[]): string {
  const versions = hosts.map(host => host.originalRelease?.version ?? 'nothing');
  if (new Set(versions).size <= 1) return versions[0] ?? 'nothing';
  return hosts.map((host, index) => `${host.label} ${versions[index]}`).join(', ');
}

function resolveTarget(inputs: DeployInputs, hosts: HostDeployment[]): Release {
  if (!rollingBack(inputs)) {
    const image = inputs.image as string;
    return {version: versionOf(image), image};
  }
  const targets = hosts.map(host => {
    const release = rollbackTarget(host.history, host.originalRelease?.version, inputs.rollbackTo);
    if (!release) {
      const input = inputs.rollbackTo ? 'rollback-to' : 'rollback';
      const what = inputs.rollbackTo
        ? `names ${inputs.rollbackTo}, which ${host.label} never ran`
        : `has nothing to go back to: ${host.label} has no earlier release of ${inputs.service}`;
      const known = host.history.map(entry => entry.version);
      throw new ConfigError(input, what, known.length ? `Releases there: ${[...new Set(known)].join(', ')}.` : 'Deploy a version first.');
    }
    return release;
  });
  const first = targets[0] as Release;
  const disagreeing = targets.findIndex(release => release.version !== first.version);
  if (disagreeing !== -1) {
    throw new ConfigError(
      'rollback',
      `is ambiguous: ${hosts[0]?.label} would go back to ${first.version}, ${hosts[disagreeing]?.label} to ${targets[disagreeing]?.version}`,
      'Name the version with rollback-to.',
    );
  }
  return first;
}

async function checkRetained(hosts: HostDeployment[], target: Release): Promise<void> {
  const missing = (await Promise.all(hosts.map(async host => ((await host.host.hasImage(target.image)) ? [] : [host.label])))).flat();
  if (missing.length) {
    throw new ConfigError('rollback', `needs ${target.image}, which is no longer on ${missing.join(', ')}`, 'Deploy that image again with image: instead.');
  }
}

/** Why a host's lock cannot be had now: another deploy holds it, or a pre-deploy of an earlier one still runs there. */
interface LockBlocked {
  host: HostDeployment;
  reason: string;
  next: string;
}

async function lockAll(
  hosts: HostDeployment[],
  token: string,
  inputs: DeployInputs,
  target: Release,
  collaborators: DeployCollaborators,
): Promise<HostDeployment[]> {
  const {clock, logger, signal} = collaborators;
  const holder: LockHolder = {...collaborators.origin, version: target.version, since: new Date(clock.now()).toISOString()};
  const started = clock.now();
  const deadline = started + inputs.lockWaitMs;
  // The gate is the same host for every deploy of the service, whatever order their inputs list the hosts in.
  const [gate, ...rest] = [...hosts].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  for (;;) {
    const acquired: HostDeployment[] = [];
    let blocked: LockBlocked | undefined;
    const take = async (host: HostDeployment) => {
      const heldBy = await collaborators.tracer.span('lock', {'server.address': host.label}, async span => {
        const found = await host.lock(token, holder);
        span.setAttributes({'circuitverse.deploy.lock_held_by': found && (found.actor ?? 'someone')});
        return found;
      });
      if (heldBy) {
        const who = `${heldBy.actor ?? 'someone'} since ${heldBy.since ?? 'an unknown time'} (version ${heldBy.version ?? '?'}, ${heldBy.runUrl ?? 'no run URL'})`;
        blocked ??= {
          host,
          reason: `${inputs.service} is locked by ${who}`,
          next: `Wait for that deploy, raise lock-wait, or, if that run is gone, break the lock with: ssh ${host.label} rm -rf /var/lib/circuitverse-deploy/${inputs.service}/lock`,
        };
        return;
      }
      acquired.push(host);
      const [running] = host.runningPreDeploys;
      // A deploy that died during its pre-deploy left the migration running: a second one must not start beside it.
      if (running) {
        blocked ??= {
          host,
          reason: `the pre-deploy container ${running} of an earlier deploy is still running`,
          next: `Wait for it (docker logs -f ${running}), raise lock-wait, or stop it (docker stop ${running}) if it must not finish.`,
        };
      }
    };
    // The gate goes first: whoever holds it goes on, so two deploys never each hold part of the hosts for long. The
    // others are then taken at once, and all of them are settled before anything is released.
    if (gate) await take(gate);
    const failure = blocked ? undefined : (await Promise.allSettled(rest.map(take))).find(result => result.status === 'rejected');
    if (failure) {
      await unlockAll(acquired, token, logger);
      throw failure.reason;
    }
    if (!blocked) {
      for (const host of hosts) host.report.phases.lock = clock.now() - started;
      logger.info(`Locked ${inputs.service} on ${hosts.length} host(s).`);
      return acquired;
    }
    await unlockAll(acquired, token, logger);
    throwIfCancelled(signal);
    if (clock.now() + lockPollMs > deadline) throw new RemoteError(blocked.host.label, blocked.reason, {next: blocked.next});
    logger.info(`${blocked.host.label}: ${blocked.reason}; waiting.`);
    await clock.sleep(lockPollMs);
  }
}

async function unlockAll(hosts: HostDeployment[], token: string, logger: Logger): Promise<void> {
  await Promise.all(
    hosts.map(host =>
      host.unlock(token).catch(error => logger.warning(`${host.label}: could not release the lock (${errorMessage(error)}); the post step will try again.`)),
    ),
  );
}

/**
 * The release's env file: the inputs' env and secrets, and OTEL_RESOURCE_ATTRIBUTES naming the release for the app's
 * own telemetry, unless the user set that variable.
 */
function envFileContent(inputs: DeployInputs, version: string): string {
  const settings = [...inputs.env, ...inputs.secrets];
  if (!settings.some(([key]) => key === resourceAttributesVariable)) {
    settings.push([resourceAttributesVariable, releaseResourceAttributes(version, inputs.deploymentEnvironment)]);
  }
  return settings.map(([key, value]) => `${key}=${value}\n`).join('');
}

async function preDeploy(
  host: HostDeployment,
  target: Release,
  command: string,
  run: {timeoutMs: number; options: string[]},
  collaborators: {logger: Logger; tracer: Tracer},
): Promise<void> {
  await host.timed('pre-deploy', async span => {
    // The command's own spans (a migration's, say) go under this one.
    const traceparent = collaborators.tracer.traceparent();
    const options = traceparent === undefined ? run.options : [...run.options, '--env', `TRACEPARENT=${traceparent}`];
    const {code, output} = await host.host.runOnce(target, command, run.timeoutMs, options);
    span.setAttributes({'process.exit.code': code});
    // The app's own output: a line of it must not act as a workflow command.
    if (output.trim()) collaborators.logger.untrusted(output.trimEnd());
    if (code !== 0) throw new RemoteError(host.label, `pre-deploy failed (exit ${code})`, {remoteOutput: output, next: 'Nothing was switched.'});
  });
}

/**
 * Moves role after role (workers that go first, the traffic role, the other workers), each batch after batch; on a
 * failure or a cancel, moves every role that moved back, the last first (or stops there), and rethrows.
 */
async function rollOut(
  hosts: HostDeployment[],
  target: Release,
  inputs: DeployInputs,
  collaborators: {logger: Logger; tracer: Tracer; signal: AbortSignal; envContent: string | undefined},
): Promise<void> {
  const {logger, signal} = collaborators;
  const steps = planRoleOrder(inputs.roles);
  for (const role of steps) {
    const batches = planBatches(
      hosts.filter(host => host.runs(role)),
      inputs.batchSize,
    );
    for (const [index, batch] of batches.entries()) {
      const what = role.name === '' ? 'Switch' : `Switch ${role.name}`;
      const title = batches.length > 1 ? `${what} batch ${index + 1}/${batches.length}` : what;
      const results = signal.aborted
        ? [{status: 'rejected' as const, reason: new Cancelled()}]
        : await runPhase(
            collaborators,
            'rollout',
            title,
            () =>
              Promise.allSettled(
                batch.map(async host => {
                  // A rollback's release kept its env file; one deployed by other means may lack it.
                  const envContent =
                    rollingBack(inputs) && !(await host.host.hasEnvFile(target.version)) ? envFileContent(inputs, target.version) : collaborators.envContent;
                  await host.switchTo(role, target, envContent, signal);
                }),
              ),
            {'circuitverse.deploy.role': role.name || undefined, 'circuitverse.deploy.version': target.version, 'circuitverse.deploy.batch': index + 1},
          );
      const failure = results.find(result => result.status === 'rejected');
      if (!failure) continue;
      const cause = failure.reason;
      if (inputs.onFailure === 'rollback' && hosts.some(host => steps.some(step => host.runs(step) && host.needsRollback(step)))) {
        const failures = await runPhase(collaborators, 'rollback', 'Roll back switched hosts', () => rollBack(hosts, steps, target.version));
        if (failures.length) throw new RollbackFailed(cause, failures, describeHosts(hosts));
      } else {
        logger.error(`Stopped: ${describeHosts(hosts)}.`);
      }
      throw cause;
    }
  }
}

function describeHosts(hosts: HostDeployment[]): string {
  return hosts.map(host => `${host.label} runs ${host.report.after ?? 'nothing'}`).join(', ');
}

/**
 * Moves every role that moved back, the last to move first, each host to the end whatever the others do; returns the
 * hosts that failed.
 */
async function rollBack(hosts: HostDeployment[], steps: Role[], from: string): Promise<Array<{host: string; error: unknown}>> {
  const failures: Array<{host: string; error: unknown}> = [];
  for (const role of [...steps].reverse()) {
    const moved = hosts.filter(host => host.runs(role) && host.needsRollback(role));
    const results = await Promise.allSettled(moved.map(host => host.rollBack(role, from)));
    results.forEach((result, index) => {
      if (result.status === 'rejected') failures.push({host: (moved[index] as HostDeployment).label, error: result.reason});
    });
  }
  return failures;
}

/**
 * Watches the release on every host once all of them have switched, still under the lock. A failure moves every host
 * back (or, with on-failure: stop, leaves them) and throws what each host saw; a cancel leaves the release serving.
 */
async function watchAfterSwitch(
  hosts: HostDeployment[],
  target: Release,
  inputs: DeployInputs,
  collaborators: {logger: Logger; tracer: Tracer; clock: Clock; signal: AbortSignal},
): Promise<void> {
  const {logger} = collaborators;
  const watched = hosts.map(host => ({host: host.host, containers: host.switchedContainers}));
  const paths = [inputs.healthPath, ...(inputs.watchPath === undefined ? [] : [inputs.watchPath])];
  const started = collaborators.clock.now();
  const outcome = await runPhase(collaborators, 'watch', 'Watch', () =>
    watchRelease(watched, {durationMs: inputs.watchMs, paths}, target.version, collaborators),
  );
  for (const host of hosts) host.report.phases.watch = collaborators.clock.now() - started;
  if (outcome.kind === 'held') return;
  if (outcome.kind === 'cancelled') {
    logger.warning(
      `Cancelled ${formatDuration(outcome.afterMs)} into the watch: ${target.version} stays live on every host, unwatched. To go back, deploy with rollback: true.`,
    );
    return;
  }
  if (inputs.onFailure === 'stop') {
    logger.error(`Stopped: ${describeHosts(hosts)}.`);
    throw watchError(outcome.failures, target.version, `on-failure is stop, so every host keeps ${target.version}; to go back, deploy with rollback: true.`);
  }
  const failures = await runPhase(collaborators, 'rollback', 'Roll back every host', () => rollBack(hosts, planRoleOrder(inputs.roles), target.version));
  const back = hosts[0]?.originalRelease?.version;
  const where = failures.length
    ? ''
    : back === undefined
      ? `There was no earlier release to go back to, so every host keeps ${target.version}. `
      : `Every host is back on ${back}, recorded in its history as back from ${target.version}. `;
  const next = `${where}The last log lines and answers are in the log above.`;
  const cause = watchError(outcome.failures, target.version, next);
  if (failures.length) throw new RollbackFailed(cause, failures, describeHosts(hosts));
  throw cause;
}
