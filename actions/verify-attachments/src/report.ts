import {countOf} from '@circuitverse/shared';
import type {BlobResult} from './check-blobs.js';
import type {VerifyMode} from './checksum-verdict.js';
import type {StratumPlan} from './sampling-plan.js';

/** The JSON report: how the sample was drawn and every checked blob's result. */
export interface VerificationReport {
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

/** The job summary: counts, the missing rate and its bound, what failed, the names, and the seed to repeat it. */
export function renderSummary(report: VerificationReport, reportPath: string): string {
  const {counts} = report;
  const failures = report.blobs.filter(blob => blob.status !== 'ok');
  const headline =
    counts.missing + counts.mismatched === 0
      ? counts.checked === 1
        ? 'the 1 object present'
        : `all ${counts.checked} objects present`
      : `${counts.missing} missing, ${counts.mismatched} mismatched of ${counts.checked}`;
  const population = `${report.populationExact ? '' : '~'}${report.population.toLocaleString('en-US')}`;
  const lines = [
    `## Attachments: ${headline}`,
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
  ];
  if (failures.length) {
    lines.push('### Failures', '', '| Key | Service | Bucket | Attachment | Status | What is wrong |', '| --- | --- | --- | --- | --- | --- |');
    for (const blob of failures.slice(0, maxFailureRows)) {
      lines.push(
        `| ${code(blob.key)} | ${cell(blob.service)} | ${cell(blob.bucket ?? '—')} | ${nameOf(blob.attachmentName, report.stratified)} | ${blob.status} | ${cell(blob.problem ?? '')} |`,
      );
    }
    if (failures.length > maxFailureRows) lines.push('', `…and ${failures.length - maxFailureRows} more in the report.`);
    lines.push('');
  }
  lines.push(...renderNames(report));
  if (counts.warned)
    lines.push(
      `${countOf(counts.warned, 'object carries', 'objects carry')} a warning, such as a content type that differs from the database's; see the report.`,
      '',
    );
  lines.push(`Set \`seed: ${report.seed}\` to check the same sample again. Every result is in \`${reportPath}\`.`);
  return lines.join('\n');
}

function renderNames(report: VerificationReport): string[] {
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

/** Text safe inside a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code in a table cell. */
export function code(text: string): string {
  return `\`${cell(text).replace(/`/g, "'")}\``;
}
