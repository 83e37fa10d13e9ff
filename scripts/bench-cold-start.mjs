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

// Wall time, and the CPU time bash's `time` reports for the step's process: on a busy machine the wall time says as
// much about the neighbours as about the bundle, the CPU time much less.
function timeRun(script) {
  const started = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', 'TIMEFORMAT="cpu %U %S"; time "$0" "$1"', process.execPath, script], {
    env: environment,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  if (result.status !== 1 || !/::error::Input "/.test(result.stdout) || !cpu) {
    throw new Error(`${script} did not stop at a missing input: ${result.stdout}${result.stderr}`);
  }
  return {ms, cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000};
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
    const line = key => {
      const [base, current] = [median(times.baseline.map(run => run[key])), median(times.current.map(run => run[key]))];
      return `baseline ${base.toFixed(0)} ms, this tree ${current.toFixed(0)} ms, ratio ${(current / base).toFixed(3)}`;
    };
    console.log(`${name.padEnd(20)} wall: ${line('ms')}; cpu: ${line('cpuMs')}`);
  }
} finally {
  rmSync(baselineDir, {recursive: true, force: true});
}
