import {type Clock, errorMessage, formatBytes, type Logger, RemoteError, type Span, type Tracer} from '@circuitverse/shared';
import {type ContainerSpec, CutoverError, type HostState, type LockHolder, type RegistryAuth, type ServiceContainer, type ServiceHost} from './deploy-host.js';
import {type MonitSettings, planMonitChecks, writtenCheckNames} from './monit.js';
import {prunableImages, pullDiskNeed, type Release, retainedReleases} from './release.js';
import type {Role} from './roles.js';
import {type PhaseTimes, type SwitchSettings, switchRelease, timed} from './switch-release.js';

export interface HostReport {
  host: string;
  status: 'deployed' | 'failed' | 'rolled-back' | 'not-started';
  before: string | undefined;
  after: string | undefined;
  phases: PhaseTimes;
  /** Images of releases beyond `retain` that the disk check removed to make room for the pull. */
  pruned?: string[];
}

/** One role on one host: the containers of it that run there, and which of them this deploy started. */
interface RoleSlot {
  role: Role;
  spec: ContainerSpec;
  /** The role's container that served before this deploy, and where a rollback of the role goes back to. */
  original: ServiceContainer | undefined;
  /** The container doing the role's work now, when it is known. */
  serving: ServiceContainer | undefined;
  /** What this deploy knows runs of the role on the host: the state it adopted, then what each switch changed. */
  containers: ServiceContainer[];
  /** This deploy's release does the role's work (or a stop-first role's old container went): a rollback must undo it. */
  switched: boolean;
}

/**
 * One host's part in a deploy, and the one owner of its state: what served before, what serves now per role, whether
 * each role has moved, and how to move it back. The orchestrator only calls its phases.
 */
export class HostDeployment {
  readonly report: HostReport;
  private state: HostState = {containers: [], runningPreDeploys: [], upstreamPort: undefined, upstreamFile: undefined, history: []};
  /** The release that served before this deploy: where a rollback of this host goes back to. */
  private original: Release | undefined;
  private readonly slots: RoleSlot[];
  /** Running containers of roles the deploy's inputs do not name: the deploy refuses to go on (see `unknownRoles`). */
  private strays: ServiceContainer[] = [];
  private readonly findingsSaid = new Set<string>();
  /** The Monit checks each switch here keeps quiet, once checkMonit found them; `undefined` without the monit input. */
  private monit: {settings: MonitSettings; checks: string[]} | undefined;

  constructor(
    readonly host: ServiceHost,
    private readonly settings: SwitchSettings,
    roles: ReadonlyArray<{role: Role; spec: ContainerSpec}>,
    private readonly collaborators: {logger: Logger; clock: Clock; tracer: Tracer},
  ) {
    this.report = {host: host.label, status: 'not-started', before: undefined, after: undefined, phases: {}};
    this.slots = roles.map(({role, spec}) => ({role, spec, original: undefined, serving: undefined, containers: [], switched: false}));
  }

  get label(): string {
    return this.host.label;
  }

  get history(): HostState['history'] {
    return this.state.history;
  }

  /** What serves now: the traffic role's release, or the first role's. */
  get servingVersion(): string | undefined {
    return (this.slots.find(slot => slot.role.traffic && slot.serving) ?? this.slots.find(slot => slot.serving))?.serving?.version;
  }

  get originalRelease(): Release | undefined {
    return this.original;
  }

  get runningPreDeploys(): string[] {
    return this.state.runningPreDeploys;
  }

  /**
   * The roles running here that the inputs do not name. A rollback workflow that left out `roles` would otherwise
   * start one container of the image's command and stop nothing else: the hosts would end on two releases.
   */
  get unknownRoles(): string[] {
    return [...new Set(this.strays.map(container => container.role || '(none: deployed without roles)'))];
  }

  /** This deploy's containers doing each role's work here: what the watch after the switch probes and inspects. */
  get switchedContainers(): Array<{role: Role; container: ServiceContainer}> {
    return this.slots.flatMap(slot => (slot.switched && slot.serving ? [{role: slot.role, container: slot.serving}] : []));
  }

  /** Whether `role` runs on this host. */
  runs(role: Role): boolean {
    return this.slots.some(slot => slot.role === role);
  }

  /** Takes what the host runs now as the starting point, and says what an interrupted deploy left behind. */
  adopt(state: HostState): void {
    this.state = state;
    const claimed = new Set<ServiceContainer>();
    for (const slot of this.slots) {
      // A service first deployed without roles has unlabelled containers: they become its traffic role's (or first role's).
      const legacy = slot === (this.slots.find(other => other.role.traffic) ?? this.slots[0]) ? [''] : [];
      slot.containers = state.containers.filter(container => container.role === slot.role.name || legacy.includes(container.role));
      for (const container of slot.containers) claimed.add(container);
      slot.serving = findServing(state, slot.containers, slot.role.traffic);
      slot.original = slot.serving;
    }
    this.strays = state.containers.filter(container => container.running && !claimed.has(container));
    const serving =
      this.servingVersion === undefined ? undefined : this.slots.map(slot => slot.serving).find(container => container?.version === this.servingVersion);
    const last = state.history.at(-1);
    this.original = serving ? {version: serving.version, image: serving.image} : last && {version: last.version, image: last.image};
    this.report.before = this.original?.version;
    this.report.after = this.describeAfter();
    const findings = [
      ...this.slots.flatMap(slot =>
        describeLeftovers(state, slot.containers, slot.serving, slot.role.traffic).map(finding =>
          slot.role.name === '' ? finding : `${slot.role.name}: ${finding}`,
        ),
      ),
    ];
    // Said once: a rollback adopts the state at connect and again under the lock, a lock-wait at every round.
    for (const finding of findings) {
      if (this.findingsSaid.has(finding)) continue;
      this.findingsSaid.add(finding);
      this.collaborators.logger.warning(`${this.label}: ${finding}`);
    }
  }

  /** Runs one phase on this host: timed in the report, and a span of the trace. */
  timed<T>(phase: string, work: (span: Span) => Promise<T>): Promise<T> {
    return this.collaborators.tracer.span(phase, {'server.address': this.label}, span =>
      timed(this.report.phases, phase, this.collaborators.clock, () => work(span)),
    );
  }

  pull(image: string, auth: RegistryAuth | undefined): Promise<void> {
    return this.timed('pull', () => this.host.pull(image, auth));
  }

  /** Takes the lock and adopts the state it protects; returns who holds it instead, if anyone. */
  async lock(token: string, holder: LockHolder): Promise<Partial<LockHolder> | undefined> {
    const result = await this.host.lock(token, holder, this.settings.upstreamFile);
    if ('heldBy' in result) return result.heldBy;
    this.adopt(result.state);
    return undefined;
  }

  /**
   * What starting each start-first role's new container beside its old one needs, against what the host has free
   * (see largestMemoryNeed); so does the pre-deploy's limit on the host that runs it.
   */
  async checkMemory(preDeployLimit: number | undefined): Promise<void> {
    const roles = this.servingByRole;
    const measured = containersToMeasure(roles);
    // Nothing to weigh: no limit, and nothing serving whose use would tell.
    if (measured.length === 0 && largestMemoryNeed(roles, new Map(), preDeployLimit) === undefined) return;
    const {availableBytes, usage} = await this.host.readMemory(measured);
    const largest = largestMemoryNeed(roles, usage, preDeployLimit);
    if (largest && largest.bytes > availableBytes) {
      throw new RemoteError(
        this.label,
        `has ${formatBytes(availableBytes, 'binary')} of memory available, and starting ${largest.why} needs ${formatBytes(largest.bytes, 'binary')}`,
        {
          next: "Nothing was changed. Free memory on the host, lower the role's memory, or give a worker role order: stop-first so its old container goes first.",
        },
      );
    }
  }

  /**
   * Whether the Engine's disk holds the image the deploy would pull (see pullDiskNeed). Short of room, it first
   * removes the images of releases this deploy would prune anyway, and says so; still short, it refuses with the
   * figures. An image already present, or a registry that will not say its size, is not weighed.
   */
  async checkDisk(target: Release, auth: RegistryAuth | undefined, retain: number): Promise<void> {
    const request = {image: target.image, pull: true, servingImage: undefined, servingVersion: undefined, targetVersion: undefined, auth};
    const facts = await this.host.readPlanFacts(request);
    if (facts.image || !facts.disk || !facts.manifest) return;
    const need = pullDiskNeed(facts.manifest.layerBytes);
    let available = facts.disk.availableBytes;
    if (need > available) {
      const prunable = prunableImages(this.state.history, target, retain, new Set(this.state.containers.map(container => container.image)));
      if (prunable.length) {
        this.collaborators.logger.info(
          `${this.label}: ${formatBytes(available, 'binary')} free in ${facts.disk.dockerRoot} is less than the ${formatBytes(need, 'binary')} the pull takes; removing ${prunable.join(', ')}, beyond retain: ${retain}`,
        );
        await this.host.removeImages(prunable);
        this.report.pruned = prunable;
        available = (await this.host.readPlanFacts({...request, pull: false})).disk?.availableBytes ?? available;
      }
    }
    if (need > available) {
      throw new RemoteError(
        this.label,
        `has ${formatBytes(available, 'binary')} free in ${facts.disk.dockerRoot}, and pulling ${target.image} takes about ${formatBytes(need, 'binary')} (${formatBytes(facts.manifest.layerBytes, 'binary')} of compressed layers, and what they unpack to)`,
        {
          next: `Nothing was changed${this.report.pruned ? ' but the removal of those old images' : ''}. Free disk there (docker image prune -a removes images no container uses), or lower retain.`,
        },
      );
    }
  }

  /** Each role here with the container doing its work now, as the memory check and the plan weigh them. */
  get servingByRole(): RoleServing[] {
    return this.slots.map(({role, serving}) => ({role, serving}));
  }

  /**
   * Removes containers that a failed or interrupted deploy left stopped. A running one stays until traffic has moved
   * off it: when nginx's upstream names no container, one of them may be the one it still serves.
   */
  async removeStoppedLeftovers(): Promise<void> {
    for (const slot of this.slots) {
      for (const container of slot.containers.filter(container => !container.running)) {
        this.collaborators.logger.info(`${this.label}: removing ${container.name} (${container.version}, stopped), left over from an earlier deploy`);
        await this.host.remove(container.name);
        slot.containers = slot.containers.filter(other => other !== container);
      }
    }
  }

  get hasStoppedLeftovers(): boolean {
    return this.slots.some(slot => slot.containers.some(container => !container.running));
  }

  /** Finds the Monit checks the switches here unmonitor (see planMonitChecks): before the lock, so a miss changes nothing. */
  async checkMonit(settings: MonitSettings | undefined): Promise<void> {
    if (!settings) return;
    const status = await this.host.readMonit();
    const checks = planMonitChecks(this.host.service, settings, status, this.label, {monitoredOnly: true});
    this.monit = {settings, checks};
    const off = planMonitChecks(this.host.service, settings, status, this.label).filter(name => !checks.includes(name));
    this.collaborators.logger.info(
      `${this.label}: Monit checks kept quiet during the switch: ${checks.length ? checks.join(', ') : 'none yet'}${off.length ? ` (left alone, not monitored: ${off.join(', ')})` : ''}`,
    );
  }

  /**
   * Starts `release` for `role` beside what serves, checks it and switches to it; on success only it does the role's
   * work. With the monit input, the service's Monit checks are unmonitored first and monitored again however the
   * switch ends, the check file rewritten for the new container in between when the deploy writes it.
   */
  async switchTo(role: Role, release: Release, envContent: string | undefined, signal: AbortSignal, backFrom?: string): Promise<void> {
    const monit = this.monit;
    if (!monit) return this.switchRole(role, release, envContent, signal, backFrom);
    const {logger} = this.collaborators;
    try {
      if (await this.timed('monit', () => this.host.switchMonit('unmonitor', monit.checks))) {
        logger.info(`${this.label}: Monit no longer monitors ${monit.checks.join(', ')}`);
      }
      await this.switchRole(role, release, envContent, signal, backFrom);
      const live = this.slot(role).serving;
      if (role.traffic && monit.settings.writeCheck && live) {
        try {
          await this.timed('monit', () => this.host.writeMonitCheck(live.name, this.settings.healthPath));
          monit.checks = [...new Set([...monit.checks, ...writtenCheckNames(this.host.service)])];
          logger.info(`${this.label}: wrote the Monit checks ${writtenCheckNames(this.host.service).join(', ')} for ${live.name}`);
        } catch (error) {
          // The release is live: a check that could not be written is for the operator, not a reason to go back.
          logger.warning(`${this.label}: could not write the Monit check (${errorMessage(error)}).`);
        }
      }
    } finally {
      await this.resumeMonit(monit.checks);
    }
  }

  // Never throws: it runs as a switch ends, however it ends, and must not hide why a switch failed.
  private async resumeMonit(checks: string[]): Promise<void> {
    try {
      if (await this.timed('monit', () => this.host.switchMonit('monitor', checks))) {
        this.collaborators.logger.info(`${this.label}: Monit monitors ${checks.join(', ')} again`);
      }
    } catch (error) {
      this.collaborators.logger.warning(
        `${this.label}: Monit does not monitor ${checks.join(', ')} again (${errorMessage(error)}); run monit monitor on each there.`,
      );
    }
  }

  private async switchRole(role: Role, release: Release, envContent: string | undefined, signal: AbortSignal, backFrom?: string): Promise<void> {
    const {logger, clock, tracer} = this.collaborators;
    const slot = this.slot(role);
    const old = slot.serving;
    let started: ServiceContainer | undefined;
    let live: ServiceContainer;
    try {
      live = await switchRelease(this.host, release, old, this.settings, slot, {
        logger,
        clock,
        tracer,
        signal,
        phases: this.report.phases,
        envContent,
        onStart: container => {
          started = container;
        },
        onStopped: container => {
          // A stop-first role has nothing running now: going back means starting its old release again.
          slot.switched = true;
          slot.serving = undefined;
          slot.containers = slot.containers.map(other => (other === container ? {...other, running: false} : other));
        },
        upstreamMovedFrom: role.traffic && this.state.upstreamFile !== this.settings.upstreamFile ? this.state.upstreamFile : undefined,
        backFrom,
      });
    } catch (error) {
      if (started && error instanceof CutoverError && error.switched) {
        // Traffic went to the new container before the cutover failed: a rollback must start from there.
        slot.switched = true;
        slot.serving = started;
        slot.containers = [...slot.containers, started];
      }
      this.report.status = 'failed';
      this.report.after = this.describeAfter();
      throw error;
    }
    slot.switched = true;
    // The switch moved the upstream file, if it had to: a rollback's switch finds it where the input says.
    if (role.traffic) this.state = {...this.state, upstreamFile: this.settings.upstreamFile};
    // The cutover stopped the old container; `finish` or the unlock removes it once the deploy is over.
    slot.containers = [...slot.containers.map(container => (container === old ? {...container, running: false} : container)), live];
    slot.serving = live;
    if (this.report.status !== 'failed') this.report.status = 'deployed';
    this.report.after = this.describeAfter();
    await this.removeUnserved(slot);
  }

  /** Whether `role` has moved to this deploy's release here, so that a rollback has something to undo. */
  needsRollback(role: Role): boolean {
    return this.slots.some(slot => slot.role === role && slot.switched);
  }

  /**
   * Moves `role` back to what it ran before, with the same zero-downtime switch. It ignores the deploy's cancel
   * signal: a rollback stopped half-way would leave the hosts on different versions.
   */
  async rollBack(role: Role, from: string): Promise<void> {
    const {logger} = this.collaborators;
    const slot = this.slot(role);
    const where = role.name === '' ? this.label : `${this.label} ${role.name}`;
    const target = slot.original ? {version: slot.original.version, image: slot.original.image} : role.traffic ? this.original : undefined;
    if (!this.original) {
      logger.warning(`${where}: had no earlier release; it keeps the new one.`);
      return;
    }
    if (!target) {
      // The role did not run here before this deploy: going back is going without it.
      for (const container of slot.containers.filter(container => container.running)) await this.host.remove(container.name);
      slot.containers = [];
      slot.serving = undefined;
    } else {
      await this.switchTo(role, target, undefined, new AbortController().signal, from);
    }
    slot.switched = false;
    this.report.status = this.slots.some(other => other.switched) ? this.report.status : 'rolled-back';
    this.report.after = this.describeAfter();
    logger.info(`${where}: back on ${target?.version ?? 'nothing'}`);
  }

  /** After a successful deploy: removes stopped containers, prunes releases beyond `retain`, releases the lock. */
  async finish(token: string, target: Release, retain: number): Promise<void> {
    const history = [...this.state.history, target];
    const kept = retainedReleases(history, retain);
    const keptVersions = new Set(kept.map(release => release.version));
    await this.host.finish(
      token,
      kept,
      history.filter(release => !keptVersions.has(release.version)),
    );
  }

  unlock(token: string): Promise<boolean> {
    return this.host.unlock(token);
  }

  close(): void {
    this.host.close();
  }

  private slot(role: Role): RoleSlot {
    const slot = this.slots.find(candidate => candidate.role === role);
    if (!slot) throw new Error(`${role.name} does not run on ${this.label}`);
    return slot;
  }

  /** The host's release: one version when every role runs the same, else each role's. */
  private describeAfter(): string | undefined {
    const versions = this.slots.map(slot => slot.serving?.version);
    const distinct = new Set(versions.filter(version => version !== undefined));
    if (distinct.size <= 1) return [...distinct][0] ?? this.original?.version;
    return this.slots.map((slot, index) => `${slot.role.name || 'service'} ${versions[index] ?? 'nothing'}`).join(', ');
  }

  // Running containers of the role that do no work once the new one does: the one nginx served when its upstream named
  // none of them, or a container an interrupted deploy started and never switched to.
  private async removeUnserved(slot: RoleSlot): Promise<void> {
    for (const container of slot.containers.filter(container => container.running && container !== slot.serving)) {
      this.collaborators.logger.info(`${this.label}: removing ${container.name} (${container.version}), which no longer takes traffic`);
      // The switch succeeded: a container that will not go is for the next deploy to remove, not a reason to go back.
      try {
        await this.host.remove(container.name);
        slot.containers = slot.containers.filter(other => other !== container);
      } catch (error) {
        this.collaborators.logger.warning(`${this.label}: could not remove ${container.name} (${errorMessage(error)}); the next deploy removes it.`);
      }
    }
  }
}

/** A role's container doing its work: for the traffic role the one nginx points at, else the newest release running. */
export function findServing(state: HostState, containers: ServiceContainer[], traffic: boolean): ServiceContainer | undefined {
  const running = containers.filter(container => container.running);
  if (traffic) return running.find(container => container.port !== undefined && container.port === state.upstreamPort);
  const lastVersion = state.history.at(-1)?.version;
  return running.find(container => container.version === lastVersion) ?? running[0];
}

/** What an interrupted or hand-made change left of a role on a host, in words, for the log: nothing when it is clean. */
export function describeLeftovers(state: HostState, containers: ServiceContainer[], serving: ServiceContainer | undefined, traffic: boolean): string[] {
  const findings: string[] = [];
  const running = containers.filter(container => container.running);
  if (traffic && !serving && running.length) {
    const where = state.upstreamPort === undefined ? 'the upstream file names no port on 127.0.0.1' : `the upstream file names port ${state.upstreamPort}`;
    findings.push(
      `${where}, which none of the running containers (${running.map(container => container.name).join(', ')}) publishes; they stay until the new release takes the traffic`,
    );
  }
  const last = state.history.at(-1)?.version;
  if (serving && last !== undefined && serving.version !== last) {
    findings.push(`${serving.version} serves but the release history ends with ${last}: an earlier deploy was interrupted after its switch`);
  }
  const extras = running.filter(container => serving && container.name !== serving.name);
  if (extras.length) {
    findings.push(`${extras.map(container => container.name).join(', ')} also running, left by an interrupted deploy; removed once the new release serves`);
  }
  return findings;
}

/** A role on a host and the container doing its work now, if any. */
export interface RoleServing {
  role: Role;
  serving: ServiceContainer | undefined;
}

/** What a new container needs free, and why, in words. */
export interface MemoryNeed {
  bytes: number;
  why: string;
}

// The roles whose new container starts beside the old one: start-first ones, and any with nothing serving yet.
function startsBeside(roles: readonly RoleServing[]): RoleServing[] {
  return roles.filter(({role, serving}) => role.order === 'start-first' || !serving);
}

/** The serving containers whose use now is the need of a role without a memory limit. */
export function containersToMeasure(roles: readonly RoleServing[]): string[] {
  return startsBeside(roles)
    .filter(({role, serving}) => role.memoryBytes === undefined && serving)
    .map(({serving}) => (serving as ServiceContainer).name);
}

/**
 * The most memory a deploy's start needs on the host: each role's limit, or without one its serving container's use
 * now (in `usage`) and a quarter more; roles move one at a time on a host, so the largest counts, and so does the
 * pre-deploy's limit on the host that runs it. `undefined` when nothing tells.
 */
export function largestMemoryNeed(
  roles: readonly RoleServing[],
  usage: ReadonlyMap<string, number>,
  preDeployLimit: number | undefined,
): MemoryNeed | undefined {
  const needs: MemoryNeed[] = [
    ...startsBeside(roles).flatMap(({role, serving}) => {
      const what = role.name === '' ? 'the new container' : `${role.name}'s new container`;
      if (role.memoryBytes !== undefined) return [{bytes: role.memoryBytes, why: `${what} (its memory limit)`}];
      const used = serving && usage.get(serving.name);
      return used === undefined
        ? []
        : [{bytes: Math.ceil(used * 1.25), why: `${what} (no memory limit; ${serving?.name} uses ${formatBytes(used, 'binary')} now, and a quarter more)`}];
    }),
    ...(preDeployLimit === undefined ? [] : [{bytes: preDeployLimit, why: 'the pre-deploy container (its memory limit)'}]),
  ];
  return needs.reduce<MemoryNeed | undefined>((top, need) => (top && top.bytes >= need.bytes ? top : need), undefined);
}
