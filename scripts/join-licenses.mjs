// ncc writes the licenses of each chunk of a bundle to a file of the chunk's own (`--license '[name].licenses.txt'`):
// with one fixed name, as before, each chunk overwrote the last and licenses.txt named one chunk's packages only. This
// joins them into dist/licenses.txt, the entry chunk's first, and removes the per-chunk files.
//
//   node scripts/join-licenses.mjs <dist directory>
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

const directory = process.argv[2];
if (!directory) throw new Error('usage: node scripts/join-licenses.mjs <dist directory>');
const entry = 'main.licenses.txt';
const files = readdirSync(directory)
  .filter(file => file.endsWith('.licenses.txt'))
  .sort((a, b) => (a === entry ? -1 : b === entry ? 1 : a.localeCompare(b)));
const texts = files.map(file => readFileSync(join(directory, file), 'utf8').trim()).filter(text => text !== '');
writeFileSync(join(directory, 'licenses.txt'), `${texts.join('\n\n')}\n`);
for (const file of files) rmSync(join(directory, file));
