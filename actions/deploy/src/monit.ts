import {ConfigError} from '@circuitverse/shared';

/** The `monit` and `monit-check` inputs: which Monit checks a deploy keeps quiet, and whether it writes its own. */
export interface MonitSettings {
  /** `convention`: the checks named `<service>` or `<service>-…`; else exactly these names. */
  checks: 'convention' | string[];
  /** Write `<service>` and `<service>-container` (see renderMonitCheck) after each switch, and reload Monit. */
  writeCheck: boolean;
}

/** One check as `monit -B status` lists it. */
export interface MonitCheck {
  name: string;
  /** Monit's word for it: Process, Program, Remote Host, System, … */
  type: string;
  /** `Monitored`, `Not monitored`, `Initializing` or `Waiting`. */
  monitoring: string;
}

/** What the Monit script's status mode found: no monit command, a daemon that does not answer, or its checks. */
export type MonitStatus = {kind: 'absent'} | {kind: 'silent'; said: string} | {kind: 'answers'; checks: MonitCheck[]};

/** Debian's include directory (`include /etc/monit/conf.d/*` in its monitrc), where monit-check: write puts its file. */
export const monitConfigDir = '/etc/monit/conf.d';

export function monitCheckFile(service: string): string {
  return `${monitConfigDir}/circuitverse-deploy-${service}`;
}

/** The checks monit-check: write names, for the service's stable front and its live container. */
export function writtenCheckNames(service: string): string[] {
  return [service, `${service}-container`];
}

/** The status script's output and exit code. */
export function parseMonitStatus(code: number, output: string): MonitStatus {
  if (/^#no-monit$/m.test(output)) return {kind: 'absent'};
  const lines = output.split('\n').map(line => line.trimEnd());
  if (code !== 0) return {kind: 'silent', said: lines.filter(line => line.trim() !== '').at(-1) ?? `exit ${code}`};
  const checks: MonitCheck[] = [];
  for (const line of lines) {
    const header = /^([A-Z][A-Za-z ]*) '(.+)'$/.exec(line);
    if (header) checks.push({type: header[1] as string, name: header[2] as string, monitoring: ''});
    const monitoring = /^ {2}monitoring status +(.+)$/.exec(line)?.[1];
    const last = checks.at(-1);
    if (monitoring !== undefined && last) last.monitoring = monitoring;
  }
  return {kind: 'answers', checks};
}

/**
 * The checks a deploy unmonitors on a host, from what the host's Monit has: by the naming convention, the service's
 * own name and `<service>-…` (never the System check, which is named after the host); or each name given, which must
 * all be there. The checks monit-check: write makes count once written. A ConfigError when nothing is to be had.
 * With `monitoredOnly` (the deploy, before its switches) a check Monit does not monitor is left out, as the operator
 * turned it off: monitoring it again after the switch would turn it back on. The written checks stay, as the deploy
 * rewrites them. The post step plans without it, to monitor again what a deploy cut off left unmonitored.
 */
export function planMonitChecks(service: string, settings: MonitSettings, status: MonitStatus, host: string, {monitoredOnly = false} = {}): string[] {
  const fix = 'Install Monit there with its HTTP interface on (set httpd unixsocket … or port …, which monit unmonitor talks to), or leave monit out.';
  if (status.kind === 'absent') throw new ConfigError('monit', `is set, but ${host} has no monit command`, fix);
  if (status.kind === 'silent') throw new ConfigError('monit', `is set, but Monit on ${host} does not answer (${status.said})`, fix);
  const names = status.checks.filter(check => check.type !== 'System').map(check => check.name);
  const written = settings.writeCheck ? writtenCheckNames(service).filter(name => names.includes(name)) : [];
  const off = new Set(monitoredOnly ? status.checks.filter(check => check.monitoring === 'Not monitored').map(check => check.name) : []);
  const kept = (name: string) => !off.has(name) || written.includes(name);
  if (settings.checks === 'convention') {
    const found = names.filter(name => name === service || name.startsWith(`${service}-`));
    if (found.length === 0 && !settings.writeCheck) {
      throw new ConfigError(
        'monit',
        `is true, but ${host}'s Monit has no check named ${service} or ${service}-… (it has ${names.length ? names.join(', ') : 'none'})`,
        'Name the checks in the input, rename them after the service, or set monit-check: write for the deploy to write its own.',
      );
    }
    return found.filter(kept);
  }
  const missing = settings.checks.filter(name => !names.includes(name));
  if (missing.length) {
    throw new ConfigError(
      'monit',
      `names ${missing.join(', ')}, which ${host}'s Monit does not have (it has ${names.length ? names.join(', ') : 'none'})`,
      'Name checks from monit summary on that host.',
    );
  }
  return [...new Set([...settings.checks.filter(kept), ...written])];
}

/**
 * The check file monit-check: write puts on a host: the service's health answering through its HAProxy listener
 * (the front that stays while containers come and go), and the live container running. The container is named, as
 * docker inspect needs: every switch writes the file again, between the deploy's unmonitor and monitor.
 */
export function renderMonitCheck(service: string, front: {port: number; healthPath: string}, container: string): string {
  return [
    `# Written by circuitverse/deploy (monit-check: write) after each switch of ${service}; deploys unmonitor these meanwhile.`,
    `check host ${service} with address 127.0.0.1`,
    `  if failed port ${front.port} protocol http request "${front.healthPath}" with timeout 5 seconds then alert`,
    `check program ${service}-container with path "/bin/sh -c 'docker inspect --format {{.State.Running}} ${container} | grep -qx true'"`,
    '  if status != 0 then alert',
    '',
  ].join('\n');
}
