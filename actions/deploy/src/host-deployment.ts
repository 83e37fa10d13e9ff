import {errorMessage, type Logger} from '@circuitverse/shared';
import {CutoverError, type HostState, type LockHolder, type RegistryAuth, type ServiceContainer, type ServiceHost} from './deploy-host.js';
import type {Clock} from './health-check.js';
import {type Release, retainedReleases} from './release.js';
import {type PhaseTimes, type SwitchSettings, switchRelease, timed} from './switch-release.js';

export interface HostReport {
  host: string;
  status: 'deployed' | 'failed' | 'rolled-back' | 'not-started';
  before: string | undefined;
  after: string | undefined;
  phases: PhaseTimes;
}

/**
 * One host's part in a deploy, and the one owner of its state: what served before, what serves now, whether traffic
 * has moved, and how to move it back. The orchestrator only calls its phases.
 */
export class HostDeployment {
  readonly report: HostReport;
  private state: HostState = {containers: [], runningPreDeploys: [], upstreamPort: undefined, upstreamFile: undefined, history: []};
  /** The release that served before this deploy: where a rollback of this host goes back to. */
  private original: Release | undefined;
  /** The container taking the service's traffic, when it is known. */
  private serving: ServiceContainer | undefined;
  /** What this deploy knows runs on the host: the state it adopted, then what each switch changed. */
  private containers: ServiceContainer[] = [];
  /** Traffic goes to this deploy's new container: a rollback must move it back. */
  private switched = false;
  private readonly findingsSaid = new Set<string>();

  constructor(
    readonly host: ServiceHost,
    private readonly settings: SwitchSettings,
    private readonly tools: {logger: Logger; clock: Clock},
  ) {
    this.report = {host: host.label, status: 'not-started', before: undefined, after: undefined, phases: {}};
  }

  get label(): string {
    return this.host.label;
  }

  get history(): HostState['history'] {
    return this.state.history;
  }

  get servingVersion(): string | undefined {
    return this.serving?.version;
  }

  get originalRelease(): Release | undefined {
    return this.original;
  }

  get runningPreDeploys(): string[] {
    return this.state.runningPreDeploys;
  }

  /** Takes what the host runs now as the starting point, and says what an interrupted deploy left behind. */
  adopt(state: HostState): void {
    this.state = state;
    this.containers = state.containers;
    this.serving = findServing(state, this.settings.proxy);
    const last = state.history.at(-1);
    this.original = this.serving ? {version: this.serving.version, image: this.serving.image} : last && {version: last.version, image: last.image};
    this.report.before = this.original?.version;
    this.report.after = this.original?.version;
    // Said once: a rollback adopts the state at connect and again under the lock, a lock-wait at every round.
    for (const finding of describeLeftovers(state, this.serving, this.settings.proxy)) {
      if (this.findingsSaid.has(finding)) continue;
      this.findingsSaid.add(finding);
      this.tools.logger.warning(`${this.label}: ${finding}`);
    }
  }

  timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
    return timed(this.report.phases, phase, this.tools.clock, work);
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
   * Removes containers that a failed or interrupted deploy left stopped. A running one stays until traffic has moved
   * off it: when nginx's upstream names no container, one of them may be the one it still serves.
   */
  async removeStoppedLeftovers(): Promise<void> {
    for (const container of this.containers.filter(container => !container.running)) {
      this.tools.logger.info(`${this.label}: removing ${container.name} (${container.version}, stopped), left over from an earlier deploy`);
      await this.host.remove(container.name);
      this.containers = this.containers.filter(other => other !== container);
    }
  }

  get hasStoppedLeftovers(): boolean {
    return this.containers.some(container => !container.running);
  }

  /** Starts `release` beside what serves, checks it and switches traffic to it; on success the host serves only it. */
  async switchTo(release: Release, envContent: string | undefined, signal: AbortSignal, backFrom?: string): Promise<void> {
    const {logger, clock} = this.tools;
    const old = this.serving;
    let started: ServiceContainer | undefined;
    let live: ServiceContainer;
    try {
      live = await switchRelease(this.host, release, old, this.settings, {
        logger,
        clock,
        signal,
        phases: this.report.phases,
        envContent,
        onStart: container => {
          started = container;
        },
        upstreamMovedFrom: this.state.upstreamFile === this.settings.upstreamFile ? undefined : this.state.upstreamFile,
        backFrom,
      });
    } catch (error) {
      if (started && error instanceof CutoverError && error.switched) {
        // Traffic went to the new container before the cutover failed: a rollback must start from there.
        this.switched = true;
        this.serving = started;
        this.containers = [...this.containers, started];
        this.report.after = release.version;
      }
      this.report.status = 'failed';
      throw error;
    }
    this.switched = true;
    this.serving = live;
    // The switch moved the upstream file, if it had to: a rollback's switch finds it where the input says.
    this.state = {...this.state, upstreamFile: this.settings.upstreamFile};
    this.report.status = 'deployed';
    this.report.after = release.version;
    // The cutover stopped the old container; `finish` or the unlock removes it once the deploy is over.
    this.containers = [...this.containers.map(container => (container === old ? {...container, running: false} : container)), live];
    await this.removeUnserved();
  }

  /** Whether traffic has moved to this deploy's release here, so that a rollback has something to undo. */
  get needsRollback(): boolean {
    return this.switched;
  }

  /**
   * Moves traffic back to the release that served before, with the same zero-downtime switch. It ignores the deploy's
   * cancel signal: a rollback stopped half-way would leave the hosts on different versions.
   */
  async rollBack(): Promise<void> {
    const {logger} = this.tools;
    if (!this.original) {
      logger.warning(`${this.label}: had no earlier release; it keeps the new one.`);
      return;
    }
    await this.switchTo(this.original, undefined, new AbortController().signal, this.report.after);
    this.report.status = 'rolled-back';
    this.switched = false;
    logger.info(`${this.label}: back on ${this.original.version}`);
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

  // Running containers that take no traffic once the new one does: the one nginx served when its upstream named none
  // of them, or a container an interrupted deploy started and never switched to.
  private async removeUnserved(): Promise<void> {
    for (const container of this.containers.filter(container => container.running && container !== this.serving)) {
      this.tools.logger.info(`${this.label}: removing ${container.name} (${container.version}), which no longer takes traffic`);
      // The switch succeeded: a container that will not go is for the next deploy to remove, not a reason to go back.
      try {
        await this.host.remove(container.name);
        this.containers = this.containers.filter(other => other !== container);
      } catch (error) {
        this.tools.logger.warning(`${this.label}: could not remove ${container.name} (${errorMessage(error)}); the next deploy removes it.`);
      }
    }
  }
}

/** The container taking the service's traffic: the one nginx points at, or for workers the newest release running. */
export function findServing(state: HostState, proxy: 'nginx' | 'none'): ServiceContainer | undefined {
  const running = state.containers.filter(container => container.running);
  if (proxy === 'nginx') return running.find(container => container.port !== undefined && container.port === state.upstreamPort);
  const lastVersion = state.history.at(-1)?.version;
  return running.find(container => container.version === lastVersion) ?? running[0];
}

/** What an interrupted or hand-made change left on a host, in words, for the log: nothing when it is clean. */
export function describeLeftovers(state: HostState, serving: ServiceContainer | undefined, proxy: 'nginx' | 'none'): string[] {
  const findings: string[] = [];
  const running = state.containers.filter(container => container.running);
  if (proxy === 'nginx' && !serving && running.length) {
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
