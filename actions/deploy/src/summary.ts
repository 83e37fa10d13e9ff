import {formatDuration} from '@circuitverse/shared';
import type {DeployOutputs} from './run.js';

const phaseOrder = ['connect', 'pull', 'lock', 'env', 'pre-deploy', 'start', 'health', 'switch', 'drain', 'stop', 'watch'];

/** The job summary: per host, the versions before and after and how long each phase took. */
export function renderSummary(service: string, outputs: DeployOutputs, failure?: string): string {
  const phases = orderPhases(outputs.hosts.flatMap(host => Object.keys(host.phases)));
  const header = `| host | status | before | after | ${phases.join(' | ')} |`;
  const rule = `|${' --- |'.repeat(4 + phases.length)}`;
  const rows = outputs.hosts.map(host => {
    const times = phases.map(phase => (host.phases[phase] === undefined ? '' : formatDuration(host.phases[phase] as number)));
    return `| ${host.host} | ${host.status} | ${host.before ?? '—'} | ${host.after ?? '—'} | ${times.join(' | ')} |`;
  });
  const outcome = failure
    ? `**Failed**${outputs.rolledBack ? ' and rolled back' : ''}: ${failure}`
    : `Deployed **${outputs.version}** (before: ${outputs.previousVersion ?? 'nothing'}) in ${formatDuration(outputs.durationMs)}.`;
  const pruned = outputs.hosts.flatMap(host => (host.pruned?.length ? [`${host.host}: removed ${host.pruned.join(', ')} to make room for the pull.`] : []));
  return [`### Deploy ${service}`, '', outcome, '', header, rule, ...rows, '', ...(pruned.length ? [...pruned, ''] : [])].join('\n');
}

/**
 * The phases in the order they run: the host's own, then each role's (`web:start`, …) in the order the roles moved,
 * each in the order of a switch.
 */
export function orderPhases(seen: string[]): string[] {
  const roleOf = (phase: string) => (phase.includes(':') ? phase.slice(0, phase.indexOf(':')) : '');
  const roles = [...new Set(seen.map(roleOf))];
  const rank = (phase: string) => phaseOrder.indexOf(phase.slice(phase.indexOf(':') + 1));
  return [...new Set(seen)].filter(phase => rank(phase) !== -1).sort((a, b) => roles.indexOf(roleOf(a)) - roles.indexOf(roleOf(b)) || rank(a) - rank(b));
}
