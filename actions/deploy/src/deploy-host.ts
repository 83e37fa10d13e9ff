import {randomBytes, randomInt} from 'node:crypto';
import {errorMessage, formatDuration, lastLine, parseImageRef, RemoteError} from '@circuitverse/shared';
import {type SshConnection, UnfinishedCommand} from '@circuitverse/shared/ssh';
import {type HealthAttempt, probe} from './health-check.js';
import {type MonitStatus, monitCheckFile, parseMonitStatus, renderMonitCheck, writtenCheckNames} from './monit.js';
import {type HistoryEntry, labels, parseHistory, parseUpstreamPort, type Release, servicePaths} from './release.js';
import {
  cutoverScript,
  finishScript,
  inspectScript,
  lockScript,
  maintenanceScript,
  memoryScript,
  monitScript,
  planScript,
  preDeployScript,
  pullScript,
  scriptArgv,
  startScript,
  stateScript,
  stopScript,
  unlockScript,
  writePrivateFileScript,
} from './remote-scripts.js';

export interface ServiceContainer {
  name: string;
  /** The role label: `''` for a service deployed without roles. */
  role: string;
  version: string;
  image: string;
  running: boolean;
  /** Host port on 127.0.0.1, when published. */
  port: number | undefined;
}

export interface HostState {
  /** The service's release containers, of every role. */
  containers: ServiceContainer[];
  /** Pre-deploy containers still running, from this deploy's predecessors: a migration may be under way. */
  runningPreDeploys: string[];
  /** The host port the service's traffic goes to: the live container's. */
  upstreamPort: number | undefined;
  /** The upstream file the service's last deploy wrote, when the host recorded one. */
  upstreamFile: string | undefined;
  history: HistoryEntry[];
}

export interface LockHolder {
  actor: string;
  runUrl: string;
  version: string;
  since: string;
}

/** What the lock script found: the lock taken with the state it protects, or who holds it. */
export type LockResult = {state: HostState} | {heldBy: Partial<LockHolder>};

/** What a new container of a role runs with, beside its release. */
export interface ContainerSpec {
  /** `''` for a service deployed without roles. */
  role: string;
  /** docker run options: the container settings, as argv items. */
  options: string[];
  /** Instead of the image's command. */
  command: string[] | undefined;
}

/** What a container's exit tells: OOMKilled, or an oom event while it restarted. */
export interface ContainerState {
  status: string;
  health: string | undefined;
  exitCode: number;
  restartCount: number;
  oomKilled: boolean;
  /** Its memory limit in bytes; 0 for none. */
  memoryLimit: number;
}

export interface RegistryAuth {
  username: string;
  password: string;
}

/**
 * Host ports to publish a new container on, tried in turn: random, from 20000 to 29999, below Kubernetes' NodePorts
 * (30000-32767) and Linux's and Docker's ephemeral ranges (from 32768), where others pick theirs.
 */
function hostPortCandidates(): number[] {
  return Array.from({length: 8}, () => randomInt(20_000, 30_000));
}

/**
 * How long a host may take over one command, so that a hung Docker Engine or a stalled pull fails the deploy instead
 * of holding the lock until the job's own timeout. A command past its limit may go on running on the host (OpenSSH
 * does not signal a root session's processes): the callers' failure paths allow for that.
 */
const limitsMs = {step: 2 * 60_000, pull: 30 * 60_000, start: 5 * 60_000};
const stepLimit = {timeoutMs: limitsMs.step};

/** What a deploy asks of a host: `DeployHost` over SSH, or a stub in unit tests. */
export type ServiceHost = Omit<DeployHost, 'connection'>;

/** Debian's paths for HAProxy, which the cutover switches; the host setup in the README makes it load `configDir`. */
const haproxy = {
  configDir: '/etc/haproxy/conf.d',
  sectionFile: (service: string) => `${haproxy.configDir}/${service}.cfg`,
  // A dot no service name has: no other service's section file can be this one.
  maintenanceFile: (service: string) => `${haproxy.configDir}/${service}.maintenance.cfg`,
  adminSocket: '/run/haproxy/admin.sock',
  pidFile: '/run/haproxy.pid',
};
const nginxPidFile = '/run/nginx.pid';

/**
 * Ports to try, in turn, for a service's HAProxy listener on its first deploy to a host (it keeps the port after):
 * random, from 10000 to 19999, below the containers' host ports.
 */
function listenerPortCandidates(): number[] {
  return Array.from({length: 8}, () => randomInt(10_000, 20_000));
}

/** One host of a deploy: the service's operations there, each one SSH command. */
export class DeployHost {
  private readonly paths;

  constructor(
    readonly connection: SshConnection,
    readonly service: string,
  ) {
    this.paths = servicePaths(service);
  }

  get label(): string {
    return this.connection.target.label;
  }

  async pull(image: string, auth: RegistryAuth | undefined): Promise<void> {
    const registry = parseImageRef(image)?.registry ?? '';
    await this.connection.run(`pulling ${image}`, scriptArgv(pullScript, {registry, user: auth?.username ?? '', image}), {
      stdin: auth?.password ?? '',
      timeoutMs: limitsMs.pull,
    });
  }

  /** Removes images; one a container still uses stays, as docker image rm refuses it. */
  async removeImages(images: string[]): Promise<void> {
    await this.connection.exec(['docker', 'image', 'rm', ...images], stepLimit);
  }

  async hasImage(image: string): Promise<boolean> {
    return (await this.connection.exec(['docker', 'image', 'inspect', '--format', '{{.Id}}', image], stepLimit)).code === 0;
  }

  /** Takes the service's lock and reads the state it now protects, or returns who holds the lock. */
  async lock(token: string, holder: LockHolder, upstreamFile: string): Promise<LockResult> {
    const output = await this.connection.run(
      'taking the deploy lock',
      scriptArgv(lockScript, {lock_dir: this.paths.lock, token, service: this.service, upstream_file: upstreamFile, history: this.paths.history}),
      {stdin: JSON.stringify(holder), ...stepLimit},
    );
    // Found anywhere in the output: a login shell may print a banner before the script's first line.
    const acquired = /^acquired\n/m.exec(output);
    if (acquired) return {state: parseState(output.slice(acquired.index))};
    try {
      return {heldBy: JSON.parse(output.slice(Math.max(0, output.indexOf('{')))) as Partial<LockHolder>};
    } catch {
      return {heldBy: {}};
    }
  }

  async unlock(token: string): Promise<boolean> {
    return (
      (
        await this.connection.run('releasing the deploy lock', scriptArgv(unlockScript, {lock_dir: this.paths.lock, token, service: this.service}), stepLimit)
      ).trim() === 'released'
    );
  }

  async readState(upstreamFile: string): Promise<HostState> {
    return parseState(
      await this.connection.run(
        'reading the service state',
        scriptArgv(stateScript, {service: this.service, upstream_file: upstreamFile, history: this.paths.history}),
        stepLimit,
      ),
    );
  }

  async hasEnvFile(version: string): Promise<boolean> {
    return (await this.connection.exec(['test', '-f', this.paths.envFile(version)], stepLimit)).code === 0;
  }

  async writeEnvFile(version: string, content: string): Promise<string> {
    const file = this.paths.envFile(version);
    await this.connection.run('writing the env file', scriptArgv(writePrivateFileScript, {file}), {stdin: content, ...stepLimit});
    return file;
  }

  /**
   * Starts a container of the release beside the others, first writing its env file when `envContent` is given;
   * returns the container with the host port it was published on.
   */
  async start(release: Release, spec: ContainerSpec, appPort: number | undefined, envContent: string | undefined): Promise<ServiceContainer> {
    const name = [this.service, spec.role, release.version, randomBytes(3).toString('hex')].filter(part => part !== '').join('-');
    const envFile = this.paths.envFile(release.version);
    const args = [
      '--restart',
      'unless-stopped',
      '--label',
      `${labels.service}=${this.service}`,
      '--label',
      `${labels.version}=${release.version}`,
      '--label',
      `${labels.image}=${release.image}`,
      ...(spec.role === '' ? [] : ['--label', `${labels.role}=${spec.role}`]),
      '--env-file',
      envFile,
      ...spec.options,
      // The image was pulled with the deploy's credentials: never let a missing one be pulled here with the host's.
      '--pull',
      'never',
      release.image,
      ...(spec.command ?? []),
    ];
    // A start that timed out or lost its connection may still bring the container up, with a restart policy, beside
    // the serving one: it goes, as a failed run's does in the script.
    const discard = async (error: unknown): Promise<never> => {
      await this.connection.exec(['docker', 'rm', '--force', name], stepLimit).catch(() => undefined);
      throw error;
    };
    const output = await this.connection
      .run(
        `starting ${release.version}`,
        scriptArgv(
          startScript,
          {
            name,
            port: appPort === undefined ? '' : String(appPort),
            env_file: envContent === undefined ? '' : envFile,
            host_ports: appPort === undefined ? '' : hostPortCandidates().join(' '),
          },
          args,
        ),
        {stdin: envContent ?? '', timeoutMs: limitsMs.start},
      )
      .catch(error => (error instanceof UnfinishedCommand ? discard(error) : Promise.reject(error)));
    // The last line: a login shell may print a banner first.
    const port = appPort === undefined ? undefined : Number(lastLine(output));
    if (appPort !== undefined && !Number.isInteger(port)) {
      await discard(new RemoteError(this.label, `started ${name} but could not read its published port`, {remoteOutput: output}));
    }
    return {name, role: spec.role, version: release.version, image: release.image, running: true, port};
  }

  /** Stops a container before its successor starts (a stop-first role), quieting it first when the role says how. */
  async stop(name: string, quietSignal: string | undefined, stopTimeoutMs: number): Promise<void> {
    const seconds = Math.ceil(stopTimeoutMs / 1000);
    await this.connection.run(`stopping ${name}`, scriptArgv(stopScript, {name, quiet: quietSignal ?? '', seconds: String(seconds)}), {
      timeoutMs: seconds * 1000 + limitsMs.step,
    });
  }

  /** The host's available memory and what the named running containers use now, in bytes. */
  async readMemory(names: string[]): Promise<{availableBytes: number; usage: Map<string, number>}> {
    const output = await this.connection.run('reading free memory', scriptArgv(memoryScript, {}, names), stepLimit);
    return parseMemoryReport(output);
  }

  /**
   * Runs a one-off container of the release with the release's env file, detached, and waits for it: when this
   * deploy dies, the container goes on, and the lock script sees it and lets no other deploy start meanwhile.
   */
  async runOnce(release: Release, command: string, timeoutMs: number, options: string[]): Promise<{code: number; output: string}> {
    const name = `${this.service}-pre-deploy-${randomBytes(3).toString('hex')}`;
    const result = await this.connection
      .exec(
        scriptArgv(
          preDeployScript,
          {
            name,
            service_label: `${labels.service}=${this.service}`,
            role_label: `${labels.role}=pre-deploy`,
            env_file: this.paths.envFile(release.version),
            image: release.image,
            command,
          },
          options,
        ),
        {timeoutMs},
      )
      .catch(error => {
        if (!(error instanceof UnfinishedCommand && error.timedOut)) throw error;
        throw new RemoteError(this.label, `pre-deploy did not finish within ${formatDuration(timeoutMs)}`, {
          cause: error,
          next: `Its container ${name} goes on running, and deploys of ${this.service} wait until it ends: docker logs -f ${name} to follow it, docker stop ${name} to end it.`,
        });
      });
    // The container's own exit code is the script's last line; without it, the script failed before or around it.
    const stdout = result.stdout.trimEnd();
    const exit = /^exit (\d+)$/.exec(stdout.slice(stdout.lastIndexOf('\n') + 1))?.[1];
    const output = `${exit === undefined ? result.stdout : stdout.slice(0, stdout.lastIndexOf('\n') + 1)}${result.stderr}`;
    return {code: exit === undefined ? result.code || 1 : Number(exit), output};
  }

  /** One health check of a container's published port, through an SSH tunnel: the port is on the host's loopback. */
  checkHealth(port: number, path: string, timeoutMs: number): Promise<HealthAttempt> {
    return this.connection
      .openTunnel('127.0.0.1', port)
      .then(stream => probe(stream, path, timeoutMs))
      .catch(error => ({status: undefined, detail: String((error as Error).message)}));
  }

  close(): void {
    this.connection.close();
  }

  async containerState(name: string): Promise<ContainerState> {
    const output = await this.connection.run(`inspecting ${name}`, scriptArgv(inspectScript, {name}), stepLimit);
    const [status = '', health = '', exitCode = '0', restartCount = '0', oomKilled = 'false', memoryLimit = '0', oomEvents = '0'] = (
      lastLine(output) ?? ''
    ).split('|');
    return {
      status,
      health: health === '' ? undefined : health,
      exitCode: Number(exitCode),
      restartCount: Number(restartCount),
      // Docker clears OOMKilled when its restart policy starts the container again; the oom event stays.
      oomKilled: oomKilled === 'true' || Number(oomEvents) > 0,
      memoryLimit: Number(memoryLimit),
    };
  }

  async containerLogs(name: string, lines: number): Promise<string> {
    const result = await this.connection.exec(['docker', 'logs', '--tail', String(lines), name], stepLimit);
    return `${result.stdout}${result.stderr}`.trimEnd();
  }

  async remove(name: string): Promise<void> {
    await this.connection.run(`removing ${name}`, ['docker', 'rm', '--force', name], stepLimit);
  }

  /**
   * Switches the service's traffic to the new container (when `upstream` is given), waits until no connection to the
   * old one is left, stops the old container and records the release, in one round trip. Returns the remote times at
   * which each phase ended. See cutoverScript for how nginx and HAProxy share the switch.
   */
  async cutover(request: CutoverRequest): Promise<CutoverResult> {
    const upstream = request.upstream;
    const drainSeconds = Math.ceil(request.drainTimeoutMs / 1000);
    const stopSeconds = Math.ceil(request.stopTimeoutMs / 1000);
    const argv = scriptArgv(cutoverScript, {
      service: this.service,
      port: upstream ? String(upstream.port) : '',
      version: upstream?.version ?? '',
      upstream: upstream?.file ?? '',
      fragment: haproxy.sectionFile(this.service),
      admin: haproxy.adminSocket,
      listen_ports: listenerPortCandidates().join(' '),
      root: this.paths.root,
      drain: String(drainSeconds),
      old: request.old ?? '',
      quiet: request.quietSignal ?? '',
      stop_timeout: String(stopSeconds),
      history: this.paths.history,
      line: request.historyLine,
      nginx_pid_file: nginxPidFile,
      haproxy_pid_file: haproxy.pidFile,
      moved_from: upstream?.movedFrom ?? '',
    });
    // The drain, then docker stop's grace, then the host lock and reloads.
    const timeoutMs = (drainSeconds + stopSeconds) * 1000 + limitsMs.step;
    const result = await this.connection.exec(argv, {timeoutMs}).catch(error => {
      // Once the script ran, whether traffic moved is unknown: a rollback starts a fresh container of the old release
      // either way, and the new one must not be removed as if it had never served. A command that never started
      // changed nothing.
      if (!(error instanceof UnfinishedCommand)) throw error;
      throw new CutoverError(this.label, true, 'the cutover did not finish, so traffic may already go to the new container', errorMessage(error));
    });
    const marks = Object.fromEntries([...result.stdout.matchAll(/^(\w+) (\d+)$/gm)].map(match => [match[1], Number(match[2])]));
    const warnings = [...result.stdout.matchAll(/^warning (.+)$/gm)].map(match => match[1] as string);
    if (result.code !== 0) {
      // The script prints the switch mark once traffic goes to the new container, and exits 3 (with no mark) when
      // nothing was switched; a worker has nothing to switch and keeps the new container.
      const switched = upstream === undefined || marks.switched !== undefined;
      throw new CutoverError(
        this.label,
        switched,
        switched ? `the new container takes the traffic, but finishing the cutover failed (exit ${result.code})` : `nothing was switched (exit ${result.code})`,
        result.stderr,
      );
    }
    return {marks, drained: marks.timeout === undefined, warnings};
  }

  /**
   * Switches the service's maintenance mode (`status` only reads it): its HAProxy server to a section answering 503
   * with `page` but for `healthPath`, or back to the container. Returns whether it was on before.
   */
  async maintenance(mode: 'status' | 'on' | 'off', healthPath: string, page: string): Promise<boolean> {
    const output = await this.connection.run(
      mode === 'status' ? 'reading maintenance mode' : `switching maintenance ${mode}`,
      scriptArgv(maintenanceScript, {
        service: this.service,
        mode,
        fragment: haproxy.sectionFile(this.service),
        section_file: haproxy.maintenanceFile(this.service),
        admin: haproxy.adminSocket,
        listen_ports: listenerPortCandidates().join(' '),
        root: this.paths.root,
        // HAProxy's path matches without the query.
        health: healthPath.replace(/\?.*/, ''),
        haproxy_pid_file: haproxy.pidFile,
      }),
      {stdin: mode === 'on' ? page : '', ...stepLimit},
    );
    return lastLine(output) === 'was on';
  }

  /** What Monit on the host has: see parseMonitStatus. */
  async readMonit(): Promise<MonitStatus> {
    const result = await this.connection.exec(scriptArgv(monitScript, {mode: 'status', file: '', lock_dir: '', token: ''}), stepLimit);
    return parseMonitStatus(result.code, `${result.stdout}${result.stderr}`);
  }

  /**
   * Unmonitors or monitors the checks, and waits until Monit says it did. With `token` (the post step), only while this
   * run holds the lock; returns whether it asked Monit.
   */
  async switchMonit(mode: 'unmonitor' | 'monitor', checks: string[], token = ''): Promise<boolean> {
    if (checks.length === 0) return false;
    const output = await this.connection.run(
      `${mode === 'unmonitor' ? 'unmonitoring' : 'monitoring'} ${checks.join(', ')} in Monit`,
      scriptArgv(monitScript, {mode, file: '', lock_dir: this.paths.lock, token}, checks),
      stepLimit,
    );
    return lastLine(output) !== 'not held';
  }

  /** Writes the service's Monit checks (see renderMonitCheck) for its live container `container`, and reloads Monit. */
  async writeMonitCheck(container: string, healthPath: string): Promise<void> {
    const section = haproxy.sectionFile(this.service);
    const listener = Number(
      lastLine(
        await this.connection.run('reading the HAProxy listener', ['sed', '-n', 's/^  bind 127\\.0\\.0\\.1:\\([0-9][0-9]*\\)$/\\1/p', section], stepLimit),
      ),
    );
    if (!Number.isInteger(listener) || listener === 0) throw new RemoteError(this.label, `has no HAProxy listener for ${this.service} in ${section}`);
    await this.connection.run(
      'writing the Monit check',
      scriptArgv(monitScript, {mode: 'write', file: monitCheckFile(this.service), lock_dir: this.paths.lock, token: ''}, writtenCheckNames(this.service)),
      {stdin: renderMonitCheck(this.service, {port: listener, healthPath}, container), ...stepLimit},
    );
  }

  /** After a successful deploy: removes stopped containers, prunes releases no longer kept, releases the lock. */
  async finish(token: string, kept: Release[], dropped: Release[]): Promise<void> {
    const keptImages = new Set(kept.map(release => release.image));
    const images = [...new Set(dropped.map(release => release.image))].filter(image => !keptImages.has(image));
    await this.connection.run(
      'pruning old releases and releasing the lock',
      scriptArgv(finishScript, {lock_dir: this.paths.lock, token, service: this.service, env_dir: `${this.paths.root}/env`}, [
        ...kept.map(release => `${release.version}.env`),
        '--',
        ...images,
      ]),
      stepLimit,
    );
  }

  /**
   * What a plan reads beside the state, changing nothing: see planScript. `servingVersion` and `targetVersion` name the
   * env files whose keys it reads.
   */
  async readPlanFacts(request: PlanFactsRequest): Promise<PlanFacts> {
    const registry = parseImageRef(request.image)?.registry ?? '';
    const output = await this.connection.run(
      'reading what a deploy would change',
      scriptArgv(planScript, {
        image: request.image,
        serving_image: request.servingImage ?? '',
        serving_env: request.servingVersion === undefined ? '' : this.paths.envFile(request.servingVersion),
        target_env: request.targetVersion === undefined ? '' : this.paths.envFile(request.targetVersion),
        lock_dir: this.paths.lock,
        pull: request.pull ? 'yes' : '',
        registry,
        user: request.auth?.username ?? '',
        // The Engine talks plain HTTP to a registry on the loopback, and so must the manifest's request.
        insecure: /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/.test(registry) ? 'yes' : '',
      }),
      {stdin: request.auth?.password ?? '', ...stepLimit},
    );
    return parsePlanFacts(output);
  }
}

export interface PlanFactsRequest {
  /** The image the deploy would start: the new one, or a rollback's target; `''` for a rollback with none. */
  image: string;
  /** The deploy would pull `image` when it is not present (a rollback never does): ask the registry its size. */
  pull: boolean;
  servingImage: string | undefined;
  servingVersion: string | undefined;
  /** A rollback's target, whose kept env file its containers would start with. */
  targetVersion: string | undefined;
  auth: RegistryAuth | undefined;
}

/** An image on a host: its ID and the registry digests it was pulled by. */
export interface ImagePresence {
  id: string;
  repoDigests: string[];
}

/** Keys of an env file on a host, or why there are none to read. */
export type EnvKeys = {keys: string[]} | {missing: 'missing' | 'unreadable'};

export interface PlanFacts {
  image: ImagePresence | undefined;
  servingImage: ImagePresence | undefined;
  /** The Engine's `os/arch`, which picks a multi-platform image's manifest. */
  platform: string | undefined;
  disk: {dockerRoot: string; availableBytes: number} | undefined;
  servingEnv: EnvKeys | undefined;
  targetEnv: EnvKeys | undefined;
  lockHolder: Partial<LockHolder> | undefined;
  /** For an image not present: its manifest's digest and the compressed size of its layers, when the registry said. */
  manifest: {digest: string | undefined; layerBytes: number} | undefined;
}

/** The plan script's output. */
export function parsePlanFacts(output: string): PlanFacts {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    const heading = /^## ([a-z-]+)$/.exec(line)?.[1];
    if (heading === undefined) {
      current?.push(line);
    } else {
      current = [];
      sections.set(heading, current);
    }
  }
  const lines = (name: string) => (sections.get(name) ?? []).filter(line => line.trim() !== '');
  const presence = (name: string): ImagePresence | undefined => {
    const [word, id = '', ...repoDigests] = (lines(name)[0] ?? '').split(' ');
    return word === 'present' ? {id, repoDigests} : undefined;
  };
  // Empty when the plan asked for no env file.
  const envKeys = (name: string): EnvKeys | undefined => {
    const [first, ...keys] = lines(name);
    if (first === '#keys') return {keys};
    return first === '#missing' || first === '#unreadable' ? {missing: first.slice(1) as 'missing' | 'unreadable'} : undefined;
  };
  const [dockerRoot, available] = lines('disk');
  const lock = lines('lock').join('\n');
  const platform = lines('platform')[0];
  return {
    image: presence('image'),
    servingImage: presence('serving-image'),
    platform,
    disk: dockerRoot !== undefined && available !== undefined && /^\d+$/.test(available) ? {dockerRoot, availableBytes: Number(available)} : undefined,
    servingEnv: envKeys('serving-env'),
    targetEnv: envKeys('target-env'),
    lockHolder: lock === '' ? undefined : parseHolder(lock),
    manifest: parseManifest(lines('manifest').join('\n'), platform),
  };
}

function parseHolder(text: string): Partial<LockHolder> {
  try {
    return JSON.parse(text) as Partial<LockHolder>;
  } catch {
    return {};
  }
}

interface VerboseManifest {
  Descriptor?: {digest?: string; platform?: {os?: string; architecture?: string}};
  SchemaV2Manifest?: {layers?: Array<{size?: number}>};
  OCIManifest?: {layers?: Array<{size?: number}>};
}

/** `docker manifest inspect --verbose`: one entry for an image, one per platform for a multi-platform one. */
function parseManifest(text: string, platform: string | undefined): PlanFacts['manifest'] {
  if (text === '' || text === 'unavailable') return undefined;
  let parsed: VerboseManifest | VerboseManifest[];
  try {
    parsed = JSON.parse(text) as VerboseManifest | VerboseManifest[];
  } catch {
    return undefined;
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const entry =
    entries.length === 1
      ? entries[0]
      : entries.find(candidate => `${candidate.Descriptor?.platform?.os}/${candidate.Descriptor?.platform?.architecture}` === platform);
  const layers = (entry?.SchemaV2Manifest ?? entry?.OCIManifest)?.layers;
  if (!entry || !layers) return undefined;
  return {digest: entry.Descriptor?.digest, layerBytes: layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0)};
}

export interface CutoverRequest {
  /** nginx's upstream file and the new container's host port; `undefined` for a worker, which has nothing to switch. */
  upstream: {file: string; port: number; version: string; movedFrom?: string | undefined} | undefined;
  drainTimeoutMs: number;
  /** The container to stop once traffic has left it. */
  old: string | undefined;
  /** Sent to `old` before its stop. */
  quietSignal: string | undefined;
  stopTimeoutMs: number;
  historyLine: string;
}

export interface CutoverResult {
  /** Remote epoch milliseconds: begin, switched, drained or timeout, stopped. */
  marks: Record<string, number>;
  drained: boolean;
  /** What the host's setup made the switch do less well, for the log. */
  warnings: string[];
}

/** A failed cutover; `switched` is true only when the service's traffic already goes to the new container. */
export class CutoverError extends RemoteError {
  constructor(
    host: string,
    readonly switched: boolean,
    what: string,
    remoteOutput: string,
  ) {
    super(host, what, {remoteOutput});
  }
}

/** The state and lock scripts' output, as the deploy sees it. */
export function parseState(output: string): HostState {
  const [, containers = '', upstream = '', upstreamFile = '', history = ''] = output.split(/^## (?:containers|upstream|upstream-file|history)\n/m);
  const rows = containers
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(line => {
      const [name = '', version = '', image = '', state = '', ports = '', role = ''] = line.split('\t');
      const port = /127\.0\.0\.1:(\d+)->/.exec(ports)?.[1];
      // Restarting or paused is still the service's (the one serving may be restarting after a crash): only a container
      // that exited, was never started or is dead is a leftover.
      const running = !['exited', 'created', 'dead'].includes(state);
      return {role, container: {name, role, version, image, running, port: port === undefined ? undefined : Number(port)}};
    });
  return {
    containers: rows.filter(row => row.role !== 'pre-deploy').map(row => row.container),
    runningPreDeploys: rows.filter(row => row.role === 'pre-deploy' && row.container.running).map(row => row.container.name),
    upstreamPort: parseUpstreamPort(upstream),
    upstreamFile: upstreamFile.trim() || undefined,
    history: parseHistory(history),
  };
}

/** The memory script's output: `available BYTES`, then `NAME<TAB>BYTES` per container, or its usage as docker stats gives it. */
export function parseMemoryReport(output: string): {availableBytes: number; usage: Map<string, number>} {
  const available = /^available (\d+)$/m.exec(output)?.[1];
  if (available === undefined) throw new RemoteError('host', 'gave no MemAvailable from /proc/meminfo', {remoteOutput: output});
  const usage = new Map<string, number>();
  for (const match of output.matchAll(/^([^\t\n]+)\t([\d.]+)\s*([KMGT]?i?B)?(?:\s|$)/gm)) {
    const unit = (match[3] ?? 'B').replace('i', '');
    const scale = {B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4}[unit] ?? 1;
    usage.set(match[1] as string, Math.round(Number(match[2]) * scale));
  }
  return {availableBytes: Number(available), usage};
}
