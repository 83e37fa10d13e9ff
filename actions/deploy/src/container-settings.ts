import {isIPv4, isIPv6} from 'node:net';
import {ConfigError, formatBytes, type InputReader} from '@circuitverse/shared';

// Container settings for `docker run`: each input is checked here, and every value reaches Docker as its own argv
// item after its flag, never through shell text. Every accepted value starts with a letter, a digit, `_` or `/`, so
// none can be read as a flag of its own either.

/** What every container of the service runs with; a role may override memory, cpus and the stop signal. */
export interface ContainerSettings {
  /** `undefined`: Docker's default bridge. */
  network?: string;
  /** `name:address`, the form every Docker CLI since 20.10 takes (IPv6 addresses bare, not in brackets). */
  addHosts: string[];
  /** `source:target[:options]`. */
  volumes: string[];
  memoryBytes?: number;
  cpus?: string;
  labels: Map<string, string>;
  logDriver?: string;
  logOptions: Map<string, string>;
  user?: string;
}

/** What one container adds to the settings or overrides in them. */
export interface ContainerOverrides {
  memoryBytes?: number;
  cpus?: string;
  stopSignal?: string;
  stopTimeoutSeconds?: number;
}

/**
 * The kernel's OOM killer picks the process with the highest score. App containers get +500 so that, when the host
 * runs out of memory, a Puma or Sidekiq process (which Docker restarts) goes before PostgreSQL or Redis on the same
 * host, which run at 0 or below. Raising a score needs no privilege, so this works for rootless Docker too.
 */
export const appOomScoreAdj = 500;

/** Docker's floor: the daemon refuses a smaller `--memory` ("Minimum memory limit allowed is 6MB"). */
const minimumMemoryBytes = 6 * 1024 * 1024;
// Docker reads every unit as binary (`m` and `mb` alike are MiB), as here.
const memoryUnits: Record<string, number> = {'': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3};
const memoryPattern = /^(\d+(?:\.\d+)?)(?:([bkmg])|([kmg])(?:i?b))?$/i;

// 0.01 is a CFS quota of 1 ms per 100 ms period, the kernel's smallest: runc fails to start a container with less.
const cpusPattern = /^(\d{1,4})(?:\.(\d{1,3}))?$/;

// Linux's numbers, as on x86-64 and arm64 hosts.
const stopSignals: Record<string, number> = {HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, TSTP: 20, WINCH: 28};

// Docker's rule for network names.
const networkPattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
// Docker's rule for local volume names: at least two characters. (A one-letter `x:/data` is not refused by the
// Docker CLI but read as a Windows drive: an anonymous volume at `x:/data`.)
const volumeNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const pathSegmentPattern = /^[A-Za-z0-9._-]+$/;
const volumeOptions = ['ro', 'rw', 'z', 'Z'];
// RFC 1123: labels of letters, digits and inner hyphens, joined by dots.
const hostLabelPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Docker's guideline for label keys: lower case, reverse-DNS style.
const labelKey = {pattern: /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/, description: 'lower-case letters, digits, ".", "_" and "-", such as com.example.team'};
/** The action's own labels, which find the service's containers: a user's label there would confuse that. */
const reservedLabelPrefix = 'circuitverse.deploy.';
const logDriverPattern = /^[a-z0-9][a-z0-9_.-]*$/;
const logOptionKey = {pattern: /^[a-z0-9][a-z0-9_.-]*$/, description: 'lower-case letters, digits, ".", "_" and "-", such as max-size'};
const userPart = '(?:[a-z_][a-z0-9_-]{0,31}|\\d{1,10})';
const userPattern = new RegExp(`^${userPart}(?::${userPart})?$`);

/** A value for an error line: quoted, on one line, and cut short when long. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** A size such as `512m`, `512mb`, `768MiB` or `1.5g` (binary units, as Docker reads them), in bytes. */
export function parseMemory(input: string, text: string): number {
  const match = memoryPattern.exec(text);
  if (!match) {
    throw new ConfigError(input, `is not a size (${quote(text)})`, 'Write a number with a unit b, k, m or g, such as 512m or 1.5g.');
  }
  const [, amount = '', unit, unitBeforeB] = match;
  const bytes = Math.floor(Number(amount) * (memoryUnits[(unit ?? unitBeforeB ?? '').toLowerCase()] ?? 1));
  if (bytes < minimumMemoryBytes) {
    throw new ConfigError(
      input,
      `is ${formatBytes(bytes, 'binary')} (${quote(text)}), below Docker's minimum of 6 MiB`,
      'Give at least 6m; a number without a unit is bytes.',
    );
  }
  if (!Number.isSafeInteger(bytes)) throw new ConfigError(input, `is too large (${quote(text)})`, 'Give the limit in m or g, such as 512m or 2g.');
  return bytes;
}

/** A number of CPUs such as `0.5`, `1` or `1.5`, with at most 3 decimals, normalised (`01.50` is `1.5`). */
export function parseCpus(input: string, text: string): string {
  const match = cpusPattern.exec(text);
  const normalised = match ? `${Number(match[1])}${match[2] && Number(match[2]) > 0 ? `.${match[2].replace(/0+$/, '')}` : ''}` : undefined;
  if (normalised === undefined || Number(normalised) < 0.01) {
    throw new ConfigError(input, `is not a number of CPUs from 0.01 up (${quote(text)})`, 'Write a number with at most 3 decimals, such as 0.5, 1 or 1.5.');
  }
  return normalised;
}

/** `SIGTERM`, `TERM`, `term` or `15` (Linux's numbers), from the signals an app stops on, as `SIGTERM`. */
export function parseStopSignal(input: string, text: string): string {
  const upper = text.toUpperCase();
  const name = /^\d+$/.test(text)
    ? Object.keys(stopSignals).find(signal => stopSignals[signal] === Number(text))
    : Object.keys(stopSignals).find(signal => upper === signal || upper === `SIG${signal}`);
  if (name === undefined) {
    throw new ConfigError(input, `is not a stop signal (${quote(text)})`, `Use one of ${Object.keys(stopSignals).join(', ')}, such as TERM or SIGTERM.`);
  }
  return `SIG${name}`;
}

/**
 * `bridge` is Docker's default, so `undefined`. Under `host` and `none` Docker publishes no port (host: with a
 * warning; none: silently), so those suit only containers nobody sends traffic to.
 */
function readNetwork(reader: InputReader): string | undefined {
  const network = reader.optional('network');
  if (network === undefined || network === 'bridge') return undefined;
  if (network.startsWith('container:')) {
    // Docker refuses a published port in another container's network namespace, and two releases side by side
    // cannot both listen there.
    throw new ConfigError(
      'network',
      `cannot join another container's network (${quote(network)}): the app's port could not be published`,
      'Use bridge, host, none or a network made with docker network create.',
    );
  }
  if (!networkPattern.test(network)) {
    throw new ConfigError(
      'network',
      `is not a network name (${quote(network)})`,
      'Use bridge, host, none or the name of a network made with docker network create: letters, digits, "_", "." and "-".',
    );
  }
  return network;
}

function readAddHosts(reader: InputReader): string[] {
  return reader.list('add-hosts').map(entry => {
    const separator = entry.search(/[:=]/);
    const name = separator === -1 ? '' : entry.slice(0, separator);
    const bracketed = /^\[(.*)\]$/.exec(entry.slice(separator + 1));
    const address = bracketed ? (bracketed[1] ?? '') : entry.slice(separator + 1);
    if (separator === -1 || !isHostname(name)) {
      throw new ConfigError(
        'add-hosts',
        `has an entry that is not name:address (${quote(entry)})`,
        'Write a hostname, ":" and an address, such as db:10.0.0.5.',
      );
    }
    // No IPv6 zone (`%eth0`): Docker refuses one.
    if (address !== 'host-gateway' && !isIPv4(address) && !(isIPv6(address) && !address.includes('%'))) {
      throw new ConfigError(
        'add-hosts',
        `has an address that is not an IP address or host-gateway (${quote(entry)})`,
        'Give an IPv4 or IPv6 address, or host-gateway for the host itself, such as db:host-gateway.',
      );
    }
    return `${name}:${address}`;
  });
}

function isHostname(name: string): boolean {
  return name.length <= 253 && name.split('.').every(label => hostLabelPattern.test(label));
}

/** An absolute path with no `.` or `..` segments and no empty ones; nothing Docker's `-v` syntax reads (`:`, `,`). */
function isPlainAbsolutePath(path: string): boolean {
  if (path === '/') return true;
  const [first, ...segments] = path.split('/');
  return first === '' && segments.every(segment => pathSegmentPattern.test(segment) && segment !== '.' && segment !== '..');
}

function readVolumes(reader: InputReader): string[] {
  // Lines, not reader.list: options are comma-separated (`ro,z`).
  const lines = (reader.optional('volumes') ?? '').split(/\r?\n/).map(line => line.trim());
  const targets = new Set<string>();
  return lines
    .filter(line => line !== '' && !line.startsWith('#'))
    .map(line => {
      const [source = '', target = '', options, ...rest] = line.split(':');
      const fix = 'Write source:target[:ro], with an absolute host path or a volume name as source, such as /srv/uploads:/rails/public/uploads.';
      if (rest.length > 0 || target === '') throw new ConfigError('volumes', `has a line that is not source:target[:options] (${quote(line)})`, fix);
      if (source.startsWith('/') ? !isPlainAbsolutePath(source) : !volumeNamePattern.test(source)) {
        throw new ConfigError(
          'volumes',
          `has a source that is neither a plain absolute path nor a volume name (${quote(line)})`,
          'Use an absolute host path of letters, digits, "_", "." and "-" (no ".."), or a volume name of two or more such characters.',
        );
      }
      if (target === '/' || !isPlainAbsolutePath(target)) {
        throw new ConfigError(
          'volumes',
          `has a target that is not a plain absolute path below / (${quote(line)})`,
          'Use an absolute container path of letters, digits, "_", "." and "-" (no ".."), such as /rails/storage.',
        );
      }
      if (options !== undefined) {
        const words = options.split(',');
        const has = (...choices: string[]) => words.filter(word => choices.includes(word)).length;
        if (!words.every(word => volumeOptions.includes(word)) || has('ro', 'rw') > 1 || has('z', 'Z') > 1) {
          throw new ConfigError(
            'volumes',
            `has options other than ro or rw, and z or Z (${quote(line)})`,
            'Write :ro for read-only, or leave the options out.',
          );
        }
      }
      if (targets.has(target)) throw new ConfigError('volumes', `mounts two volumes at ${target}`, 'Keep one line per target.');
      targets.add(target);
      return line;
    });
}

function readLabels(reader: InputReader): Map<string, string> {
  const labels = reader.keyValues('labels', {key: labelKey});
  for (const key of labels.keys()) {
    if (key.startsWith(reservedLabelPrefix)) {
      throw new ConfigError('labels', `sets "${key}", one of the action's own labels`, `Use a key outside ${reservedLabelPrefix}, such as com.example.team.`);
    }
  }
  return labels;
}

// Checked against Docker's grammar here, a wrong value fails the step before any host is touched.
function readMatching(reader: InputReader, name: string, pattern: RegExp, expected: string, fix: string): string | undefined {
  const value = reader.optional(name);
  if (value !== undefined && !pattern.test(value)) throw new ConfigError(name, `is not ${expected} (${quote(value)})`, fix);
  return value;
}

/** Parses and checks the container inputs. */
export function readContainerSettings(reader: InputReader): ContainerSettings {
  const memory = reader.optional('memory');
  const cpus = reader.optional('cpus');
  return {
    network: readNetwork(reader),
    addHosts: readAddHosts(reader),
    volumes: readVolumes(reader),
    memoryBytes: memory === undefined ? undefined : parseMemory('memory', memory),
    cpus: cpus === undefined ? undefined : parseCpus('cpus', cpus),
    labels: readLabels(reader),
    logDriver: readMatching(
      reader,
      'log-driver',
      logDriverPattern,
      'a logging driver name',
      'Use a driver such as json-file, local, journald or syslog: lower-case letters, digits, "_", "." and "-".',
    ),
    logOptions: reader.keyValues('log-options', {key: logOptionKey}),
    user: readMatching(
      reader,
      'user',
      userPattern,
      'user[:group]',
      'Give a user name or UID, and optionally ":" and a group name or GID, such as rails or 1000:1000.',
    ),
  };
}

/**
 * `docker run` options (argv items, no shell) for one container: the settings with its overrides of memory and
 * cpus, and its stop signal and timeout. Always `--oom-score-adj` (see `appOomScoreAdj`).
 */
export function dockerRunOptions(settings: ContainerSettings, container: ContainerOverrides): string[] {
  const options: string[] = [];
  if (settings.network !== undefined) options.push('--network', settings.network);
  for (const host of settings.addHosts) options.push('--add-host', host);
  for (const volume of settings.volumes) options.push('--volume', volume);
  if (settings.user !== undefined) options.push('--user', settings.user);
  const memoryBytes = container.memoryBytes ?? settings.memoryBytes;
  // Swap equal to the limit: no swap beyond it, so the limit is the memory the container has.
  if (memoryBytes !== undefined) options.push('--memory', String(memoryBytes), '--memory-swap', String(memoryBytes));
  const cpus = container.cpus ?? settings.cpus;
  if (cpus !== undefined) options.push('--cpus', cpus);
  options.push('--oom-score-adj', String(appOomScoreAdj));
  if (container.stopSignal !== undefined) options.push('--stop-signal', container.stopSignal);
  if (container.stopTimeoutSeconds !== undefined) {
    if (!Number.isSafeInteger(container.stopTimeoutSeconds) || container.stopTimeoutSeconds < 0) {
      throw new Error(`Not a stop timeout in whole seconds: ${container.stopTimeoutSeconds}`);
    }
    options.push('--stop-timeout', String(container.stopTimeoutSeconds));
  }
  if (settings.logDriver !== undefined) options.push('--log-driver', settings.logDriver);
  for (const [key, value] of settings.logOptions) options.push('--log-opt', `${key}=${value}`);
  for (const [key, value] of settings.labels) options.push('--label', `${key}=${value}`);
  return options;
}
