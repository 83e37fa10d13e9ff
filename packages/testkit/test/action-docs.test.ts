import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';

// Reads the README tables back independently of scripts/action-docs.mjs, so a README edited by hand, an
// action.yml changed without re-running the script, or a bug in the script all fail here.
const root = join(import.meta.dirname, '../../..');
const actions = readdirSync(join(root, 'actions'), {withFileTypes: true})
  .filter(entry => entry.isDirectory())
  .map(entry => entry.name);

interface Declared {
  description?: string;
  required?: boolean;
  default?: string | number | boolean;
}

function between(readme: string, section: string): string {
  const start = readme.indexOf(`<!-- ${section} -->`);
  const end = readme.indexOf(`<!-- /${section} -->`);
  if (start < 0 || end < start) throw new Error(`no <!-- ${section} --> … <!-- /${section} --> markers`);
  return readme.slice(start, end);
}

/** The table's body rows as cells, with backticks, entities and `\|` escapes undone. */
function tableRows(markdown: string): string[][] {
  const rows = markdown
    .split('\n')
    .filter(line => line.startsWith('|'))
    .map(line =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map(part =>
          part
            .trim()
            .replace(/\\\|/g, '|')
            .replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>')
            .replace(/^`(.*)`$/, '$1'),
        ),
    );
  return rows.slice(2);
}

function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function defaultColumn(input: Declared): string {
  if (input.required === true) return 'required';
  return input.default === undefined || input.default === null ? '' : String(input.default);
}

describe.each(actions)('actions/%s/README.md', name => {
  const metadata = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, Declared>;
    outputs?: Record<string, Declared>;
  };
  const readme = readFileSync(join(root, 'actions', name, 'README.md'), 'utf8');

  it('has an inputs table equal to action.yml (name, description, default or required), in its order', () => {
    const expected = Object.entries(metadata.inputs ?? {}).map(([input, declared]) => [input, oneLine(declared.description), defaultColumn(declared)]);
    expect(tableRows(between(readme, 'inputs'))).toEqual(expected);
  });

  it('has an outputs table equal to action.yml (name, description), in its order', () => {
    const expected = Object.entries(metadata.outputs ?? {}).map(([output, declared]) => [output, oneLine(declared.description)]);
    expect(tableRows(between(readme, 'outputs'))).toEqual(expected);
  });

  it('puts the tables under "## Inputs" and "## Outputs"', () => {
    expect(readme).toMatch(/^## Inputs\n\n<!-- inputs -->$/m);
    expect(readme).toMatch(/^## Outputs\n\n<!-- outputs -->$/m);
  });
});
