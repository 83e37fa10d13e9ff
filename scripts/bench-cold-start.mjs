// Cold start of each action's bundle with no OTLP endpoint set: from spawning `node dist/index.js` to its exit on a
// missing input (the step's whole start-up: loading the bundle, reading the inputs, failing in one line), for this
// work tree's dist/ and for the bundle committed at a baseline ref, alternated in one run and given as ratios.
//
//   node scripts/bench-cold-start.mjs [baseline-ref (default main)] [runs (default 15)]
//
// Needs the work tree built (pnpm build). Not a test: the figures depend on the machine.
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const root = join(import.meta.dirname, '..');
const baseline = process.argv[2] ?? 'main';
const runs = Math.min(Number(process.argv[3] ?? 15), 100);
const actions = ['build-image', 'deploy', 'verify-attachments'];

// The baseline's committed bundles, as a user of that version runs them.
const baselineDir = mkdtempSync(join(tmpdir(), 'cold-start-'));
execFileSync('sh', [
  '-c',
  `git -C "$1" archive "$2" ${actions.map(name => `actions/${name}/dist`).join(' ')} | tar -x -C "$3"`,
  'sh',
  root,
  baseline,
  baselineDir,
]);

// The runner's bare environment, without an input or an OTEL_* variable: each bundle stops at its first required input.
const environment = {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), RUNNER_TEMP: tmpdir()};

function timeRun(script) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [script], {env: environment, encoding: 'utf8', timeout: 30_000});
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 1 || !/::error::Input "/.test(result.stdout))
    throw new Error(`${script} did not stop at a missing input: ${result.stdout}${result.stderr}`);
  return ms;
}

const median = values => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

try {
  console.log(`cold start to exit on a missing input, OTEL_* unset; median of ${runs} alternated runs; baseline ${baseline}`);
  for (const name of actions) {
    const scripts = {baseline: join(baselineDir, 'actions', name, 'dist', 'index.js'), current: join(root, 'actions', name, 'dist', 'index.js')};
    const times = {baseline: [], current: []};
    // One warm-up each, so the file cache is the same for both.
    timeRun(scripts.baseline);
    timeRun(scripts.current);
    for (let run = 0; run < runs; run++) {
      for (const which of run % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline']) times[which].push(timeRun(scripts[which]));
    }
    // The fastest run is the least disturbed by whatever else the machine does; the median says how it usually goes.
    const [base, current] = [median(times.baseline), median(times.current)];
    const [baseMin, currentMin] = [Math.min(...times.baseline), Math.min(...times.current)];
    console.log(
      `${name.padEnd(20)} median: baseline ${base.toFixed(1)} ms, this tree ${current.toFixed(1)} ms, ratio ${(current / base).toFixed(3)}; ` +
        `fastest: ${baseMin.toFixed(1)} ms, ${currentMin.toFixed(1)} ms, ratio ${(currentMin / baseMin).toFixed(3)}`,
    );
  }
} finally {
  rmSync(baselineDir, {recursive: true, force: true});
}
