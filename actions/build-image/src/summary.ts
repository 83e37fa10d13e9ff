import {formatBytes, formatDuration} from '@circuitverse/shared';

export interface BuildReport {
  image: string;
  refs: string[];
  /** Unset when the image was built but not pushed. */
  digest: string | undefined;
  sizeBytes: number;
  layers: number;
  buildMs: number;
  pushMs: number | undefined;
}

/** The job summary: what was built, where it went, and how long each half took. */
export function formatSummary(report: BuildReport): string {
  const rows = [
    ['Tags', report.refs.map(ref => `\`${ref}\``).join('<br>')],
    ['Digest', report.digest ? `\`${report.digest}\`` : 'not pushed'],
    ['Image', `${formatBytes(report.sizeBytes, 'decimal')}, ${report.layers} ${report.layers === 1 ? 'layer' : 'layers'}`],
    ['Build', formatDuration(report.buildMs)],
    ['Push', report.pushMs === undefined ? 'skipped' : formatDuration(report.pushMs)],
  ];
  return [
    `### ${report.digest ? 'Pushed' : 'Built'} \`${report.image}\``,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    '',
  ].join('\n');
}
