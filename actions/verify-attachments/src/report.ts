import {countOf} from '@circuitverse/shared';
import {type OrphansReport, renderOrphansExamples, renderOrphansTable} from './bucket-orphans.js';
import type {BlobResult} from './check-blobs.js';
import type {VerifyMode} from './checksum-verdict.js';
import {type IntegrityReport, renderIntegrityExamples, renderIntegrityTable} from './integrity-report.js';
import {type InventoryReport, renderInventoryExamples, renderInventoryTable} from './inventory-check.js';
import {type LegacyReport, renderLegacyExamples, renderLegacyTable} from './legacy-comparison.js';
import {cell, code} from './markdown.js';
import type {StratumPlan} from './sampling-plan.js';

/** Bumped on any change to the report that is not an added field (see "The JSON report" in the README). */
export const reportSchemaVersion = 1;

/**
 * The JSON report: the verdict, then one section per check that ran. A new check is one more key of `checks`, with
 * its own `verdict`, its table in the summary and its examples after every table.
 */
export interface ActionReport {
  schemaVersion: typeof reportSchemaVersion;
  verdict: 'pass' | 'fail';
  /** One phrase per threshold exceeded, as in the step's error. */
  failures: string[];
  checks: {
    sample?: SampleReport;
    integrity?: IntegrityReport;
    legacy?: LegacyReport & Verdict;
    orphans?: OrphansReport & Verdict;
    inventory?: InventoryReport & Verdict;
  };
}

/** A check's own verdict, against its own threshold. */
export interface Verdict {
  verdict: 'pass' | 'fail';
}

/** The sample check: how the sample was drawn and every checked blob's result. */
export interface SampleReport {
  verdict: 'pass' | 'fail';
  seed: string;
  verify: VerifyMode;
  source: string;
  sampleSize: number;
  recentSince: string | null;
  /** Blobs in the table: counted when it was read whole, else estimated from the draws. */
  population: number;
  populationExact: boolean;
  /** Whether the sample was stratified by attachment name. */
  stratified: boolean;
  strata: StratumPlan[];
  counts: {checked: number; sampled: number; recent: number; ok: number; missing: number; mismatched: number; unverifiable: number; warned: number};
  missingRate: number;
  /** Exact one-sided 95% upper confidence bound of the missing rate (Clopper–Pearson). */
  missingRateUpper: number;
  blobs: BlobResult[];
}

const maxFailureRows = 100;

/** The job summary: the verdict, one table per check, then each check's examples, and where the report is. */
export function renderSummary(report: ActionReport, reportPath: string): string {
  const {sample, integrity, legacy, orphans, inventory} = report.checks;
  const lines = [
    `## Attachments: ${report.verdict === 'pass' ? 'pass' : 'fail'}`,
    '',
    ...(report.failures.length ? [...report.failures.map(failure => `- ${failure}`), ''] : []),
    ...(sample ? renderSampleTable(sample) : []),
    ...(integrity ? renderIntegrityTable(integrity) : []),
    ...(legacy ? renderLegacyTable(legacy) : []),
    ...(orphans ? renderOrphansTable(orphans) : []),
    ...(inventory ? renderInventoryTable(inventory) : []),
    ...(sample ? renderSampleExamples(sample) : []),
    ...(integrity ? renderIntegrityExamples(integrity) : []),
    ...(legacy ? renderLegacyExamples(legacy) : []),
    ...(orphans ? renderOrphansExamples(orphans) : []),
    ...(inventory ? renderInventoryExamples(inventory) : []),
  ];
  const seed = sample?.seed ?? legacy?.seed;
  if (seed !== undefined) lines.push(`Set \`seed: ${seed}\` to check the same sample again.`);
  lines.push(`Every finding is in \`${reportPath}\`.`);
  return lines.join('\n');
}

function renderSampleTable(report: SampleReport): string[] {
  const {counts} = report;
  const headline =
    counts.missing + counts.mismatched === 0
      ? counts.checked === 1
        ? 'the 1 object present'
        : `all ${counts.checked} objects present`
      : `${counts.missing} missing, ${counts.mismatched} mismatched of ${counts.checked}`;
  const population = `${report.populationExact ? '' : '~'}${report.population.toLocaleString('en-US')}`;
  return [
    `### Sample: ${headline}`,
    '',
    '| | |',
    '| --- | ---: |',
    `| Checked | ${counts.checked} (${counts.sampled} sampled of ${population} blobs${report.recentSince ? `, ${counts.recent} created since ${report.recentSince}` : ''}) |`,
    `| OK | ${counts.ok} |`,
    `| Missing | ${counts.missing} |`,
    `| Mismatched | ${counts.mismatched} |`,
    `| Unverifiable | ${counts.unverifiable} |`,
    `| Missing rate | ${percent(report.missingRate, Math.round)} (95% upper bound ${percent(report.missingRateUpper, Math.ceil)}) |`,
    `| Verify | ${report.verify} |`,
    `| Seed | \`${report.seed}\` |`,
    '',
    ...renderNames(report),
  ];
}

function renderSampleExamples(report: SampleReport): string[] {
  const {counts} = report;
  const failures = report.blobs.filter(blob => blob.status !== 'ok');
  const lines: string[] = [];
  if (failures.length) {
    lines.push('### Sample failures', '', '| Key | Service | Bucket | Attachment | Status | What is wrong |', '| --- | --- | --- | --- | --- | --- |');
    for (const blob of failures.slice(0, maxFailureRows)) {
      lines.push(
        `| ${code(blob.key)} | ${cell(blob.service)} | ${cell(blob.bucket ?? '—')} | ${nameOf(blob.attachmentName, report.stratified)} | ${blob.status} | ${cell(blob.problem ?? '')} |`,
      );
    }
    if (failures.length > maxFailureRows) lines.push('', `…and ${failures.length - maxFailureRows} more in the report.`);
    lines.push('');
  }
  if (counts.warned)
    lines.push(
      `${countOf(counts.warned, 'object carries', 'objects carry')} a warning, such as a content type that differs from the database's; see the report.`,
      '',
    );
  return lines;
}

function renderNames(report: SampleReport): string[] {
  if (!report.stratified) return [];
  const lines = [
    '### By attachment name',
    '',
    `| Name | Blobs${report.populationExact ? '' : ' (est.)'} | Sampled | Checked | Missing | Mismatched | Unverifiable |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const names = new Map(report.strata.map(stratum => [stratum.stratum, stratum]));
  for (const blob of report.blobs)
    if (!names.has(blob.attachmentName)) names.set(blob.attachmentName, {stratum: blob.attachmentName, size: 0, share: 0, drawn: 0});
  for (const [name, stratum] of names) {
    const blobs = report.blobs.filter(blob => blob.attachmentName === name);
    const count = (status: string) => blobs.filter(blob => blob.status === status).length;
    lines.push(
      `| ${nameOf(name, true)} | ${stratum.size.toLocaleString('en-US')} | ${stratum.drawn} | ${blobs.length} | ${count('missing')} | ${count('mismatched')} | ${count('unverifiable')} |`,
    );
  }
  lines.push('');
  return lines;
}

function percent(rate: number, round: (value: number) => number): string {
  return `${(round(rate * 10_000) / 100).toFixed(2)}%`;
}

// Quoted, so a trailing space (CircuitVerse once renamed rows to "circuit_preview ") shows.
function nameOf(name: string | null, stratified: boolean): string {
  if (name === null) return stratified ? '(unattached)' : '—';
  return code(JSON.stringify(name));
}
