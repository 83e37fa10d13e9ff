#!/usr/bin/env node
// Writes each action's inputs and outputs tables into its README from its action.yml, between the
// `<!-- inputs -->`/`<!-- /inputs -->` and `<!-- outputs -->`/`<!-- /outputs -->` markers (appended under
// "## Inputs" and "## Outputs" when a README has none yet). `--check` writes nothing and fails when a README
// differs. Run `pnpm exec biome check --write actions/*/README.md` afterwards: biome aligns the tables.
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parse} from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// A table cell: no line breaks, `|` escaped, and `<`/`>` as entities so `<service>` is not taken for HTML.
function cell(text) {
  return String(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .trim();
}

/** `required`, the default in backticks, or blank: what the third column of the inputs table says. */
export function inputDefault(input) {
  if (input.required === true) return 'required';
  if (input.default === undefined || input.default === null || input.default === '') return '';
  return `\`${String(input.default).replace(/\|/g, '\\|')}\``;
}

export function inputsTable(metadata) {
  const rows = Object.entries(metadata.inputs ?? {}).map(([name, input]) => `| \`${name}\` | ${cell(input.description ?? '')} | ${inputDefault(input)} |`);
  return ['| input | description | default |', '| --- | --- | --- |', ...rows].join('\n');
}

export function outputsTable(metadata) {
  const rows = Object.entries(metadata.outputs ?? {}).map(([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`);
  return ['| output | description |', '| --- | --- |', ...rows].join('\n');
}

/** The README with both tables put between their markers; sections with markers are added at the end if missing. */
export function renderReadme(readme, metadata) {
  let text = readme;
  for (const [section, table] of [
    ['inputs', inputsTable(metadata)],
    ['outputs', outputsTable(metadata)],
  ]) {
    const open = `<!-- ${section} -->`;
    const close = `<!-- /${section} -->`;
    if (!text.includes(open)) {
      const heading = section[0].toUpperCase() + section.slice(1);
      text = `${text.trimEnd()}\n\n## ${heading}\n\n${open}\n${close}\n`;
    }
    const start = text.indexOf(open) + open.length;
    const end = text.indexOf(close, start);
    if (end < 0) throw new Error(`${open} has no ${close}`);
    text = `${text.slice(0, start)}\n\n${table}\n\n${text.slice(end)}`;
  }
  return text;
}

// biome aligns Markdown tables; compare them cell by cell, not by padding.
function normalise(text) {
  return text
    .split('\n')
    .map(line =>
      line.startsWith('|')
        ? line
            .split(/(?<!\\)\|/)
            .map(part => part.trim().replace(/^-+$/, '-'))
            .join('|')
        : line,
    )
    .join('\n');
}

export function actionNames() {
  return readdirSync(join(root, 'actions'), {withFileTypes: true})
    .filter(entry => entry.isDirectory())
    .map(entry => entry.name)
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const name of actionNames()) {
    const metadata = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'));
    const path = join(root, 'actions', name, 'README.md');
    const readme = readFileSync(path, 'utf8');
    const rendered = renderReadme(readme, metadata);
    if (normalise(rendered) === normalise(readme)) continue;
    if (check) {
      stale++;
      console.error(`actions/${name}/README.md: its tables differ from action.yml; run scripts/action-docs.mjs`);
    } else {
      writeFileSync(path, rendered);
      console.log(`actions/${name}/README.md: tables written`);
    }
  }
  if (stale > 0) process.exit(1);
}
