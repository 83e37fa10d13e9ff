import {join} from 'node:path';
import {findSandbox, hostRun, type LoadReport, type LoadResponse, pushTestApp, runAction, startLoad} from '@circuitverse/testkit';
import {beforeAll, describe, expect, it} from 'vitest';
import {addServerBlock, deployInputs, resetService, servedVersions} from './sandbox-service.js';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();
const service = 'maint';
const port = 8086;
const page = '<!doctype html><title>Back soon</title><h1>maint is down for maintenance</h1>';

const sleep = (milliseconds: number) => new Promise(resolve => setTimeout(resolve, milliseconds));

/** The statuses seen, with how many of each: `{200: 1234, 503: 987}`. */
function statuses(responses: LoadResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  return counts;
}

describe.skipIf(!sandbox)('maintenance mode under load', () => {
  if (!sandbox) return;
  const inputs = deployInputs(sandbox, service);
  const targets = sandbox.hosts.map(host => ({name: host.name, url: `http://${host.address}:${port}`}));
  const images: Record<string, string> = {};

  beforeAll(async () => {
    for (const version of ['v1', 'v2']) images[version] = await pushTestApp(sandbox, version);
    await resetService(sandbox, service);
    const first = await runAction(action, {inputs: {...inputs, image: images.v1 as string}});
    expect(first.errors).toEqual([]);
    await addServerBlock(sandbox, service, port);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('answers 503 with the page and Retry-After but for the health path, and loses no request switching on or off', async () => {
    const load = startLoad({targets, connectionsPerTarget: 16, holdPath: '/hold', maxRequests: 400_000, maxDurationMs: 120_000});
    // One loop per host on the health path alone: it must reach the app throughout.
    const health = startLoad({targets, connectionsPerTarget: 0, holdPath: '/up', maxRequests: 100_000, maxDurationMs: 120_000});
    let report: LoadReport;
    let healthReport: LoadReport;
    const marks: Record<string, number> = {};
    try {
      await sleep(1000);
      marks.onStart = Date.now();
      const on = await runAction(action, {inputs: {...inputs, maintenance: 'on', 'maintenance-page': page}});
      marks.onEnd = Date.now();
      expect(on.errors).toEqual([]);
      await sleep(1500);
      for (const host of sandbox.hosts) {
        const answer = await fetch(`http://${host.address}:${port}/`);
        expect({status: answer.status, retryAfter: answer.headers.get('retry-after'), body: await answer.text()}).toEqual({
          status: 503,
          retryAfter: '60',
          body: page,
        });
        const up = await fetch(`http://${host.address}:${port}/up`);
        expect({status: up.status, version: up.headers.get('x-app-version'), body: await up.text()}).toEqual({status: 200, version: 'v1', body: 'ok'});
      }
      // Switched on a second time with the same page: through the admin socket alone, no reload.
      marks.againStart = Date.now();
      const again = await runAction(action, {inputs: {...inputs, maintenance: 'off'}});
      expect(again.errors).toEqual([]);
      await sleep(500);
      const onAgain = await runAction(action, {inputs: {...inputs, maintenance: 'on', 'maintenance-page': page}});
      expect(onAgain.errors).toEqual([]);
      marks.againEnd = Date.now();
      await sleep(1500);
      marks.offStart = Date.now();
      const off = await runAction(action, {inputs: {...inputs, maintenance: 'off'}});
      marks.offEnd = Date.now();
      expect(off.errors).toEqual([]);
      await sleep(1500);
    } finally {
      report = await load.stop();
      healthReport = await health.stop();
    }
    const root = report.responses.filter(response => response.path === '/');
    const between = (from: number, to: number) => root.filter(response => response.startedAt >= from && response.endedAt <= to);
    const before = between(0, marks.onStart as number);
    const inMaintenance = [...between(marks.onEnd as number, marks.againStart as number), ...between(marks.againEnd as number, marks.offStart as number)];
    const after = root.filter(response => response.startedAt >= (marks.offEnd as number));
    const holds = report.responses.filter(response => response.path === '/hold');
    console.log(
      `maintenance: ${report.responses.length} responses, ${report.failures.length} failures, ${report.retries} RFC 9112 §9.3.1 retries; ` +
        `/ before on ${JSON.stringify(statuses(before))}, in maintenance ${JSON.stringify(statuses(inMaintenance))}, after off ${JSON.stringify(statuses(after))}, ` +
        `while switching on ${JSON.stringify(statuses(between(marks.onStart as number, marks.onEnd as number)))}, off ${JSON.stringify(statuses(between(marks.offStart as number, marks.offEnd as number)))}; ` +
        `/hold ${JSON.stringify(statuses(holds))}; health path ${healthReport.responses.length} responses ${JSON.stringify(statuses(healthReport.responses))}, ${healthReport.failures.length} failures; ` +
        `on took ${(marks.onEnd as number) - (marks.onStart as number)} ms (first, with its reload), off ${(marks.offEnd as number) - (marks.offStart as number)} ms`,
    );
    expect(report.failures).toEqual([]);
    expect(healthReport.failures).toEqual([]);
    expect(statuses(before)).toEqual({200: before.length});
    expect(inMaintenance.length).toBeGreaterThan(0);
    expect(inMaintenance.filter(response => response.status !== 503 || response.body !== page)).toEqual([]);
    expect(statuses(after)).toEqual({200: after.length});
    expect(healthReport.responses.filter(response => response.status !== 200 || response.body !== 'ok')).toEqual([]);
    // A request the app had when maintenance came on finishes there: every /hold that started before it answers 200.
    expect(holds.filter(hold => hold.startedAt < (marks.onStart as number) && hold.status !== 200)).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('runs a pre-deploy in maintenance, and ends with maintenance off on every host', async () => {
    const load = startLoad({targets, connectionsPerTarget: 8, holdPath: '/hold', maxRequests: 200_000, maxDurationMs: 120_000});
    let report: LoadReport;
    const marks: Record<string, number> = {};
    const onLine = (line: string) => {
      if (line.includes('Pre-deploy')) marks.preDeploy ??= Date.now();
      if (line.includes('Maintenance off')) marks.maintenanceOff ??= Date.now();
    };
    try {
      await sleep(500);
      const deployed = await runAction(action, {
        inputs: {...inputs, image: images.v2 as string, 'pre-deploy': 'sleep 3; echo migrated', 'maintenance-during-pre-deploy': 'true'},
        onLine,
      });
      expect(deployed.errors).toEqual([]);
      await sleep(1000);
    } finally {
      report = await load.stop();
    }
    const root = report.responses.filter(response => response.path === '/');
    const duringPreDeploy = root.filter(
      response => response.startedAt > (marks.preDeploy as number) + 500 && response.endedAt < (marks.preDeploy as number) + 2500,
    );
    console.log(
      `maintenance during pre-deploy: ${report.responses.length} responses ${JSON.stringify(statuses(root))}, ${report.failures.length} failures, ${report.retries} retries; during the pre-deploy ${JSON.stringify(statuses(duringPreDeploy))}`,
    );
    expect(report.failures).toEqual([]);
    expect(duringPreDeploy.length).toBeGreaterThan(0);
    expect(statuses(duringPreDeploy)).toEqual({503: duringPreDeploy.length});
    // No old release answers once the migration began: v1 stops at maintenance, v2 starts after the switch.
    expect(root.filter(response => response.startedAt > (marks.preDeploy as number) + 500 && response.body === 'v1')).toEqual([]);
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
    const fragments = await Promise.all(
      sandbox.hosts.map(host => hostRun(host, ['sh', '-c', `cat /etc/haproxy/conf.d/${service}.cfg /etc/haproxy/conf.d/${service}.maintenance.cfg`])),
    );
    for (const text of fragments) {
      const live = /^ {2}server live 127\.0\.0\.1:(\d+)$/m.exec(text)?.[1];
      const maintenance = /^listen cv-maint\.maintenance\n {2}bind 127\.0\.0\.1:(\d+)$/m.exec(text)?.[1];
      expect(live).toBeDefined();
      expect(live).not.toBe(maintenance);
    }
  });
});
