import {ConfigError, type InputReader, type Logger, parseImageRef, parseSshTarget, type SshTarget} from '@circuitverse/shared';
import {readSshCredentials, type SshCredentials} from '@circuitverse/shared/ssh';
import {type ContainerSettings, parseStopSignal, readContainerSettings} from './container-settings.js';
import type {MonitSettings} from './monit.js';
import {defaultRole, parseRoles, type Role, runsOn} from './roles.js';

export interface DeployInputs {
  /** ssh: every host over SSH; swarm: Swarm services through the manager, the first of hosts. */
  driver: 'ssh' | 'swarm';
  /** The two host ports the swarm driver's releases publish on in turn, behind each node's nginx. */
  swarmPorts: [number, number];
  hosts: SshTarget[];
  ssh: SshCredentials;
  service: string;
  /** `undefined` only when rolling back. */
  image: string | undefined;
  appPort: number;
  healthPath: string;
  healthTimeoutMs: number;
  /** Every role the service runs, in the order written; one unnamed role when the `roles` input is not given. */
  roles: Role[];
  container: ContainerSettings;
  nginxUpstreamFile: string;
  env: Map<string, string>;
  secrets: Map<string, string>;
  registryUsername: string | undefined;
  registryPassword: string | undefined;
  preDeploy: string | undefined;
  preDeployTimeoutMs: number;
  batchSize: number;
  onFailure: 'rollback' | 'stop';
  drainTimeoutMs: number;
  retain: number;
  lockWaitMs: number;
  /** How long to watch every host after the switch; 0 for no watch. */
  watchMs: number;
  /** Probed during the watch besides the health path. */
  watchPath: string | undefined;
  rollback: boolean;
  rollbackTo: string | undefined;
  /** Read everything, change nothing, report what the deploy (or rollback) would do. */
  plan: boolean;
  /** Given without an image: the run switches maintenance mode on every host and does nothing else. */
  maintenance: 'on' | 'off' | undefined;
  /** The maintenance page's HTML; `undefined` for the plain default. */
  maintenancePage: string | undefined;
  maintenanceDuringPreDeploy: boolean;
  /** The Monit checks each switch unmonitors and monitors again; `undefined` leaves Monit alone. */
  monit: MonitSettings | undefined;
  /** deployment.environment.name in the trace and in the app's OTEL_RESOURCE_ATTRIBUTES, e.g. production. */
  deploymentEnvironment: string | undefined;
}

// 63, as a DNS label: the name goes into container names, labels, file names and nginx's upstream.
const servicePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
// A URL path with an optional query, and nothing a shell or nginx would read specially.
const healthPathPattern = /^\/[A-Za-z0-9._~/%-]*(\?[A-Za-z0-9._~=&%-]*)?$/;
// What Monit takes for a check's name unquoted, and nothing its regular expressions read specially but the dot.
const monitCheckPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const absolutePathPattern = /^\/[A-Za-z0-9._/-]+$/;
// HAProxy holds the page and the response's headers in one buffer of 16 KiB.
const maintenancePageLimit = 8192;

/** Parses and checks every input; masks secrets before anything else can log them. */
export function readInputs(reader: InputReader, logger: Logger): DeployInputs {
  for (const secretInput of ['ssh-private-key', 'registry-password']) {
    const value = reader.optional(secretInput);
    if (value) logger.mask(value);
  }
  const registryPassword = reader.optional('registry-password');
  const secrets = reader.keyValues('secrets', {secret: true});
  for (const value of secrets.values()) logger.mask(value);

  const sshUser = reader.optional('ssh-user') ?? 'root';
  const hostTexts = reader.list('hosts');
  if (hostTexts.length === 0) throw new ConfigError('hosts', 'is required', 'List the hosts, one [user@]host[:port] per line.');
  const hosts = hostTexts.map(text => {
    const target = parseSshTarget(text, sshUser);
    if (!target) throw new ConfigError('hosts', `has an invalid host "${text}"`, 'Write [user@]host[:port], with IPv6 addresses in brackets.');
    return target;
  });
  const ssh = readSshCredentials(reader, 'every host');
  const service = reader.required('service', 'a name such as web');
  if (!servicePattern.test(service)) {
    throw new ConfigError(
      'service',
      `must be at most 63 lower-case letters, digits and "-", starting with a letter or digit (got "${service.length > 80 ? `${service.slice(0, 80)}…` : service}")`,
      'Use a name such as web or circuitverse-web.',
    );
  }
  const rollback = reader.boolean('rollback', false);
  const rollbackTo = reader.optional('rollback-to');
  const image = reader.optional('image');
  const maintenance = reader.optional('maintenance') === undefined ? undefined : reader.choice('maintenance', ['on', 'off'] as const, 'off');
  if (maintenance !== undefined && (image !== undefined || rollback || rollbackTo !== undefined)) {
    throw new ConfigError(
      'maintenance',
      'switches maintenance mode in a run of its own, with no image or rollback',
      "Leave image out to switch it; for a deploy's migrations, set maintenance-during-pre-deploy: true instead.",
    );
  }
  if (image === undefined && !rollback && rollbackTo === undefined && maintenance === undefined) {
    throw new ConfigError(
      'image',
      'is required unless rolling back or switching maintenance',
      'Set it to the image with a tag or digest, e.g. the image-ref output of build-image.',
    );
  }
  if (image !== undefined) {
    const ref = parseImageRef(image);
    if (!ref || (ref.tag === undefined && ref.digest === undefined)) {
      throw new ConfigError('image', `is not an image reference with a tag or digest ("${image}")`, 'Use registry/name:tag or registry/name@sha256:...');
    }
  }
  const healthPath = reader.optional('health-path') ?? '/up';
  if (!healthPathPattern.test(healthPath)) {
    throw new ConfigError('health-path', `is not a plain URL path ("${healthPath}")`, 'Use a path such as /up, made of letters, digits and . _ ~ / % -.');
  }
  const watchMs = reader.duration('watch', '0s');
  const watchPath = reader.optional('watch-path');
  if (watchPath !== undefined && !healthPathPattern.test(watchPath)) {
    throw new ConfigError('watch-path', `is not a plain URL path ("${watchPath}")`, 'Use a path such as /health/db, made of letters, digits and . _ ~ / % -.');
  }
  if (watchPath !== undefined && watchMs === 0) {
    throw new ConfigError('watch-path', 'is set while watch is 0s, so it would never be probed', 'Set watch to how long to probe it, e.g. watch: 5m.');
  }
  const nginxUpstreamFile = reader.optional('nginx-upstream-file') ?? `/etc/nginx/conf.d/${service}-upstream.conf`;
  if (!absolutePathPattern.test(nginxUpstreamFile) || nginxUpstreamFile.split('/').some(part => part === '..' || part === '.')) {
    throw new ConfigError(
      'nginx-upstream-file',
      `is not a plain absolute path ("${nginxUpstreamFile}")`,
      'Use a path such as /etc/nginx/conf.d/web-upstream.conf.',
    );
  }
  const registryUsername = reader.optional('registry-username');
  if ((registryUsername === undefined) !== (registryPassword === undefined)) {
    const missing = registryUsername === undefined ? 'registry-username' : 'registry-password';
    throw new ConfigError(missing, 'is missing while its partner is set', 'Set both registry-username and registry-password, or neither.');
  }
  const container = readContainerSettings(reader);
  const stopSignalText = reader.optional('stop-signal');
  const defaults = {
    traffic: reader.choice('proxy', ['nginx', 'none'] as const, 'nginx') === 'nginx',
    memoryBytes: container.memoryBytes,
    cpus: container.cpus,
    stopSignal: stopSignalText === undefined ? undefined : parseStopSignal('stop-signal', stopSignalText),
    stopTimeoutMs: reader.duration('stop-timeout', '30s'),
    sshUser,
    hosts,
  };
  const rolesText = reader.optional('roles');
  const roles = rolesText === undefined ? [defaultRole(defaults)] : parseRoles(rolesText, defaults);
  const idle = hosts.find(host => !roles.some(role => runsOn(role, host.label)));
  if (idle) throw new ConfigError('roles', `gives ${idle.label} no role`, 'Leave hosts out of a role for every host, or take that host out of hosts.');
  const traffic = roles.find(role => role.traffic);
  if (traffic && container.network === 'host') {
    throw new ConfigError(
      'network',
      `is host while ${traffic.name || 'the service'} takes traffic: its old and new containers cannot both listen on ${reader.optional('app-port') ?? '3000'}`,
      "Keep the bridge network and reach the host's PostgreSQL and Redis by its address (add-hosts: host.docker.internal:host-gateway), or keep network: host for a service of workers (proxy: none).",
    );
  }
  const preDeploy = reader.optional('pre-deploy');
  const maintenanceDuringPreDeploy = reader.boolean('maintenance-during-pre-deploy', false);
  if (maintenanceDuringPreDeploy && preDeploy === undefined) {
    throw new ConfigError('maintenance-during-pre-deploy', 'is true with no pre-deploy to run in maintenance', 'Set pre-deploy, or leave this out.');
  }
  if (!traffic && (maintenance !== undefined || maintenanceDuringPreDeploy)) {
    throw new ConfigError(
      maintenance === undefined ? 'maintenance-during-pre-deploy' : 'maintenance',
      'needs a role that takes traffic: maintenance mode answers it',
      'Leave it out for a service of workers (proxy: none).',
    );
  }
  const maintenancePage = reader.optional('maintenance-page');
  if (maintenancePage !== undefined && Buffer.byteLength(maintenancePage) > maintenancePageLimit) {
    throw new ConfigError(
      'maintenance-page',
      `is ${Buffer.byteLength(maintenancePage)} bytes; HAProxy answers with at most ${maintenancePageLimit}`,
      'Keep the page small: link its images and styles from elsewhere.',
    );
  }
  const monit = readMonitSettings(reader, service);
  if (monit?.writeCheck && !traffic) {
    throw new ConfigError(
      'monit-check',
      "is write, but no role takes traffic: the check is the service's health behind HAProxy",
      'Leave it out for a service of workers (proxy: none).',
    );
  }
  return {
    monit,
    driver: reader.choice('driver', ['ssh', 'swarm'] as const, 'ssh'),
    swarmPorts: readSwarmPorts(reader),
    hosts,
    ssh,
    service,
    image,
    appPort: reader.integer('app-port', 3000, {min: 1, max: 65535}),
    healthPath,
    healthTimeoutMs: reader.duration('health-timeout', '60s'),
    roles,
    container,
    nginxUpstreamFile,
    env: reader.keyValues('env'),
    secrets,
    registryUsername,
    registryPassword,
    preDeploy,
    preDeployTimeoutMs: reader.duration('pre-deploy-timeout', '30m'),
    batchSize: reader.integer('batch-size', hosts.length, {min: 1, max: 10_000}),
    onFailure: reader.choice('on-failure', ['rollback', 'stop'] as const, 'rollback'),
    drainTimeoutMs: reader.duration('drain-timeout', '30s'),
    retain: reader.integer('retain', 5, {min: 1, max: 100}),
    lockWaitMs: reader.duration('lock-wait', '0s'),
    watchMs,
    watchPath,
    rollback,
    rollbackTo,
    plan: reader.boolean('plan', false),
    maintenance,
    maintenancePage,
    maintenanceDuringPreDeploy,
    deploymentEnvironment: reader.optional('deployment-environment'),
  };
}

function readMonitSettings(reader: InputReader, service: string): MonitSettings | undefined {
  const writeCheck = reader.choice('monit-check', ['none', 'write'] as const, 'none') === 'write';
  const text = reader.optional('monit');
  // The checks the deploy writes are found by the convention: writing them implies keeping them quiet.
  if (text === undefined || text === 'false') return writeCheck ? {checks: 'convention', writeCheck} : undefined;
  if (text === 'true') return {checks: 'convention', writeCheck};
  const checks = reader.list('monit');
  const bad = checks.find(name => !monitCheckPattern.test(name));
  if (bad !== undefined) {
    throw new ConfigError(
      'monit',
      `has "${bad}", which is not a Monit check name`,
      `Write true for the checks named ${service} or ${service}-…, or the check names, one a line, as monit summary shows them.`,
    );
  }
  return {checks, writeCheck};
}

function readSwarmPorts(reader: InputReader): [number, number] {
  const text = reader.optional('swarm-ports') ?? '8080,8081';
  const ports = text.split(',').map(part => Number(part.trim()));
  const [first, second] = ports;
  if (ports.length !== 2 || !ports.every(port => Number.isInteger(port) && port >= 1 && port <= 65535) || first === second) {
    throw new ConfigError(
      'swarm-ports',
      `is not two different ports ("${text}")`,
      'Write two host ports, such as 8080,8081, and list both in the nginx upstream of every node.',
    );
  }
  return [first as number, second as number];
}
