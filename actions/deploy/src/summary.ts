import {formatDuration} from '@circuitverse/shared';
import type {DeployOutputs} from './run.js';

const phaseOrder = ['connect', 'pull', 'lock', 'env', 'pre-deploy', 'start', 'health', 'switch', 'drain', 'stop'];

/** The job summary: per host, the versions before and after and how long each phase took. */
export function renderSummary(service: string, outputs: DeployOutputs, failure?: string): string {
  const phases = phaseOrder.filter(phase => outputs.hosts.some(host => host.phases[phase] !== undefined));
  const header = `| host | status | before | after | ${phases.join(' | ')} |`;
  const rule = `|${' --- |'.repeat(4 + phases.length)}`;
  const rows = outputs.hosts.map(host => {
    const times = phases.map(phase => (host.phases[phase] === undefined ? '' : formatDuration(host.phases[phase] as number)));
    return `| ${host.host} | ${host.status} | ${host.before ?? '—'} | ${host.after ?? '—'} | ${times.join(' | ')} |`;
  });
  const outcome = failure
    ? `**Failed**${outputs.rolledBack ? ' and rolled back' : ''}: ${failure}`
    : `Deployed **${outputs.version}** (before: ${outputs.previousVersion ?? 'nothing'}) in ${formatDuration(outputs.durationMs)}.`;
  return [`### Deploy ${service}`, '', outcome, '', header, rule, ...rows, ''].join('\n');
}
