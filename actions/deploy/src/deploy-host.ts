import {randomBytes} from 'node:crypto';
import {parseImageRef, RemoteError, type SshConnection} from '@circuitverse/shared';
import {labels, parseHistory, parseUpstreamPort, type Release, servicePaths} from './release.js';
import {
  appendHistoryScript,
  drainScript,
  lockScript,
  pruneEnvFilesScript,
  pullScript,
  startScript,
  stateScript,
  switchScript,
  unlockScript,
  writePrivateFileScript,
} from './remote-scripts.js';

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
  /** The port the service's nginx upstream points at. */
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

function script(source: string, ...args: string[]): string[] {
  return ['sh', '-c', source, 'deploy', ...args];
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

  /** Takes the service's lock, or returns who holds it. */
  async lock(token: string, holder: LockHolder): Promise<'acquired' | Partial<LockHolder>> {
    const output = await this.connection.run('taking the deploy lock', script(lockScript, this.paths.lock, token), {stdin: JSON.stringify(holder)});
    if (output.trim() === 'acquired') return 'acquired';
    try {
      return JSON.parse(output) as Partial<LockHolder>;
    } catch {
      return {};
    }
  }

  async unlock(token: string): Promise<boolean> {
    return (await this.connection.run('releasing the deploy lock', script(unlockScript, this.paths.lock, token))).trim() === 'released';
  }

  async readState(upstreamFile: string): Promise<HostState> {
    const output = await this.connection.run('reading the service state', script(stateScript, this.service, upstreamFile, this.paths.history));
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

  async hasEnvFile(version: string): Promise<boolean> {
    return (await this.connection.exec(['test', '-f', this.paths.envFile(version)])).code === 0;
  }

  async writeEnvFile(version: string, content: string): Promise<string> {
    const file = this.paths.envFile(version);
    await this.connection.run('writing the env file', script(writePrivateFileScript, file), {stdin: content});
    return file;
  }

  /** Starts a container of the release beside the others; returns it with the port it was published on. */
  async start(release: Release, appPort: number | undefined): Promise<ServiceContainer> {
    const name = `${this.service}-${release.version}-${randomBytes(3).toString('hex')}`;
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
      this.paths.envFile(release.version),
      ...(appPort === undefined ? [] : ['--publish', `127.0.0.1::${appPort}`]),
      release.image,
    ];
    const output = await this.connection.run(`starting ${release.version}`, script(startScript, name, appPort === undefined ? '' : String(appPort), ...args));
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

  /** Points the upstream at a port and reloads nginx; returns the old worker PIDs to wait for. */
  async switchUpstream(file: string, content: string): Promise<string[]> {
    const output = await this.connection.run('switching nginx', script(switchScript, file), {stdin: content});
    return output
      .trim()
      .split(/\s+/)
      .filter(pid => /^\d+$/.test(pid));
  }

  /** Waits until nginx's old workers have finished their requests and exited. */
  async drain(workers: string[], timeoutMs: number): Promise<'drained' | 'timeout'> {
    const output = await this.connection.run('draining nginx', script(drainScript, String(Math.ceil(timeoutMs / 1000)), ...workers));
    return output.trim() === 'timeout' ? 'timeout' : 'drained';
  }

  /** Stops a container gracefully (SIGTERM, then SIGKILL after the timeout) and removes it. */
  async stop(name: string, timeoutMs: number): Promise<void> {
    await this.connection.run(`stopping ${name}`, ['docker', 'stop', '--time', String(Math.ceil(timeoutMs / 1000)), name]);
    await this.connection.run(`removing ${name}`, ['docker', 'rm', name]);
  }

  async remove(name: string): Promise<void> {
    await this.connection.run(`removing ${name}`, ['docker', 'rm', '--force', name]);
  }

  async appendHistory(release: Release, at: Date): Promise<void> {
    await this.connection.run(
      'recording the release',
      script(appendHistoryScript, this.paths.history, `${at.toISOString()}\t${release.version}\t${release.image}`),
    );
  }

  /** Removes env files and images of releases no longer kept; an image still in use stays. */
  async prune(kept: Release[], dropped: Release[]): Promise<void> {
    await this.connection.run('pruning old env files', script(pruneEnvFilesScript, `${this.paths.root}/env`, ...kept.map(release => `${release.version}.env`)));
    const keptImages = new Set(kept.map(release => release.image));
    for (const image of new Set(dropped.map(release => release.image))) {
      if (!keptImages.has(image)) await this.connection.exec(['docker', 'image', 'rm', image]);
    }
  }
}
