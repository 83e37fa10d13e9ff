import {type Clock, createConsoleLogger, noopTracer, RemoteError, type SshTarget} from '@circuitverse/shared';
import {expect} from 'vitest';
import {
  type ContainerSpec,
  type ContainerState,
  CutoverError,
  type CutoverRequest,
  type HostState,
  type LockHolder,
  type LockResult,
  type PlanFacts,
  type PlanFactsRequest,
  type ServiceContainer,
  type ServiceHost,
} from '../src/deploy-host.js';
import type {HealthAttempt} from '../src/health-check.js';
import type {DeployInputs} from '../src/inputs.js';
import type {MonitStatus} from '../src/monit.js';
import {type HistoryEntry, parseHistory, type Release} from '../src/release.js';
import {defaultRole, type RoleDefaults} from '../src/roles.js';
import {type DeployCollaborators, DeployError} from '../src/run.js';

type Operation = keyof ServiceHost;

/**
 * Before an operation runs: throw to make it fail, await to make it slow. `calls` counts from 1 per operation, so a
 * fault can hit the second cutover (a rollback's) and not the first.
 */
export type Fault = (call: number, args: unknown[]) => void | Promise<void>;

/**
 * A host in memory that does what the remote scripts do to containers, the upstream, the history and the lock, so
 * a test can drive the real orchestration and then look at what every host ended with. An operation the test forbade
 * throws, and so does one the fake does not know.
 */
export class FakeHost implements ServiceHost {
  readonly service = 'web';
  containers: ServiceContainer[] = [];
  upstreamPort: number | undefined;
  /** The upstream file the last deploy recorded writing. */
  upstreamFile: string | undefined;
  history: HistoryEntry[] = [];
  lockToken: string | undefined;
  lockHolder: Partial<LockHolder> | undefined;
  runningPreDeploys: string[] = [];
  images = new Set<string>();
  envFiles = new Set<string>();
  /** What each release's env file was written with, by version. */
  envContents = new Map<string, string>();
  /** The docker run options the last pre-deploy got. */
  preDeployOptions: string[] = [];
  /** Versions whose containers answer the health check with 503. */
  unhealthy = new Set<string>();
  /** Versions whose containers the kernel kills for memory as soon as they start. */
  outOfMemory = new Set<string>();
  /** Versions whose containers answer 503 once they have answered this many probes: a release failing after its switch. */
  unhealthyAfter = new Map<string, number>();
  /** Versions whose containers are killed for memory, and restarted by Docker, once inspected this many times. */
  outOfMemoryAfter = new Map<string, number>();
  /** Paths that answer with this status on every container, such as a watch-path whose database is gone. */
  pathStatus = new Map<string, number>();
  memoryAvailable = 8 * 1024 ** 3;
  /** Free bytes where Docker keeps images. */
  diskAvailable = 50 * 1024 ** 3;
  /** What removing an image gives back on disk, by reference. */
  imageSizes = new Map<string, number>();
  /** The keys of each version's env file; a version in envFiles but not here has none. */
  envKeys = new Map<string, string[]>();
  /** The compressed layers of each image the registry has, by reference. */
  registrySizes = new Map<string, number>();
  /** What each running container uses, by name; 100 MiB when not set. */
  memoryUsage = new Map<string, number>();
  /** Whether HAProxy answers with the maintenance page; a switch ends it, as the cutover's does. */
  maintenanceOn = false;
  /** The page maintenance answers with, as the last switch on placed it. */
  maintenancePage: string | undefined;
  /** Monit's checks and whether each is monitored; `undefined` for a host without Monit. */
  monit: Map<string, boolean> | undefined;
  /** The container the check file monit-check: write wrote names. */
  monitCheckContainer: string | undefined;
  closed = false;
  readonly log: string[] = [];
  private readonly faults = new Map<Operation, Fault>();
  private readonly counts = new Map<Operation, number>();
  private nextPort = 20_001;
  /** Probes and inspections of each container so far, by name. */
  private readonly probes = new Map<string, number>();
  private readonly inspections = new Map<string, number>();

  constructor(readonly label: string) {}

  /** Serves `version` as a finished deploy leaves it: its container live behind nginx, its release in the history. */
  serve(...versions: string[]): this {
    for (const version of versions) {
      for (const container of this.containers) container.running = false;
      const container = this.addContainer(version);
      this.upstreamPort = container.port;
      this.history.push({at: '2026-12-01T00:00:00.000Z', version, image: imageOf(version)});
      this.images.add(imageOf(version));
      this.envFiles.add(version);
    }
    this.containers = this.containers.filter(container => container.running);
    return this;
  }

  addContainer(version: string, running = true, role = ''): ServiceContainer {
    const name = ['web', role, version, String(this.nextPort)].filter(part => part !== '').join('-');
    const container = {name, role, version, image: imageOf(version), running, port: this.nextPort++};
    this.containers.push(container);
    return container;
  }

  fail(operation: Operation, fault: Fault): this {
    this.faults.set(operation, fault);
    return this;
  }

  forbid(...operations: Operation[]): this {
    for (const operation of operations) {
      this.fail(operation, () => {
        throw new Error(`${this.label}: unexpected call to ${operation}`);
      });
    }
    return this;
  }

  /** The versions of the containers running now, of one role when given. */
  running(role?: string): string[] {
    return this.containers.filter(container => container.running && (role === undefined || container.role === role)).map(container => container.version);
  }

  /** The version nginx sends traffic to. */
  live(): string | undefined {
    return this.containers.find(container => container.running && container.port === this.upstreamPort)?.version;
  }

  private async enter(operation: Operation, ...args: unknown[]): Promise<void> {
    const call = (this.counts.get(operation) ?? 0) + 1;
    this.counts.set(operation, call);
    this.log.push(`${operation} ${args.filter(arg => typeof arg === 'string').join(' ')}`.trim());
    if (this.closed) throw new RemoteError(this.label, 'the SSH connection was lost');
    await this.faults.get(operation)?.(call, args);
  }

  private state(): HostState {
    return {
      containers: this.containers.map(container => ({...container})),
      runningPreDeploys: [...this.runningPreDeploys],
      upstreamPort: this.upstreamPort,
      upstreamFile: this.upstreamFile,
      history: [...this.history],
    };
  }

  async pull(image: string): Promise<void> {
    await this.enter('pull', image);
    this.images.add(image);
  }

  async removeImages(images: string[]): Promise<void> {
    await this.enter('removeImages', ...images);
    for (const image of images) {
      if (this.containers.some(container => container.image === image) || !this.images.delete(image)) continue;
      this.diskAvailable += this.imageSizes.get(image) ?? 0;
    }
  }

  async hasImage(image: string): Promise<boolean> {
    await this.enter('hasImage', image);
    return this.images.has(image);
  }

  async lock(token: string, holder: LockHolder): Promise<LockResult> {
    await this.enter('lock', token);
    if (this.lockToken !== undefined) return {heldBy: this.lockHolder ?? {}};
    this.lockToken = token;
    this.lockHolder = holder;
    return {state: this.state()};
  }

  async unlock(token: string): Promise<boolean> {
    await this.enter('unlock', token);
    if (this.lockToken !== token) return false;
    this.removeStopped();
    this.lockToken = undefined;
    return true;
  }

  async readState(): Promise<HostState> {
    await this.enter('readState');
    return this.state();
  }

  async hasEnvFile(version: string): Promise<boolean> {
    await this.enter('hasEnvFile', version);
    return this.envFiles.has(version);
  }

  async writeEnvFile(version: string, content: string): Promise<string> {
    await this.enter('writeEnvFile', version);
    this.envFiles.add(version);
    this.envContents.set(version, content);
    return version;
  }

  async start(release: Release, spec: ContainerSpec, appPort: number | undefined, envContent: string | undefined): Promise<ServiceContainer> {
    await this.enter('start', release.version, spec.role);
    if (envContent !== undefined) this.envFiles.add(release.version);
    if (envContent !== undefined) this.envContents.set(release.version, envContent);
    if (!this.images.has(release.image)) throw new RemoteError(this.label, `starting ${release.version} failed (exit 125)`);
    const container = this.addContainer(release.version, !this.outOfMemory.has(release.version), spec.role);
    if (appPort === undefined) container.port = undefined;
    return {...container};
  }

  async stop(name: string): Promise<void> {
    await this.enter('stop', name);
    const container = this.containers.find(candidate => candidate.name === name);
    if (container) container.running = false;
  }

  async readMemory(names: string[]): Promise<{availableBytes: number; usage: Map<string, number>}> {
    await this.enter('readMemory', ...names);
    return {availableBytes: this.memoryAvailable, usage: new Map(names.map(name => [name, this.memoryUsage.get(name) ?? 100 * 1024 ** 2]))};
  }

  async readPlanFacts(request: PlanFactsRequest): Promise<PlanFacts> {
    await this.enter('readPlanFacts', request.image);
    const presence = (image: string | undefined) =>
      image !== undefined && this.images.has(image) ? {id: `sha256:id-${image}`, repoDigests: [`${image.split(':')[0]}@sha256:${image.length}`]} : undefined;
    const envKeys = (version: string | undefined) =>
      version === undefined ? undefined : this.envFiles.has(version) ? {keys: this.envKeys.get(version) ?? []} : {missing: 'missing' as const};
    const size = this.registrySizes.get(request.image);
    return {
      image: presence(request.image),
      servingImage: presence(request.servingImage),
      platform: 'linux/amd64',
      disk: {dockerRoot: '/var/lib/docker', availableBytes: this.diskAvailable},
      servingEnv: envKeys(request.servingVersion),
      targetEnv: envKeys(request.targetVersion),
      lockHolder: this.lockToken === undefined ? undefined : (this.lockHolder ?? {}),
      manifest: request.pull && !this.images.has(request.image) && size !== undefined ? {digest: 'sha256:manifest', layerBytes: size} : undefined,
    };
  }

  async runOnce(release: Release, _command: string, _timeoutMs: number, options: string[]): Promise<{code: number; output: string}> {
    await this.enter('runOnce', release.version);
    this.preDeployOptions = options;
    return {code: 0, output: 'migrated\n'};
  }

  async checkHealth(port: number, path: string): Promise<HealthAttempt> {
    await this.enter('checkHealth', path);
    const container = this.containers.find(candidate => candidate.port === port && candidate.running);
    if (!container) return {status: undefined, detail: 'connect ECONNREFUSED'};
    const probes = (this.probes.get(container.name) ?? 0) + 1;
    this.probes.set(container.name, probes);
    const status = this.pathStatus.get(path);
    if (status !== undefined) return {status, detail: 'Internal Server Error "database unreachable"'};
    const failing = this.unhealthy.has(container.version) || probes > (this.unhealthyAfter.get(container.version) ?? Number.POSITIVE_INFINITY);
    return failing ? {status: 503, detail: 'Service Unavailable'} : {status: 200, detail: 'OK'};
  }

  async containerState(name: string): Promise<ContainerState> {
    await this.enter('containerState', name);
    const container = this.containers.find(candidate => candidate.name === name);
    const inspections = (this.inspections.get(name) ?? 0) + 1;
    this.inspections.set(name, inspections);
    if (container && inspections > (this.outOfMemoryAfter.get(container.version) ?? Number.POSITIVE_INFINITY)) {
      return {status: 'running', health: undefined, exitCode: 137, restartCount: 1, oomKilled: true, memoryLimit: 64 * 1024 ** 2};
    }
    const oom = container !== undefined && this.outOfMemory.has(container.version);
    return {
      status: container?.running ? 'running' : 'exited',
      health: undefined,
      exitCode: oom ? 137 : 0,
      restartCount: 0,
      oomKilled: oom,
      memoryLimit: oom ? 256 * 1024 ** 2 : 0,
    };
  }

  async containerLogs(name: string): Promise<string> {
    await this.enter('containerLogs', name);
    return 'listening';
  }

  async remove(name: string): Promise<void> {
    await this.enter('remove', name);
    this.containers = this.containers.filter(container => container.name !== name);
  }

  async cutover(request: CutoverRequest) {
    await this.enter('cutover', request.old ?? '', request);
    const port = request.upstream?.port;
    if (port !== undefined) {
      if (!this.containers.some(container => container.port === port && container.running)) {
        throw new CutoverError(this.label, false, 'switching nginx failed (exit 3)', 'no such upstream');
      }
      this.upstreamPort = port;
      this.maintenanceOn = false;
    }
    const old = this.containers.find(container => container.name === request.old);
    if (old) old.running = false;
    // As the script does: the host's other roles moving to the same release add no line.
    const [entry] = parseHistory(request.historyLine);
    if (entry && this.history.at(-1)?.version !== entry.version) this.history.push(entry);
    return {marks: {begin: 0, switched: 1, drained: 2, stopped: 3}, drained: true, warnings: []};
  }

  async maintenance(mode: 'status' | 'on' | 'off', _healthPath: string, page: string): Promise<boolean> {
    await this.enter('maintenance', mode);
    const was = this.maintenanceOn;
    if (mode === 'on') this.maintenancePage = page;
    if (mode !== 'status') this.maintenanceOn = mode === 'on';
    return was;
  }

  async finish(token: string, kept: Release[]): Promise<void> {
    await this.enter('finish', token);
    this.removeStopped();
    for (const image of [...this.images]) if (!kept.some(release => release.image === image)) this.images.delete(image);
    if (this.lockToken === token) this.lockToken = undefined;
  }

  async readMonit(): Promise<MonitStatus> {
    await this.enter('readMonit');
    if (!this.monit) return {kind: 'absent'};
    const checks = [...this.monit].map(([name, monitored]) => ({name, type: 'Program', monitoring: monitored ? 'Monitored' : 'Not monitored'}));
    return {kind: 'answers', checks: [{name: this.label, type: 'System', monitoring: 'Monitored'}, ...checks]};
  }

  async switchMonit(mode: 'unmonitor' | 'monitor', checks: string[], token = ''): Promise<boolean> {
    await this.enter('switchMonit', mode, ...checks);
    if (checks.length === 0 || (token !== '' && this.lockToken !== token)) return false;
    for (const name of checks) {
      if (!this.monit?.has(name)) throw new RemoteError(this.label, `monitoring ${name} in Monit failed (exit 1)`);
      this.monit.set(name, mode === 'monitor');
    }
    return true;
  }

  async writeMonitCheck(container: string): Promise<void> {
    await this.enter('writeMonitCheck', container);
    this.monitCheckContainer = container;
    // As a reload does: a new check starts monitored, one Monit had keeps its state.
    for (const name of ['web', 'web-container']) if (!this.monit?.has(name)) this.monit?.set(name, true);
  }

  close(): void {
    this.closed = true;
  }

  private removeStopped(): void {
    this.containers = this.containers.filter(container => container.running);
  }
}

export function imageOf(version: string): string {
  return `127.0.0.1:5000/app:${version}`;
}

/** A clock whose sleeps pass at once, so a 60 s health timeout costs nothing. */
export function fakeClock(): Clock {
  let now = Date.parse('2026-12-03T00:00:00Z');
  return {
    now: () => now,
    sleep: async milliseconds => {
      now += milliseconds;
      await Promise.resolve();
    },
  };
}

export function target(label: string): SshTarget {
  return {user: 'root', host: label, port: 22, label};
}

/** Inputs for a deploy of `web` to the fake hosts, with the action's defaults. */
export function fakeInputs(hosts: FakeHost[], overrides: Partial<DeployInputs> = {}): DeployInputs {
  return {
    driver: 'ssh',
    swarmPorts: [8080, 8081],
    hosts: hosts.map(host => target(host.label)),
    ssh: undefined as never,
    service: 'web',
    image: imageOf('v2'),
    appPort: 3000,
    healthPath: '/up',
    healthTimeoutMs: 5000,
    roles: [defaultRole(roleDefaults(hosts.map(host => target(host.label))))],
    container: {addHosts: [], volumes: [], labels: new Map(), logOptions: new Map()},
    nginxUpstreamFile: '/etc/nginx/conf.d/web-upstream.conf',
    env: new Map(),
    secrets: new Map(),
    registryUsername: undefined,
    registryPassword: undefined,
    preDeploy: undefined,
    preDeployTimeoutMs: 30 * 60_000,
    batchSize: hosts.length,
    onFailure: 'rollback',
    drainTimeoutMs: 30_000,
    retain: 5,
    lockWaitMs: 0,
    watchMs: 0,
    watchPath: undefined,
    rollback: false,
    rollbackTo: undefined,
    plan: false,
    maintenance: undefined,
    maintenancePage: undefined,
    maintenanceDuringPreDeploy: false,
    monit: undefined,
    deploymentEnvironment: undefined,
    ...overrides,
  };
}

/** The collaborators of a deploy to the fake hosts; `lines` collects the log. */
export function fakeCollaborators(hosts: FakeHost[], signal = new AbortController().signal): DeployCollaborators & {lines: string[]} {
  const lines: string[] = [];
  return {
    lines,
    logger: createConsoleLogger({write: line => lines.push(line)}),
    tracer: noopTracer,
    clock: fakeClock(),
    openHost: async where => {
      const host = hosts.find(candidate => candidate.label === where.label);
      if (!host) throw new Error(`no fake host ${where.label}`);
      host.closed = false;
      return host;
    },
    origin: {actor: 'tester', runUrl: 'https://github.com/o/r/actions/runs/1'},
    signal,
    rememberLock: () => {},
    forgetLock: () => {},
  };
}

/** What a failure path must end with: one version live everywhere, one container running per host, no lock. */
export function endState(hosts: FakeHost[]) {
  return hosts.map(host => ({host: host.label, live: host.live(), running: host.running(), locked: host.lockToken !== undefined}));
}

/** The end state of hosts that all serve `version` and nothing else. */
export function consistent(hosts: FakeHost[], version: string) {
  return hosts.map(host => ({host: host.label, live: version, running: [version], locked: false}));
}

/** The DeployError a deploy that must fail fails with. */
export async function deployFailure(run: Promise<unknown>): Promise<DeployError> {
  const error = await run.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DeployError);
  return error as DeployError;
}

/** What the top-level inputs give every role, with the action's defaults, for hosts `hosts`. */
export function roleDefaults(hosts: SshTarget[]): RoleDefaults {
  return {traffic: true, memoryBytes: undefined, cpus: undefined, stopSignal: undefined, stopTimeoutMs: 30_000, sshUser: 'root', hosts};
}
