import {randomBytes} from 'node:crypto';
import {type Clock, ConfigError, errorMessage, type Logger, RemoteError} from '@circuitverse/shared';
import type {HostReport} from '../host-deployment.js';
import type {DeployInputs} from '../inputs.js';
import {releaseResourceAttributes, resourceAttributesVariable, versionOf} from '../release.js';
import {planRoleOrder, type Role} from '../roles.js';
import type {DeployOutputs} from '../run.js';
import {DeployError} from '../run.js';
import {renderSummary} from '../summary.js';
import {Cancelled} from '../switch-release.js';
import {type EngineApi, engineMessage, requestJson} from './engine-api.js';
import {lockConfigName, planPublishedPort, planServiceSpec, releaseConfigName, secretLabel, secretName, swarmServiceName} from './service-spec.js';
import {
  convergence,
  describeTask,
  failedTasks,
  recordTasks,
  type StalledTask,
  type SwarmNode,
  type SwarmService,
  type SwarmTask,
  settledTasks,
  stalledOn,
  type TaskHistory,
  updateOutcome,
} from './tasks.js';

export interface SwarmCollaborators {
  logger: Logger;
  clock: Clock;
  /** The Engine API of the manager (the first of `hosts`), over a verified SSH connection; `close` ends it. */
  openManager: () => Promise<EngineApi & {close: () => void}>;
  origin: {actor: string; runUrl: string};
  signal: AbortSignal;
  rememberLock: (token: string) => void;
  forgetLock: () => void;
}

interface ReleaseRecord {
  version: string;
  image: string;
  env: Array<[string, string]>;
  secrets: Array<{key: string; id: string; name: string}>;
}

// Short: the deploy ends as soon as Swarm reports the update complete, and each poll is three small API calls.
const pollMs = 250;
const lockPollMs = 2000;
const tokenLabel = 'circuitverse.deploy.lock-token';
const serviceLabel = 'circuitverse.deploy.service';
const versionLabel = 'circuitverse.deploy.version';
const restartedWithoutLabel = 'circuitverse.deploy.restarted-without';
const versionBeforeLabel = 'circuitverse.deploy.version-before';

/** One role's Swarm service as this deploy found it, and what the deploy did to it. */
interface RoleService {
  role: Role;
  name: string;
  current: SwarmService | undefined;
  result?: FollowResult;
  elapsedMs?: number;
}

/** Deploys (or rolls back) the service as Swarm services, one per role, driven through one manager's Engine API. */
export async function deploySwarm(inputs: DeployInputs, collaborators: SwarmCollaborators): Promise<DeployOutputs> {
  const {logger, clock} = collaborators;
  const started = clock.now();
  refuseSshOnlyInputs(inputs);
  const api = await logger.group('Connect', () => connectManager(collaborators));
  const token = randomBytes(16).toString('hex');
  let locked = false;
  let lockId: string | undefined;
  let outputs: DeployOutputs = {version: '', previousVersion: undefined, hosts: [], rolledBack: false, durationMs: 0};
  // The roles whose update Swarm took, the one in progress last, and what rolling them back needs: a cancel or an API
  // error mid-rollout moves them back, as a failed role does the roles before it.
  let moving: RoleService[] = [];
  let rollBackWith: {auth: string | undefined; nodes: number} | undefined;
  try {
    const services: RoleService[] = await Promise.all(
      planRoleOrder(inputs.roles).map(async role => {
        const name = swarmServiceName(inputs.service, role);
        return {role, name, current: await findService(api, name)};
      }),
    );
    const lead = services.find(service => service.role.traffic) ?? (services[0] as RoleService);
    const previousVersion = lead.current?.Spec.Labels?.[versionLabel];
    collaborators.rememberLock(token);
    lockId = await logger.group('Lock', () => lock(api, inputs, token, collaborators));
    locked = true;
    const rollingBack = inputs.rollback || inputs.rollbackTo !== undefined;
    const restartedFrom = inputs.rollback ? services.map(service => versionBeforeRestart(service.current)).find(version => version !== undefined) : undefined;
    const swarmRollback = inputs.rollback && inputs.rollbackTo === undefined && restartedFrom === undefined;
    let record: ReleaseRecord;
    if (inputs.rollbackTo === undefined && restartedFrom !== undefined) {
      logger.info(
        `Swarm's previous spec is ${previousVersion} as well (that deploy restarted Swarm's update without a lost node): back to the release before it, ${restartedFrom}, from its record`,
      );
      record = await readRelease(api, inputs.service, restartedFrom, 'rollback');
    } else if (swarmRollback) {
      const missing = services.find(service => !service.current?.PreviousSpec);
      if (missing)
        throw new RemoteError(missing.name, 'has no previous spec to roll back to', {next: 'Deploy an image, or name a retained release in rollback-to.'});
      record = {version: lead.current?.PreviousSpec?.Labels?.[versionLabel] ?? '?', image: '', env: [], secrets: []};
    } else if (inputs.rollbackTo !== undefined) {
      record = await readRelease(api, inputs.service, inputs.rollbackTo, 'rollback-to');
    } else {
      const image = inputs.image as string;
      const version = versionOf(image);
      record = {version, image, env: releaseEnv(inputs, version), secrets: []};
    }
    outputs = {...outputs, version: record.version, previousVersion};
    logger.info(
      `${inputs.service}: ${previousVersion ?? 'nothing'} → ${record.version} through the Swarm manager ${api.where}${services.length > 1 ? ` (${services.map(service => service.name).join(', ')})` : ''}`,
    );
    const auth = registryAuthHeader(inputs, record.image || (lead.current?.Spec.Labels?.['circuitverse.deploy.image'] ?? ''));
    if (!rollingBack) record.secrets = await logger.group('Secrets', () => createSecrets(api, inputs, record.version));
    const imageConfig = record.secrets.length > 0 ? await logger.group('Pull on the manager', () => inspectImage(api, record.image, auth)) : undefined;
    const nodes = await readNodes(api);
    rollBackWith = {auth, nodes: nodes.length};
    for (const service of services) {
      throwIfCancelled(collaborators.signal);
      const {role, name, current} = service;
      const updateStart = clock.now();
      const startedBefore = await logger.group(`${swarmRollback ? 'Roll back' : current ? 'Update' : 'Create'} ${name}`, async () => {
        if (swarmRollback && current) {
          return (await updateService(api, name, `could not roll ${name} back`, '&rollback=previous', fresh => fresh.Spec, auth)).UpdateStatus?.StartedAt;
        }
        const spec = planServiceSpec({
          service: inputs.service,
          version: record.version,
          image: record.image,
          role,
          env: new Map(record.env),
          secrets: record.secrets,
          imageEntrypoint: imageConfig?.Entrypoint ?? [],
          imageCommand: imageConfig?.Cmd ?? [],
          appPort: inputs.appPort,
          healthPath: inputs.healthPath,
          healthTimeoutMs: inputs.healthTimeoutMs,
          monitorMs: monitorOf(inputs),
          publishedPort: role.traffic ? planPublishedPort(inputs.swarmPorts, current?.Spec.EndpointSpec?.Ports?.[0]?.PublishedPort) : undefined,
        });
        if (current) return (await updateService(api, name, `could not update ${name}`, '', () => spec, auth)).UpdateStatus?.StartedAt;
        await requestJson(api, `could not create ${name}`, 'POST', '/services/create', {body: spec, registryAuth: auth});
        return undefined;
      });
      // A created service has no previous spec to go back to; a rollback's own moves are not undone.
      if (current && !rollingBack) moving.push(service);
      service.result = await logger.group(`Follow ${name}`, () =>
        follow(
          api,
          name,
          record.version,
          {created: !current, startedBefore, deadlineMs: followDeadline(inputs, nodes.length), rollingBack, monitorMs: monitorOf(inputs), auth},
          collaborators,
        ),
      );
      service.elapsedMs = clock.now() - updateStart;
      if (service.result.failure) break;
    }
    const failed = services.find(service => service.result?.failure);
    for (const lost of new Set(services.flatMap(service => service.result?.lost ?? []))) {
      logger.warning(`${lost}: the node is down; it runs no task of ${record.version} until it is back, when Swarm starts one there.`);
    }
    // From here on a failure is handled where it is: Swarm rolled the failed role back, and nothing else is moving.
    moving = [];
    if (failed) {
      // Swarm rolled back the role that failed, unless its update was restarted: then it paused, and the role goes back
      // here first (a rollback that failed stays where it paused, as Swarm leaves one). The roles this deploy moved
      // before it go back too, as the SSH driver's; a cancel meanwhile does not cut that short.
      const ownRollback = failed.result?.outcome === 'failed' && !rollingBack;
      const moved = [...(ownRollback ? [failed] : []), ...services.slice(0, services.indexOf(failed)).filter(service => service.current)];
      const signal = new AbortController().signal;
      const back =
        moved.length > 0
          ? await logger.group('Roll back the roles moved', () => rollBackMoved(api, moved, auth, inputs, nodes.length, {...collaborators, signal}))
          : [];
      if (ownRollback && back.includes(failed) && failed.result) failed.result = {...failed.result, outcome: 'rolled-back'};
    }
    outputs = {
      ...outputs,
      hosts: reportHosts(nodes, services, previousVersion, record.version),
      rolledBack: failed?.result?.outcome === 'rolled-back' && !rollingBack,
    };
    if (failed) throw new RemoteError(failed.name, failed.result?.failure as string);
    if (!rollingBack) {
      // Only a release that converged is one to go back to, and counts towards retain.
      await logger.group('Retain releases', async () => {
        await writeRelease(api, inputs.service, record);
        await prune(api, inputs.service, inputs.retain, record, logger);
      });
    }
    await logger.group('Unlock', async () => {
      try {
        await unlock(api, inputs.service, token, lockId);
        collaborators.forgetLock();
      } catch (unlockError) {
        // The release is out: the lock stays remembered, for the post step to release.
        logger.warning(`Could not release the lock (${errorMessage(unlockError)}); the post step tries again.`);
      }
    });
    locked = false;
    outputs = {...outputs, durationMs: clock.now() - started};
    await logger.summary(renderSummary(inputs.service, outputs));
    return outputs;
  } catch (error) {
    if (moving.length > 0 && rollBackWith) {
      // The last moved first, as the SSH driver; followed to the end even after a cancel, which the runner gives a few
      // seconds: the lock stays for the post step if it kills the step meanwhile.
      const moved = [...moving].reverse();
      const {auth, nodes} = rollBackWith;
      await logger
        .group('Roll back the roles moved', () => rollBackMoved(api, moved, auth, inputs, nodes, {...collaborators, signal: new AbortController().signal}))
        .catch(rollBackError => logger.warning(`Could not roll back the roles moved (${errorMessage(rollBackError)}).`));
    }
    if (locked) {
      try {
        await unlock(api, inputs.service, token, lockId);
        collaborators.forgetLock();
      } catch (unlockError) {
        logger.warning(`Could not release the lock (${errorMessage(unlockError)}); the post step tries again.`);
      }
    }
    outputs = {...outputs, durationMs: clock.now() - started};
    if (outputs.hosts.length > 0) await logger.summary(renderSummary(inputs.service, outputs, errorMessage(error)));
    if (error instanceof ConfigError) throw error;
    throw new DeployError(error, outputs);
  } finally {
    api.close();
  }
}

/**
 * The release's env in the spec: the inputs' env, and OTEL_RESOURCE_ATTRIBUTES naming the release for the app's own
 * telemetry, as the SSH driver's env file has, unless env or secrets set that variable.
 */
export function releaseEnv(inputs: Pick<DeployInputs, 'env' | 'secrets' | 'deploymentEnvironment'>, version: string): Array<[string, string]> {
  const env = [...inputs.env];
  if (![...inputs.env.keys(), ...inputs.secrets.keys()].includes(resourceAttributesVariable)) {
    env.push([resourceAttributesVariable, releaseResourceAttributes(version, inputs.deploymentEnvironment)]);
  }
  return env;
}

/** Inputs the swarm driver has no meaning for are refused, not ignored: a user who sets one expects it to act. */
export function refuseSshOnlyInputs(inputs: DeployInputs): void {
  const placed = inputs.roles.find(role => role.hosts !== undefined);
  if (placed) {
    throw new ConfigError(
      'roles',
      `gives ${placed.name} hosts, which driver swarm does not place by`,
      'Leave hosts out: every role runs one task on every node of the swarm.',
    );
  }
  const {container} = inputs;
  const unsupported: Array<[string, boolean]> = [
    ['plan', inputs.plan],
    ['maintenance', inputs.maintenance !== undefined],
    ['pre-deploy', inputs.preDeploy !== undefined],
    // monit-check: write alone makes monit settings too: the input named is the one set.
    ['monit-check', inputs.monit?.writeCheck === true],
    ['monit', inputs.monit !== undefined],
    ['batch-size', inputs.batchSize !== inputs.hosts.length],
    ['on-failure', inputs.onFailure !== 'rollback'],
    ['drain-timeout', inputs.drainTimeoutMs !== 30_000],
    ['network', container.network !== undefined],
    ['add-hosts', container.addHosts.length > 0],
    ['volumes', container.volumes.length > 0],
    ['watch-path', inputs.watchPath !== undefined],
    ['cpus', container.cpus !== undefined],
    ['labels', container.labels.size > 0],
    ['log-driver', container.logDriver !== undefined],
    ['log-options', container.logOptions.size > 0],
    ['user', container.user !== undefined],
  ];
  const set = unsupported.find(([, given]) => given);
  if (set) throw new ConfigError(set[0], 'is not supported with driver swarm', `Leave ${set[0]} out, or use driver ssh.`);
  // A role's own settings the service spec has no place for.
  for (const [key, given] of [
    ['cpus', (role: Role) => role.cpus !== undefined],
    ['quiet-signal', (role: Role) => role.quietSignal !== undefined],
  ] as const) {
    const role = inputs.roles.find(given);
    if (role)
      throw new ConfigError(
        'roles',
        `gives ${role.name || 'the role'} ${key}, which driver swarm does not support`,
        `Leave ${key} out of the role, or use driver ssh.`,
      );
  }
}

async function connectManager(collaborators: SwarmCollaborators) {
  const api = await collaborators.openManager();
  const info = await requestJson<{Swarm?: {ControlAvailable?: boolean; LocalNodeState?: string}}>(api, 'could not read the engine', 'GET', '/info');
  if (!info.Swarm?.ControlAvailable) {
    api.close();
    throw new RemoteError(api.where, `is not a Swarm manager (node state: ${info.Swarm?.LocalNodeState ?? 'unknown'})`, {
      next: 'List a manager first in hosts (docker node ls on it shows "Leader" or "Reachable").',
    });
  }
  return api;
}

async function findService(api: EngineApi, name: string): Promise<SwarmService | undefined> {
  const response = await api.request('GET', `/services/${name}`);
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new RemoteError(api.where, `could not read the service ${name}`, {remoteOutput: engineMessage(response)});
  return JSON.parse(response.body) as SwarmService;
}

async function readNodes(api: EngineApi): Promise<SwarmNode[]> {
  return requestJson<SwarmNode[]>(api, 'could not list the nodes', 'GET', '/nodes');
}

async function lock(api: EngineApi, inputs: DeployInputs, token: string, collaborators: SwarmCollaborators): Promise<string> {
  const {clock, logger} = collaborators;
  const holder = JSON.stringify({
    ...collaborators.origin,
    since: new Date(clock.now()).toISOString(),
    version: inputs.image ?? inputs.rollbackTo ?? 'rollback',
  });
  const deadline = clock.now() + inputs.lockWaitMs;
  for (;;) {
    const response = await api.request('POST', '/configs/create', {
      body: {Name: lockConfigName(inputs.service), Labels: {[serviceLabel]: inputs.service, [tokenLabel]: token}, Data: Buffer.from(holder).toString('base64')},
    });
    if (response.status === 201) return (JSON.parse(response.body) as {ID: string}).ID;
    if (response.status !== 409) throw new RemoteError(api.where, 'could not take the deploy lock', {remoteOutput: response.body});
    const held = await requestJson<{Spec: {Data: string}}>(api, 'could not read the deploy lock', 'GET', `/configs/${lockConfigName(inputs.service)}`).catch(
      () => undefined,
    );
    const by = held ? Buffer.from(held.Spec.Data, 'base64').toString() : 'someone';
    if (clock.now() >= deadline) {
      throw new RemoteError(api.where, `${inputs.service} is locked by another deploy (${by})`, {next: 'Wait for it, or set lock-wait to queue behind it.'});
    }
    logger.info(`Waiting for the lock held by ${by}`);
    await clock.sleep(lockPollMs);
  }
}

/** Deletes the lock when this run holds it; `false` when it does not (another run's, or none). */
export async function unlock(api: EngineApi, service: string, token: string, lockId?: string): Promise<boolean> {
  // The config this run created: its ID is the proof of whose lock it is, in one call.
  // A 404 is a lock already gone; any other failure throws, so that the lock is not forgotten and the post step
  // tries again.
  if (lockId !== undefined) {
    const deleted = await api.request('DELETE', `/configs/${lockId}`);
    if (deleted.status === 404) return false;
    if (deleted.status < 200 || deleted.status >= 300)
      throw new RemoteError(api.where, 'could not release the deploy lock', {remoteOutput: engineMessage(deleted)});
    return true;
  }
  const response = await api.request('GET', `/configs/${lockConfigName(service)}`);
  if (response.status === 404) return false;
  if (response.status < 200 || response.status >= 300)
    throw new RemoteError(api.where, 'could not read the deploy lock', {remoteOutput: engineMessage(response)});
  const config = JSON.parse(response.body) as {ID: string; Spec: {Labels?: Record<string, string>}};
  if (config.Spec.Labels?.[tokenLabel] !== token) return false;
  await requestJson(api, 'could not release the deploy lock', 'DELETE', `/configs/${config.ID}`);
  return true;
}

async function createSecrets(api: EngineApi, inputs: DeployInputs, version: string) {
  const made: ReleaseRecord['secrets'] = [];
  const suffix = randomBytes(4).toString('hex');
  for (const [key, value] of inputs.secrets) {
    const name = secretName(inputs.service, version, key, suffix);
    const created = await requestJson<{ID: string}>(api, `could not create the secret ${secretLabel(name)}`, 'POST', '/secrets/create', {
      body: {Name: name, Labels: {[serviceLabel]: inputs.service, [versionLabel]: version}, Data: Buffer.from(value).toString('base64')},
    });
    made.push({key, name, id: created.ID});
  }
  return made;
}

async function writeRelease(api: EngineApi, service: string, record: ReleaseRecord): Promise<void> {
  const name = releaseConfigName(service, record.version);
  // Configs cannot change: a redeploy of a version replaces its record.
  const existing = await api.request('GET', `/configs/${name}`);
  if (existing.status === 200) await requestJson(api, `could not replace the release record ${name}`, 'DELETE', `/configs/${name}`);
  await requestJson(api, `could not write the release record ${name}`, 'POST', '/configs/create', {
    body: {Name: name, Labels: {[serviceLabel]: service, [versionLabel]: record.version}, Data: Buffer.from(JSON.stringify(record)).toString('base64')},
  });
}

async function readRelease(api: EngineApi, service: string, version: string, input: 'rollback' | 'rollback-to'): Promise<ReleaseRecord> {
  const response = await api.request('GET', `/configs/${releaseConfigName(service, version)}`);
  if (response.status === 404) {
    throw new ConfigError(
      input,
      `${input === 'rollback' ? 'goes back to' : 'names'} ${version}, which the swarm keeps no release of`,
      'Name one of the last retain releases in rollback-to (docker config ls on the manager lists them).',
    );
  }
  return JSON.parse(Buffer.from((JSON.parse(response.body) as {Spec: {Data: string}}).Spec.Data, 'base64').toString()) as ReleaseRecord;
}

async function inspectImage(api: EngineApi, image: string, auth: string | undefined) {
  // The manager pulls first: its own task needs the image anyway, and the inspect needs it present.
  // The answer is a stream of JSON progress lines; a failure mid-pull is a line with "error", under a 200.
  const pulled = await api.request('POST', `/images/create?fromImage=${encodeURIComponent(image)}`, {registryAuth: auth});
  const failure = pulled.body.split('\n').find(line => line.includes('"error"'));
  if (pulled.status !== 200 || failure) throw new RemoteError(api.where, `could not pull ${image}`, {remoteOutput: failure ?? engineMessage(pulled)});
  const inspected = await requestJson<{Config: {Entrypoint?: string[] | null; Cmd?: string[] | null}}>(
    api,
    `could not inspect ${image}`,
    'GET',
    `/images/${encodeURIComponent(image)}/json`,
  );
  return {Entrypoint: inspected.Config.Entrypoint ?? [], Cmd: inspected.Config.Cmd ?? []};
}

interface FollowResult {
  /** failed: a task failed after the deploy restarted Swarm's update, which Swarm can then not roll back. */
  outcome: 'completed' | 'rolled-back' | 'paused' | 'failed' | 'timed-out';
  runningOn: string[];
  lost: string[];
  failure: string | undefined;
}

async function follow(
  api: EngineApi,
  name: string,
  version: string,
  settings: {
    created: boolean;
    startedBefore: string | undefined;
    deadlineMs: number;
    rollingBack: boolean;
    monitorMs: number;
    auth: string | undefined;
  },
  collaborators: SwarmCollaborators,
): Promise<FollowResult> {
  const {clock, logger} = collaborators;
  const deadline = clock.now() + settings.deadlineMs;
  const seen = new Map<string, string>();
  const histories = new Map<string, TaskHistory>();
  const messages = new Set<string>();
  let convergedSince: number | undefined;
  const stalledSeen = new Set<string>();
  // The nodes the deploy restarted Swarm's update without, once it has.
  let restartedWithout: string | undefined;
  for (;;) {
    // Swarm goes on with the update by itself; a cancelled deploy stops following it and releases the lock.
    throwIfCancelled(collaborators.signal);
    const [service, nodes, tasks] = await Promise.all([
      requestJson<SwarmService>(api, `could not read ${name}`, 'GET', `/services/${name}`),
      readNodes(api),
      requestJson<SwarmTask[]>(api, `could not list the tasks of ${name}`, 'GET', `/tasks?filters=${encodeURIComponent(JSON.stringify({service: [name]}))}`),
    ]);
    const nodeNames = new Map(nodes.map(node => [node.ID, node.Description.Hostname]));
    for (const task of tasks) {
      const line = describeTask(task, nodeNames);
      if (seen.get(task.ID) !== line) logger.info(line);
      seen.set(task.ID, line);
    }
    const state = convergence(tasks, nodes, version);
    const outcome = settings.created ? (state.converged ? 'completed' : 'running') : updateOutcome(service, settings.startedBefore);
    // Swarm keeps a few tasks of history, and a failed one can be gone by the end: the error names all that were seen.
    recordTasks(histories, tasks, nodeNames);
    const message = service.UpdateStatus?.Message;
    if (message && !message.endsWith('in progress') && service.UpdateStatus?.StartedAt !== settings.startedBefore) messages.add(message);
    const failed = failedTasks(histories, version);
    if (outcome === 'completed') {
      const done = convergence(tasks, nodes, settings.rollingBack ? (service.Spec.Labels?.[versionLabel] ?? version) : version);
      // Swarm can complete while a node whose engine went after its task ran is not down yet for it, and runs
      // nothing. It is waited for (to the deadline) until it runs the release or Swarm sees it down, lost.
      if (done.converged) return {outcome, ...done, failure: undefined};
    }
    if (outcome === 'rolled-back') {
      if (settings.rollingBack) return {outcome: 'completed', ...convergence(tasks, nodes, service.Spec.Labels?.[versionLabel] ?? version), failure: undefined};
      return {
        outcome,
        ...state,
        failure: `${version} failed and Swarm rolled back (${[...messages].join('; ')}): ${failed.join('; ') || 'no task error seen'}`,
      };
    }
    // The tasks Swarm's first update made on down nodes end when the nodes are back: no failure of the release.
    const failedOnReady = failedTasks(settledTasks(histories, stalledSeen), version, state.lost);
    if (restartedWithout !== undefined && (outcome === 'paused' || failedOnReady.length > 0)) {
      // The restarted update pauses on a failed task, or (with no node left to update) no update watches the tasks.
      const tasks = failedOnReady.join('; ') || service.UpdateStatus?.Message || 'no task error seen';
      return {outcome: 'failed', ...state, failure: `${version} failed after its update went on without ${restartedWithout}: ${tasks}`};
    }
    if (outcome === 'paused')
      return {outcome, ...state, failure: `the update paused: ${service.UpdateStatus?.Message ?? ''}${failed.length ? `; ${failed.join('; ')}` : ''}`};
    const stalled = outcome === 'running' && !settings.created ? stalledOn(tasks, nodes, version) : [];
    if (stalled.some(task => !stalledSeen.has(task.id))) {
      for (const task of stalled) stalledSeen.add(task.id);
      if (await restartUpdate(api, name, version, stalled, settings.auth)) {
        restartedWithout = [...new Set(stalled.map(task => task.node))].join(', ');
        logger.info(`${restartedWithout}: down before its task of ${version} ran; Swarm's update, which would wait there, goes on without it`);
      }
    }
    // Every ready node on the version through the monitor window, no task failed but on a lost node: what this
    // deploy can know. It ends there and names the lost nodes, which Swarm starts the release on when they are back.
    // After a restart with no node left to update, Swarm keeps no update status at all: the same holds, lost nodes or
    // (when they are back and run the release) none.
    const onReadyNodes =
      !settings.created && outcome === 'running' && state.converged && (state.lost.length > 0 || restartedWithout !== undefined) && failedOnReady.length === 0;
    convergedSince = onReadyNodes ? (convergedSince ?? clock.now()) : undefined;
    if (convergedSince !== undefined && clock.now() - convergedSince >= settings.monitorMs) return {outcome: 'completed', ...state, failure: undefined};
    if (clock.now() >= deadline) {
      return {
        outcome: 'timed-out',
        ...state,
        failure: `${version} did not converge within ${Math.round(settings.deadlineMs / 1000)}s${failed.length ? `: ${failed.join('; ')}` : ''}`,
      };
    }
    await clock.sleep(pollMs);
  }
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled();
}

/** Swarm's monitor window: the watch input, or Swarm's own default of 5 s. */
function monitorOf(inputs: Pick<DeployInputs, 'watchMs'>): number {
  return inputs.watchMs > 0 ? inputs.watchMs : 5000;
}

/** Long enough for every node in turn to boot, pass its health check and be watched, plus the old task's stop. */
export function followDeadline(inputs: Pick<DeployInputs, 'healthTimeoutMs' | 'watchMs' | 'roles'>, nodes: number): number {
  const stop = Math.max(...inputs.roles.map(role => role.stopTimeoutMs));
  return Math.max(1, nodes) * (inputs.healthTimeoutMs + monitorOf(inputs) + stop) + 60_000;
}

/**
 * Starts Swarm's update of `version` again, now without the down nodes of the `stalled` tasks it was waiting for.
 * Any change of the spec does (swarmkit starts a new update for a new spec, and leaves down nodes out); this one
 * changes no task. The tasks the first update made there are not the new update's, so their end when the nodes are
 * back is no failure of it. Swarm's previous spec becomes the release's own, so Swarm could only "roll back" to the
 * release itself: the update pauses on a failure instead, and the deploy rolls the role back. Returns false when
 * Swarm has meanwhile moved the service off `version` (it rolled back), which is left alone.
 */
async function restartUpdate(api: EngineApi, name: string, version: string, stalled: readonly StalledTask[], auth: string | undefined): Promise<boolean> {
  const down = [...new Set(stalled.map(task => task.node))].join(',');
  // The tasks waited for, not just their nodes: a node down again with a new task must change the spec again.
  const waitedFor = stalled.map(task => `${task.node}:${task.id.slice(0, 12)}`).join(',');
  return updateService(
    api,
    name,
    `could not restart ${name}'s update without ${down}`,
    '',
    latest => {
      // Read again on each attempt: a rollback by Swarm is what makes an update out of sequence.
      if (latest.Spec.Labels?.[versionLabel] !== version) throw movedOff;
      const spec = latest.Spec as SwarmService['Spec'] & {UpdateConfig?: object};
      return {
        ...spec,
        Labels: {
          ...spec.Labels,
          [restartedWithoutLabel]: waitedFor,
          // Swarm's previous spec is now this release's own; the one before is named for a rollback to find.
          [versionBeforeLabel]: spec.Labels?.[versionBeforeLabel] ?? latest.PreviousSpec?.Labels?.[versionLabel] ?? '',
        },
        UpdateConfig: {...spec.UpdateConfig, FailureAction: 'pause'},
      };
    },
    auth,
  ).then(
    () => true,
    error => {
      if (error === movedOff) return false;
      throw error;
    },
  );
}

const movedOff = new Error('Swarm moved the service off the release');

/**
 * The release a service ran before a deploy that restarted its update, while Swarm's previous spec is that deploy's
 * own (once Swarm has rolled back past it, its previous spec says again).
 */
function versionBeforeRestart(service: SwarmService | undefined): string | undefined {
  const labels = service?.Spec.Labels;
  return labels?.[versionBeforeLabel] && service?.PreviousSpec?.Labels?.[versionLabel] === labels[versionLabel] ? labels[versionBeforeLabel] : undefined;
}

/**
 * Updates the service at the version it has now, read just before: Swarm bumps it too while it finishes an update
 * (a node that came back), so an update found out of sequence is read again and sent again. Returns what it read.
 */
async function updateService(
  api: EngineApi,
  name: string,
  what: string,
  query: string,
  bodyOf: (fresh: SwarmService) => unknown,
  registryAuth: string | undefined,
): Promise<SwarmService> {
  for (let attempt = 1; ; attempt++) {
    const fresh = await findService(api, name);
    if (!fresh) throw new RemoteError(api.where, `${what}: the service is gone`);
    const response = await api.request('POST', `/services/${fresh.ID}/update?version=${fresh.Version.Index}${query}`, {body: bodyOf(fresh), registryAuth});
    if (response.status < 300) return fresh;
    if (attempt < 3 && response.body.includes('update out of sequence')) continue;
    throw new RemoteError(api.where, what, {remoteOutput: engineMessage(response)});
  }
}

/**
 * Removes the secrets and release records of releases beyond `retain` (a secret in use stays: Swarm refuses), and the
 * secrets of an earlier deploy of the live version, which its record no longer names.
 */
async function prune(api: EngineApi, service: string, retain: number, live: ReleaseRecord, logger: Logger): Promise<void> {
  const filter = encodeURIComponent(JSON.stringify({label: [`${serviceLabel}=${service}`]}));
  type Item = {ID: string; CreatedAt: string; Spec: {Name: string; Labels?: Record<string, string>}};
  const [configs, secrets] = await Promise.all([
    requestJson<Item[]>(api, 'could not list the release records', 'GET', `/configs?filters=${filter}`),
    requestJson<Item[]>(api, 'could not list the secrets', 'GET', `/secrets?filters=${filter}`),
  ]);
  const releases = configs.filter(config => config.Spec.Name.startsWith(`${service}.release.`)).sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt));
  const kept = new Set([live.version, ...releases.slice(0, retain).map(config => config.Spec.Labels?.[versionLabel])]);
  const liveSecrets = new Set(live.secrets.map(secret => secret.name));
  const stale = (item: Item, kind: string) =>
    !kept.has(item.Spec.Labels?.[versionLabel]) ||
    (kind === 'secrets' && item.Spec.Labels?.[versionLabel] === live.version && !liveSecrets.has(item.Spec.Name));
  for (const item of [...releases.map(config => ({...config, kind: 'configs'})), ...secrets.map(secret => ({...secret, kind: 'secrets'}))]) {
    if (!stale(item, item.kind)) continue;
    const response = await api.request('DELETE', `/${item.kind}/${item.ID}`);
    if (response.status < 300) logger.info(`Removed ${item.kind === 'secrets' ? `the secret ${secretLabel(item.Spec.Name)}` : item.Spec.Name}`);
  }
}

/** X-Registry-Auth, so that every node can pull the image (the CLI's --with-registry-auth). */
function registryAuthHeader(inputs: DeployInputs, image: string): string | undefined {
  if (!inputs.registryUsername || !inputs.registryPassword) return undefined;
  const serveraddress = image.split('/')[0];
  return (
    Buffer.from(JSON.stringify({username: inputs.registryUsername, password: inputs.registryPassword, serveraddress}))
      .toString('base64')
      // Go's base64.URLEncoding, as the engine decodes it: URL-safe, with padding (Node's base64url has none).
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
  );
}

/** Per node: deployed when every role's new task runs there, not-started when the node is down. */
function reportHosts(nodes: readonly SwarmNode[], services: readonly RoleService[], before: string | undefined, version: string): HostReport[] {
  const followed = services.filter(service => service.result);
  return nodes.map(node => {
    const hostname = node.Description.Hostname;
    const deployed = followed.length === services.length && followed.every(service => service.result?.runningOn.includes(hostname));
    const rolledBack = followed.some(service => service.result?.outcome === 'rolled-back');
    const lost = followed.some(service => service.result?.lost.includes(hostname));
    return {
      host: hostname,
      status: rolledBack ? 'rolled-back' : deployed ? 'deployed' : lost ? 'not-started' : 'failed',
      before,
      after: deployed ? version : before,
      phases: Object.fromEntries(followed.map(service => [service.role.name === '' ? 'switch' : `${service.role.name}:switch`, service.elapsedMs ?? 0])),
    };
  });
}

/** Sends each role back to the spec before this deploy and follows it there; returns the roles that went back. */
async function rollBackMoved(
  api: EngineApi,
  moved: readonly RoleService[],
  auth: string | undefined,
  inputs: DeployInputs,
  nodes: number,
  collaborators: SwarmCollaborators,
) {
  const wentBack: RoleService[] = [];
  for (const service of moved) {
    const what = `could not roll ${service.name} back`;
    const before = service.current?.Spec as (SwarmService['Spec'] & {RollbackConfig?: object}) | undefined;
    const now = await findService(api, service.name)
      .then(fresh =>
        // Swarm's previous spec is the one before this deploy, unless the deploy restarted Swarm's update: then the
        // spec read before is sent, rolled out as Swarm rolls back.
        fresh?.Spec.Labels?.[restartedWithoutLabel] === undefined || !before
          ? updateService(api, service.name, what, '&rollback=previous', latest => latest.Spec, auth)
          : updateService(api, service.name, what, '', () => ({...before, UpdateConfig: before.RollbackConfig}), auth),
      )
      .catch(error => {
        collaborators.logger.warning(`${service.name}: ${errorMessage(error)}`);
        return undefined;
      });
    if (!now) continue;
    const back = await follow(
      api,
      service.name,
      service.current?.Spec.Labels?.[versionLabel] ?? '',
      {
        created: false,
        startedBefore: now.UpdateStatus?.StartedAt,
        deadlineMs: followDeadline(inputs, nodes),
        rollingBack: true,
        monitorMs: monitorOf(inputs),
        auth,
      },
      collaborators,
    );
    if (back.failure) collaborators.logger.warning(`${service.name}: rolling back failed too (${back.failure}).`);
    else wentBack.push(service);
  }
  return wentBack;
}
