import {describe, expect, it} from 'vitest';
import type {HostReport} from '../src/run.js';
import {orderPhases, renderSummary} from '../src/summary.js';

describe('renderSummary', () => {
  const hosts: HostReport[] = [
    {host: 'web-1', status: 'deployed', before: 'v1', after: 'v2', phases: {connect: 120, pull: 2300, health: 1500, switch: 80}},
    {host: 'web-2', status: 'failed', before: 'v1', after: 'v1', phases: {connect: 110, pull: 2100}},
  ];

  it('shows each host with its versions and only the phases that ran, in order', () => {
    const summary = renderSummary('web', {version: 'v2', previousVersion: 'v1', hosts, rolledBack: false, durationMs: 6000});
    expect(summary).toContain('Deployed **v2** (before: v1) in 6.0s.');
    expect(summary).toContain('| host | status | before | after | connect | pull | health | switch |');
    expect(summary).toContain('| web-1 | deployed | v1 | v2 | 120ms | 2.3s | 1.5s | 80ms |');
    expect(summary).toContain('| web-2 | failed | v1 | v1 | 110ms | 2.1s |  |  |');
  });

  it('leads with the failure and whether it rolled back', () => {
    const summary = renderSummary(
      'web',
      {version: 'v1', previousVersion: 'v1', hosts, rolledBack: true, durationMs: 6000},
      'web-2: v2 failed its health check',
    );
    expect(summary).toContain('**Failed** and rolled back: web-2: v2 failed its health check');
  });

  it('shows each role’s phases after the host’s own, in the order the roles moved', () => {
    expect(
      orderPhases(['connect', 'pull', 'lock', 'web:start', 'web:health', 'web:switch', 'sidekiq:stop', 'sidekiq:start', 'web:stop', 'pre-deploy']),
    ).toEqual(['connect', 'pull', 'lock', 'pre-deploy', 'web:start', 'web:health', 'web:switch', 'web:stop', 'sidekiq:start', 'sidekiq:stop']);
  });
});
