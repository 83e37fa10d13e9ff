import {randomBytes, randomInt} from 'node:crypto';
import {parseImageRef, RemoteError} from '@circuitverse/shared';
import type {SshConnection} from '@circuitverse/shared/ssh';
import {labels, parseHistory, parseUpstreamPort, type Release, servicePaths} from './release.js';
import {cutoverScript, finishScript, lockScript, pullScript, startScript, stateScript, unlockScript, writePrivateFileScript} from './remote-scripts.js';

export interface ServiceContainer {
  name: string;
  version: string;
  image: string;
  running: boolean;
  /** Host port on 127.0.0.1, when published. */
  port: number | undefined;
}

export interface HostState {
  containers: ServiceContainer[];
  /** The host port the service's traffic goes to: the live container's. */
  upstreamPort: number | undefined;
  history: Array<Release & {at: string}>;
}

export interface LockHolder {
  actor: string;
  runUrl: string;
  version: string;
  since: string;
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

function script(source: string, ...args: string[]): string[] {
  return ['sh', '-c', source, 'deploy', ...args];
}

/** Debian's paths for HAProxy, which the cutover switches; the host setup in the README makes it load `configDir`. */
const haproxy = {
  configDir: '/etc/haproxy/conf.d',
  sectionFile: (service: string) => `${haproxy.configDir}/${service}.cfg`,
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
    await this.connection.run(`pulling ${image}`, script(pullScript, registry, auth?.username ?? '', image), {stdin: auth?.password ?? ''});
  }

  async hasImage(image: string): Promise<boolean> {
    return (await this.connection.exec(['docker', 'image', 'inspect', '--format', '{{.Id}}', image])).code === 0;
  }

  /** Takes the service's lock and reads the state it now protects, or returns who holds the lock. */
  async lock(token: string, holder: LockHolder, upstreamFile: string): Promise<{state: HostState} | {heldBy: Partial<LockHolder>}> {
    const output = await this.connection.run(
      'taking the deploy lock',
      script(lockScript, this.paths.lock, token, this.service, upstreamFile, this.paths.history),
      {stdin: JSON.stringify(holder)},
    );
    if (output.startsWith('acquired\n')) return {state: parseState(output)};
    try {
      return {heldBy: JSON.parse(output) as Partial<LockHolder>};
    } catch {
      return {heldBy: {}};
    }
  }

  async unlock(token: string): Promise<boolean> {
    return (await this.connection.run('releasing the deploy lock', script(unlockScript, this.paths.lock, token, this.service))).trim() === 'released';
  }

  async readState(upstreamFile: string): Promise<HostState> {
    return parseState(await this.connection.run('reading the service state', script(stateScript, this.service, upstreamFile, this.paths.history)));
  }

  async hasEnvFile(version: string): Promise<boolean> {
    return (await this.connection.exec(['test', '-f', this.paths.envFile(version)])).code === 0;
  }

  async writeEnvFile(version: string, content: string): Promise<string> {
    const file = this.paths.envFile(version);
    await this.connection.run('writing the env file', script(writePrivateFileScript, file), {stdin: content});
    return file;
  }

  /**
   * Starts a container of the release beside the others, first writing its env file when `envContent` is given;
   * returns the container with the host port it was published on.
   */
  async start(release: Release, appPort: number | undefined, envContent: string | undefined): Promise<ServiceContainer> {
    const name = `${this.service}-${release.version}-${randomBytes(3).toString('hex')}`;
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
      '--env-file',
      envFile,
      release.image,
    ];
    const output = await this.connection.run(
      `starting ${release.version}`,
      script(
        startScript,
        name,
        appPort === undefined ? '' : String(appPort),
        envContent === undefined ? '' : envFile,
        appPort === undefined ? '' : hostPortCandidates().join(' '),
        ...args,
      ),
      {stdin: envContent ?? ''},
    );
    const port = appPort === undefined ? undefined : Number(output.trim());
    if (appPort !== undefined && !Number.isInteger(port)) {
      throw new RemoteError(this.label, `started ${name} but could not read its published port`, {remoteOutput: output});
    }
    return {name, version: release.version, image: release.image, running: true, port};
  }

  /** Runs a one-off container of the release with the release's env file; resolves with its exit code and output. */
  async runOnce(release: Release, command: string): Promise<{code: number; output: string}> {
    const name = `${this.service}-pre-deploy-${randomBytes(3).toString('hex')}`;
    const result = await this.connection.exec([
      'docker',
      'run',
      '--rm',
      '--name',
      name,
      '--env-file',
      this.paths.envFile(release.version),
      release.image,
      'sh',
      '-c',
      command,
    ]);
    return {code: result.code, output: `${result.stdout}${result.stderr}`};
  }

  async containerState(name: string): Promise<{status: string; health: string | undefined; exitCode: number}> {
    const output = await this.connection.run(`inspecting ${name}`, [
      'docker',
      'inspect',
      '--format',
      '{{.State.Status}}\t{{if .State.Health}}{{.State.Health.Status}}{{end}}\t{{.State.ExitCode}}',
      name,
    ]);
    const [status = '', health = '', exitCode = '0'] = output.trim().split('\t');
    return {status, health: health === '' ? undefined : health, exitCode: Number(exitCode)};
  }

  async containerLogs(name: string, lines: number): Promise<string> {
    const result = await this.connection.exec(['docker', 'logs', '--tail', String(lines), name]);
    return `${result.stdout}${result.stderr}`.trimEnd();
  }

  async remove(name: string): Promise<void> {
    await this.connection.run(`removing ${name}`, ['docker', 'rm', '--force', name]);
  }

  /**
   * Switches the service's traffic to the new container (when `upstream` is given), waits until no connection to the
   * old one is left, stops the old container and records the release, in one round trip. Returns the remote times at
   * which each phase ended. See cutoverScript for how nginx and HAProxy share the switch.
   */
  async cutover(request: CutoverRequest): Promise<CutoverResult> {
    const upstream = request.upstream;
    const result = await this.connection.exec(
      script(
        cutoverScript,
        this.service,
        upstream ? String(upstream.port) : '',
        upstream?.version ?? '',
        upstream?.file ?? '',
        haproxy.sectionFile(this.service),
        haproxy.adminSocket,
        listenerPortCandidates().join(' '),
        this.paths.root,
        String(Math.ceil(request.drainTimeoutMs / 1000)),
        request.old ?? '',
        this.paths.history,
        request.historyLine,
        nginxPidFile,
        haproxy.pidFile,
      ),
    );
    const marks = Object.fromEntries([...result.stdout.matchAll(/^(\w+) (\d+)$/gm)].map(match => [match[1], Number(match[2])]));
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
    return {marks, drained: marks.timeout === undefined};
  }

  /** After a successful deploy: removes the stopped container, prunes releases no longer kept, releases the lock. */
  async finish(token: string, stopped: string | undefined, kept: Release[], dropped: Release[]): Promise<void> {
    const keptImages = new Set(kept.map(release => release.image));
    const images = [...new Set(dropped.map(release => release.image))].filter(image => !keptImages.has(image));
    await this.connection.run(
      'pruning old releases and releasing the lock',
      script(finishScript, this.paths.lock, token, stopped ?? '', `${this.paths.root}/env`, ...kept.map(release => `${release.version}.env`), '--', ...images),
    );
  }
}

export interface CutoverRequest {
  /** nginx's upstream file and the new container's host port; `undefined` for a worker, which has nothing to switch. */
  upstream: {file: string; port: number; version: string} | undefined;
  drainTimeoutMs: number;
  /** The container to stop once traffic has left it. */
  old: string | undefined;
  historyLine: string;
}

export interface CutoverResult {
  /** Remote epoch milliseconds: begin, switched, drained or timeout, stopped. */
  marks: Record<string, number>;
  drained: boolean;
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

function parseState(output: string): HostState {
  const [, containers = '', upstream = '', history = ''] = output.split(/^## (?:containers|upstream|history)\n/m);
  return {
    containers: containers
      .split('\n')
      .filter(line => line.trim() !== '')
      .map(line => {
        const [name = '', version = '', image = '', state = '', ports = ''] = line.split('\t');
        const port = /127\.0\.0\.1:(\d+)->/.exec(ports)?.[1];
        return {name, version, image, running: state === 'running', port: port === undefined ? undefined : Number(port)};
      }),
    upstreamPort: parseUpstreamPort(upstream),
    history: parseHistory(history),
  };
}
