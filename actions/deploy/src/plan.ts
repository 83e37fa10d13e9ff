import {FailureWithOutputs, formatBytes} from '@circuitverse/shared';
import type {EnvKeys, ImagePresence, LockHolder, PlanFacts} from './deploy-host.js';
import {containersToMeasure, type HostDeployment, largestMemoryNeed, type MemoryNeed, type RoleServing} from './host-deployment.js';
import type {DeployInputs} from './inputs.js';
import {
  type HistoryEntry,
  planBatches,
  previousRelease,
  type Release,
  resourceAttributesVariable,
  retainedReleases,
  rollbackTarget,
  versionOf,
} from './release.js';
import {planRoleOrder, runsOn} from './roles.js';
import {connectAll, type DeployCollaborators, refuseUnknownRoles, registryAuth, rollingBack} from './run.js';

/** A release as a plan names it: with the registry digest of its image, when the host or the registry told. */
export interface PlannedRelease extends Release {
  digest: string | undefined;
}

/** What a deploy (or a rollback) would do on one host, and what stands in its way. */
export interface HostPlan {
  host: string;
  serving: PlannedRelease | undefined;
  /** What would serve after; `undefined` for a rollback with nowhere to go. */
  next: PlannedRelease | undefined;
  /** `pullBytes`: 0 when present, the compressed layers when the registry said, else `undefined`. */
  image: {present: boolean; pullBytes: number | undefined};
  /** Env keys the release would start with that the serving one has not, and the other way; `unknown` says why not. */
  env: {added: string[]; removed: string[]} | {unknown: string};
  disk: {dockerRoot: string; availableBytes: number} | undefined;
  memory: {availableBytes: number; need: MemoryNeed | undefined};
  /** After a deploy, where a rollback would go and whether its image and env file would be kept; for a rollback, `undefined`. */
  rollback: {version: string; kept: boolean} | undefined;
  lockedBy: Partial<LockHolder> | undefined;
  /** Why the deploy would be refused here, in words. */
  problems: string[];
}

export interface DeployPlan {
  service: string;
  mode: 'deploy' | 'rollback';
  hosts: HostPlan[];
  /** Per role in the order they move, the hosts of each batch. */
  batches: Array<{role: string; batches: string[][]}>;
  /** Every host's problems, `host: problem`, and those between hosts. */
  problems: string[];
}

/** What the reader found on one host: the state, as a deploy adopts it, and the plan script's facts. */
export interface HostReading {
  host: string;
  history: HistoryEntry[];
  serving: Release | undefined;
  roles: RoleServing[];
  /** The deploy's image, or the host's rollback target; `undefined` for a rollback with none. */
  target: Release | undefined;
  facts: PlanFacts;
  memory: {availableBytes: number; usage: ReadonlyMap<string, number>};
}

/** A plan that found the deploy would be refused; the plan is still the step's output. */
export class PlanRefused extends FailureWithOutputs<DeployPlan> {}

/** The plan, from what each host runs and has: pure, so that every case is a unit test. */
export function planDeploy(inputs: DeployInputs, readings: HostReading[]): DeployPlan {
  const mode = rollingBack(inputs) ? 'rollback' : 'deploy';
  const newKeys = [...inputs.env.keys(), ...inputs.secrets.keys()];
  const hosts = readings.map((reading, index): HostPlan => {
    const {facts, target} = reading;
    const problems: string[] = [];
    const present = facts.image !== undefined;
    const pullBytes = present ? 0 : mode === 'deploy' ? facts.manifest?.layerBytes : undefined;
    if (mode === 'rollback') {
      if (!target) problems.push(inputs.rollbackTo ? `never ran ${inputs.rollbackTo}` : 'has no earlier release to go back to');
      else if (!present) problems.push(`no longer has ${target.image}`);
    }
    // The pre-deploy runs on the first host, beside what serves there.
    const preDeployLimit =
      mode === 'deploy' && inputs.preDeploy !== undefined && index === 0
        ? (inputs.container.memoryBytes ?? inputs.roles.find(role => role.traffic)?.memoryBytes)
        : undefined;
    const need = largestMemoryNeed(reading.roles, reading.memory.usage, preDeployLimit);
    if (need && need.bytes > reading.memory.availableBytes) {
      problems.push(
        `has ${formatBytes(reading.memory.availableBytes, 'binary')} of memory available, and starting ${need.why} needs ${formatBytes(need.bytes, 'binary')}`,
      );
    }
    if (facts.disk && pullBytes !== undefined && pullBytes > facts.disk.availableBytes) {
      problems.push(
        `has ${formatBytes(facts.disk.availableBytes, 'binary')} free in ${facts.disk.dockerRoot}, less than the ${formatBytes(pullBytes, 'binary')} to pull`,
      );
    }
    return {
      host: reading.host,
      serving: reading.serving && {...reading.serving, digest: digestOf(reading.serving, facts.servingImage)},
      next: target && {...target, digest: digestOf(target, facts.image) ?? facts.manifest?.digest},
      image: {present, pullBytes},
      env: compareEnv(reading.serving, facts, mode === 'rollback' && facts.targetEnv && 'keys' in facts.targetEnv ? facts.targetEnv.keys : newKeys),
      disk: facts.disk,
      memory: {availableBytes: reading.memory.availableBytes, need},
      rollback: mode === 'deploy' && target ? rollbackAfter(reading.history, target, inputs.retain) : undefined,
      lockedBy: facts.lockHolder,
      problems,
    };
  });
  const problems = hosts.flatMap(host => host.problems.map(problem => `${host.host} ${problem}`));
  const versions = new Set(hosts.flatMap(host => (host.next ? [host.next.version] : [])));
  if (mode === 'rollback' && versions.size > 1) {
    problems.push(
      `The hosts would go back to different releases (${hosts.map(host => `${host.host} ${host.next?.version ?? 'nothing'}`).join(', ')}): name one with rollback-to.`,
    );
  }
  return {
    service: inputs.service,
    mode,
    hosts,
    batches: planRoleOrder(inputs.roles).map(role => ({
      role: role.name,
      batches: planBatches(
        readings.filter(reading => runsOn(role, reading.host)).map(reading => reading.host),
        inputs.batchSize,
      ),
    })),
    problems,
  };
}

// The registry digest the host pulled the image by; an image pinned by digest says it itself.
function digestOf(release: Release, presence: ImagePresence | undefined): string | undefined {
  const pinned = release.image.includes('@') ? release.image.slice(release.image.indexOf('@') + 1) : undefined;
  return pinned ?? presence?.repoDigests[0]?.slice(presence.repoDigests[0].indexOf('@') + 1);
}

function compareEnv(serving: Release | undefined, facts: PlanFacts, keys: string[]): HostPlan['env'] {
  if (!serving) return {added: [...keys].sort(), removed: []};
  const known: EnvKeys | undefined = facts.servingEnv;
  if (!known || !('keys' in known)) return {unknown: `the env file of ${serving.version} is ${known && 'missing' in known ? known.missing : 'not known'}`};
  // The deploy writes OTEL_RESOURCE_ATTRIBUTES itself when the inputs do not: it is never a key they removed.
  const servingKeys = known.keys.filter(key => key !== resourceAttributesVariable || keys.includes(key));
  return {added: keys.filter(key => !servingKeys.includes(key)).sort(), removed: servingKeys.filter(key => !keys.includes(key)).sort()};
}

// After the deploy the history ends with the target (the cutover adds no line for the version it ends with already).
function rollbackAfter(history: HistoryEntry[], target: Release, retain: number): HostPlan['rollback'] {
  const after = history.at(-1)?.version === target.version ? history : [...history, target];
  const previous = previousRelease(after, target.version);
  if (!previous) return undefined;
  return {version: previous.version, kept: retainedReleases(after, retain).some(release => release.version === previous.version)};
}

/**
 * Runs every read-only step of the deploy and changes nothing: connects (host keys verified), reads what each host
 * runs and has, and reports what a deploy with these inputs would do, as the job summary and the `plan` output.
 */
export async function plan(inputs: DeployInputs, collaborators: DeployCollaborators): Promise<DeployPlan> {
  const {logger} = collaborators;
  const hosts = await logger.group('Connect', () => connectAll(inputs, collaborators));
  try {
    refuseUnknownRoles(inputs, hosts);
    const readings = await logger.group('Read', () => Promise.all(hosts.map(host => readHost(host, inputs))));
    const result = planDeploy(inputs, readings);
    for (const host of result.hosts)
      logger.info(`${host.host}: ${host.serving?.version ?? 'nothing'} → ${host.next?.version ?? 'nothing'}${describeImage(host)}`);
    await logger.summary(renderPlan(result));
    if (result.problems.length) throw new PlanRefused(new Error(`The ${result.mode} would be refused: ${result.problems.join('; ')}`), result);
    return result;
  } finally {
    for (const host of hosts) host.close();
  }
}

async function readHost(host: HostDeployment, inputs: DeployInputs): Promise<HostReading> {
  // The connect read the state already.
  const serving = host.originalRelease;
  const target = rollingBack(inputs)
    ? rollbackTarget(host.history, serving?.version, inputs.rollbackTo)
    : {version: versionOf(inputs.image as string), image: inputs.image as string};
  const roles = host.servingByRole;
  const [facts, memory] = await Promise.all([
    host.host.readPlanFacts({
      image: target?.image ?? '',
      pull: !rollingBack(inputs),
      servingImage: serving?.image,
      servingVersion: serving?.version,
      targetVersion: rollingBack(inputs) ? target?.version : undefined,
      auth: registryAuth(inputs),
    }),
    host.host.readMemory(containersToMeasure(roles)),
  ]);
  return {host: host.label, history: host.history, serving, roles, target, facts, memory};
}

function describeImage(host: HostPlan): string {
  if (host.image.present) return ', image present';
  return host.image.pullBytes === undefined ? ', image not present, size unknown' : `, ${formatBytes(host.image.pullBytes, 'decimal')} to pull`;
}

function describeImagePresence(mode: DeployPlan['mode'], host: HostPlan): string {
  // A rollback pulls nothing: it needs the image the host kept.
  if (mode === 'rollback') return host.image.present ? 'kept on the host' : 'no longer on the host';
  if (host.image.present) return 'present, nothing to pull';
  return `not present, ${host.image.pullBytes === undefined ? 'size unknown' : `${formatBytes(host.image.pullBytes, 'decimal')} to pull (compressed layers)`}`;
}

function describeRelease(release: PlannedRelease | undefined): string {
  if (!release) return '—';
  return `${release.version} (\`${release.image}\`${release.digest && !release.image.includes('@') ? `, \`${release.digest}\`` : ''})`;
}

function describeEnv(env: HostPlan['env']): string {
  if ('unknown' in env) return `not compared: ${env.unknown}`;
  const parts = [
    ...(env.added.length ? [`added ${env.added.map(key => `\`${key}\``).join(', ')}`] : []),
    ...(env.removed.length ? [`removed ${env.removed.map(key => `\`${key}\``).join(', ')}`] : []),
  ];
  return parts.join('; ') || 'same keys';
}

/** The job summary: a table per host, then the batches, then what would refuse the deploy. */
export function renderPlan(plan: DeployPlan): string {
  const lines = [`### Plan: ${plan.mode} ${plan.service}`, ''];
  const outcome = plan.problems.length ? `**Would be refused**: ${plan.problems.join('; ')}` : `The ${plan.mode} would go ahead.`;
  lines.push(`${outcome} Nothing was changed on any host.`, '');
  for (const host of plan.hosts) {
    const rows: Array<[string, string]> = [
      ['serving', describeRelease(host.serving)],
      ['would serve', describeRelease(host.next)],
      ['image', describeImagePresence(plan.mode, host)],
      ['env', describeEnv(host.env)],
      ['disk', host.disk ? `${formatBytes(host.disk.availableBytes, 'binary')} free in \`${host.disk.dockerRoot}\`` : 'not known'],
      [
        'memory',
        `${formatBytes(host.memory.availableBytes, 'binary')} available${host.memory.need ? `; ${host.memory.need.why} needs ${formatBytes(host.memory.need.bytes, 'binary')}` : ''}`,
      ],
    ];
    if (plan.mode === 'deploy')
      rows.push(['rollback after', host.rollback ? `${host.rollback.version}${host.rollback.kept ? '' : ' (pruned by retain)'}` : 'none']);
    if (host.lockedBy)
      rows.push([
        'lock',
        `held by ${host.lockedBy.actor ?? 'someone'} since ${host.lockedBy.since ?? 'an unknown time'} (${host.lockedBy.runUrl ?? 'no run URL'})`,
      ]);
    if (host.problems.length) rows.push(['refused', host.problems.join('; ')]);
    lines.push(`#### ${host.host}`, '', '| | |', '| --- | --- |', ...rows.map(([name, value]) => `| ${name} | ${value.replaceAll('|', '\\|')} |`), '');
  }
  lines.push('#### Batches', '', '| role | batch | hosts |', '| --- | --- | --- |');
  for (const role of plan.batches) {
    for (const [index, batch] of role.batches.entries())
      lines.push(`| ${role.role || 'service'} | ${index + 1}/${role.batches.length} | ${batch.join(', ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
