import {ConfigError, parseDuration, parseSshTarget, type SshTarget} from '@circuitverse/shared';
import {isMap, isScalar, isSeq, parseDocument} from 'yaml';
import {parseCpus, parseMemory, parseStopSignal} from './container-settings.js';

/**
 * One kind of container of the service: the web that takes the traffic, or a worker such as Sidekiq. Every role of a
 * service moves to a release in the same deploy, under one lock, into one history.
 */
export interface Role {
  /** `''` for the service's only role when the `roles` input is not given: its containers carry no role label. */
  name: string;
  /** The command the container runs instead of the image's, as argv; `undefined` for the image's own. */
  command: string[] | undefined;
  /** Takes the service's traffic through nginx: health-checked over HTTP, switched with no gap. */
  traffic: boolean;
  /** Labels of the hosts it runs on; `undefined` for every host. */
  hosts: string[] | undefined;
  memoryBytes: number | undefined;
  cpus: string | undefined;
  /** The signal `docker stop` sends; `undefined` for the image's own (SIGTERM unless it sets STOPSIGNAL). */
  stopSignal: string | undefined;
  /** Sent to the old container first, so it takes no new work while the stop waits (TSTP for Sidekiq). */
  quietSignal: string | undefined;
  stopTimeoutMs: number;
  /** start-first: the new container runs beside the old one before it goes; stop-first: the old one goes first. */
  order: 'start-first' | 'stop-first';
  /** When a role without traffic moves: before or after the traffic role's switch. */
  replace: 'before-traffic' | 'after-traffic';
}

/** What every role starts from: the top-level inputs. */
export interface RoleDefaults {
  traffic: boolean;
  memoryBytes: number | undefined;
  cpus: string | undefined;
  stopSignal: string | undefined;
  stopTimeoutMs: number;
  sshUser: string;
  hosts: readonly SshTarget[];
}

// Shorter than the service's 63, as the name goes into container names beside the service and the version.
const roleNamePattern = /^[a-z0-9][a-z0-9-]{0,29}$/;
const roleKeys = ['cmd', 'traffic', 'hosts', 'memory', 'cpus', 'stop-signal', 'quiet-signal', 'stop-timeout', 'order', 'replace'] as const;
const example = 'web:\\n  cmd: bundle exec puma\\nsidekiq:\\n  cmd: bundle exec sidekiq\\n  quiet-signal: TSTP\\n  stop-timeout: 30s';

/** The service's only role when `roles` is not given: what the top-level inputs describe. */
export function defaultRole(defaults: RoleDefaults): Role {
  return {
    name: '',
    command: undefined,
    traffic: defaults.traffic,
    hosts: undefined,
    memoryBytes: defaults.memoryBytes,
    cpus: defaults.cpus,
    stopSignal: defaults.stopSignal,
    quietSignal: undefined,
    stopTimeoutMs: defaults.stopTimeoutMs,
    order: 'start-first',
    replace: 'after-traffic',
  };
}

/**
 * The `roles` input: a YAML map from role name to its settings, in the shape of Kamal's `servers:`. A role named
 * `web` takes the traffic unless it says otherwise; at most one role does.
 */
export function parseRoles(text: string, defaults: RoleDefaults): Role[] {
  const document = parseDocument(text, {uniqueKeys: true});
  if (document.errors.length) {
    throw new ConfigError('roles', `is not valid YAML (${(document.errors[0] as Error).message.split('\n')[0]})`, `Write a map of roles, e.g. ${example}.`);
  }
  const root = document.contents;
  if (!isMap(root) || root.items.length === 0) throw new ConfigError('roles', 'is not a map of role names to settings', `Write e.g. ${example}.`);
  const roles = root.items.map(pair => {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!roleNamePattern.test(name) || name === 'pre-deploy') {
      throw new ConfigError(
        'roles',
        `has a role named "${name.slice(0, 40)}"`,
        'Name roles with up to 30 lower-case letters, digits and "-" (pre-deploy is taken), such as web or sidekiq.',
      );
    }
    const value = pair.value;
    const settings = new Map<string, unknown>();
    if (isMap(value)) {
      for (const item of value.items) {
        const key = isScalar(item.key) ? String(item.key.value) : '';
        if (!(roleKeys as readonly string[]).includes(key)) {
          throw new ConfigError('roles', `gives ${name} an unknown setting "${key.slice(0, 40)}"`, `A role takes ${roleKeys.join(', ')}.`);
        }
        settings.set(key, isScalar(item.value) ? item.value.value : isSeq(item.value) ? item.value.toJSON() : item.value?.toJSON());
      }
    } else if (!(isScalar(value) && value.value === null) && value !== null) {
      throw new ConfigError('roles', `gives ${name} settings that are not a map`, `Write e.g. ${example}.`);
    }
    return readRole(name, settings, defaults);
  });
  const traffic = roles.filter(role => role.traffic);
  if (traffic.length > 1) {
    throw new ConfigError(
      'roles',
      `has more than one role that takes traffic (${traffic.map(role => role.name).join(', ')})`,
      'A service has one front: set traffic: false on the others, or deploy them as a service of their own.',
    );
  }
  return roles;
}

function readRole(name: string, settings: Map<string, unknown>, defaults: RoleDefaults): Role {
  const where = (key: string) => `roles (${name}.${key})`;
  const text = (key: string): string | undefined => {
    const value = settings.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object') throw new ConfigError(where(key), 'is not a single value', 'Write one value, such as 512m or 30s.');
    return String(value).trim();
  };
  const trafficText = text('traffic');
  if (trafficText !== undefined && trafficText !== 'true' && trafficText !== 'false') {
    throw new ConfigError(where('traffic'), `must be true or false, not "${trafficText}"`, 'Write traffic: true for the role behind nginx.');
  }
  const traffic = trafficText === undefined ? name === 'web' && defaults.traffic : trafficText === 'true';
  if (traffic && !defaults.traffic) {
    throw new ConfigError(where('traffic'), 'is true while proxy is none', 'Set proxy: nginx, or traffic: false for this role.');
  }
  const stopTimeoutText = text('stop-timeout');
  const stopTimeoutMs = stopTimeoutText === undefined ? defaults.stopTimeoutMs : parseDuration(stopTimeoutText);
  if (stopTimeoutMs === undefined) throw new ConfigError(where('stop-timeout'), `is not a duration ("${stopTimeoutText}")`, 'Write e.g. 30s or 2m.');
  const order = text('order') ?? 'start-first';
  if (order !== 'start-first' && order !== 'stop-first') {
    throw new ConfigError(where('order'), `must be start-first or stop-first, not "${order}"`, 'stop-first bounds the peak memory of a worker.');
  }
  if (traffic && order === 'stop-first') {
    throw new ConfigError(where('order'), 'is stop-first for the role that takes traffic', 'It must be start-first, so that no request finds nothing.');
  }
  const replace = text('replace') ?? 'after-traffic';
  if (replace !== 'before-traffic' && replace !== 'after-traffic') {
    throw new ConfigError(where('replace'), `must be before-traffic or after-traffic, not "${replace}"`, 'after-traffic is the usual choice.');
  }
  const memory = text('memory');
  const cpus = text('cpus');
  const stopSignal = text('stop-signal');
  const quietSignal = text('quiet-signal');
  return {
    name,
    command: readCommand(where('cmd'), settings.get('cmd')),
    traffic,
    hosts: readHosts(where('hosts'), settings.get('hosts'), defaults),
    memoryBytes: memory === undefined ? defaults.memoryBytes : parseMemory(where('memory'), memory),
    cpus: cpus === undefined ? defaults.cpus : parseCpus(where('cpus'), cpus),
    stopSignal: stopSignal === undefined ? defaults.stopSignal : parseStopSignal(where('stop-signal'), stopSignal),
    quietSignal: quietSignal === undefined ? undefined : parseStopSignal(where('quiet-signal'), quietSignal),
    stopTimeoutMs,
    order,
    replace,
  };
}

// A string is split at whitespace, with no shell: quotes would not mean what they seem. A list keeps each item whole.
function readCommand(input: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const words = Array.isArray(value) ? value.map(item => String(item)) : typeof value === 'string' ? value.trim().split(/\s+/) : undefined;
  if (!words || words.length === 0 || words[0] === '') throw new ConfigError(input, 'is empty or not a command', 'Write e.g. cmd: bundle exec sidekiq.');
  if (!Array.isArray(value) && /["'\\$`]/.test(value as string)) {
    throw new ConfigError(
      input,
      'has quotes or shell characters, which no shell reads here',
      'Write it as a list, one argument per item: [bundle, exec, sidekiq].',
    );
  }
  if (words.some(word => word.includes('\n') || word.includes('\0')))
    throw new ConfigError(input, 'has a line break in an argument', 'Keep each argument on one line.');
  return words;
}

function readHosts(input: string, value: unknown, defaults: RoleDefaults): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map(item => String(item)) : String(value).split(/[\n,]/);
  // The same host however it is written: its label is the hosts input's spelling.
  const key = (target: SshTarget) => `${target.user}@${target.host}:${target.port}`;
  const known = new Map(defaults.hosts.map(host => [key(host), host.label]));
  const labels = items
    .map(item => item.trim())
    .filter(item => item !== '')
    .map(item => {
      const target = parseSshTarget(item, defaults.sshUser);
      const label = target && known.get(key(target));
      if (label === undefined) {
        throw new ConfigError(input, `names "${item}", which is not one of the hosts`, 'List hosts that the hosts input names, as written there.');
      }
      return label;
    });
  if (labels.length === 0) throw new ConfigError(input, 'is empty', 'List at least one host, or leave hosts out for every host.');
  return [...new Set(labels)];
}

/** The roles in the order they move: workers that go first, the traffic role, then the other workers; as written. */
export function planRoleOrder(roles: readonly Role[]): Role[] {
  return [
    ...roles.filter(role => !role.traffic && role.replace === 'before-traffic'),
    ...roles.filter(role => role.traffic),
    ...roles.filter(role => !role.traffic && role.replace === 'after-traffic'),
  ];
}

/** Whether `role` runs on the host with this label. */
export function runsOn(role: Role, hostLabel: string): boolean {
  return role.hosts === undefined || role.hosts.includes(hostLabel);
}
