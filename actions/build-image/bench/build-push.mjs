#!/usr/bin/env node
// Times the bundled build-image action against the plain docker CLI doing the same job on the same context:
// `docker login` + `docker build` (same tags, same labels) + `docker push --all-tags`. Each is run with a cold build
// cache (`docker builder prune -af` and the images removed first) and a warm one, several times, alternating which
// goes first, and the medians are compared. Not a test: timings depend on the machine.
//
//   node actions/build-image/bench/build-push.mjs [--runs 5] [--context sandbox/testapp]
//
// Needs the sandbox (sandbox/up) for its Docker Engine and registry, and a built dist/ (pnpm turbo run build).
import {execFileSync, spawnSync} from 'node:child_process';
import {accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {delimiter, join, resolve} from 'node:path';
import {parseArgs} from 'node:util';

const {values: options} = parseArgs({options: {runs: {type: 'string', default: '5'}, context: {type: 'string', default: 'sandbox/testapp'}}});
const runs = Number(options.runs);
const repoRoot = resolve(import.meta.dirname, '../../..');
const action = join(repoRoot, 'actions/build-image/dist/index.js');
const context = resolve(repoRoot, options.context);
const sandbox = JSON.parse(readFileSync(join(process.env.CV_SANDBOX_DIR ?? '/var/lib/cv-sandbox', 'sandbox.json'), 'utf8'));
const {address: registry, username, password} = sandbox.registry;
const repository = `${registry}/bench/build-image`;
const sha = '5eb1c0de5eb1c0de5eb1c0de5eb1c0de5eb1c0de';
const tags = [sha, 'main', 'latest'];

// The same choice the action makes: a docker with buildx, else a 20.10-22.x client with its own BuildKit.
function findCli() {
  const found = (process.env.PATH ?? '').split(delimiter).flatMap(directory => {
    try {
      accessSync(join(directory, 'docker'), constants.X_OK);
      return [join(directory, 'docker')];
    } catch {
      return [];
    }
  });
  for (const docker of found) {
    if (spawnSync(docker, ['buildx', 'version']).status === 0) return {docker, build: ['buildx', 'build', '--load'], env: {}};
    const major = Number(/Docker version (\d+)\./.exec(spawnSync(docker, ['--version'], {encoding: 'utf8'}).stdout)?.[1]);
    if (major >= 20 && major < 23) return {docker, build: ['build'], env: {DOCKER_BUILDKIT: '1'}};
  }
  throw new Error('No docker on PATH can build with BuildKit.');
}
const cli = findCli();

function run(program, args, env = {}, input) {
  const result = spawnSync(program, args, {env: {...process.env, ...env}, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function time(job) {
  const started = process.hrtime.bigint();
  job();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function labels() {
  const url = 'https://github.com/circuitverse/circuitverse';
  return {
    'org.opencontainers.image.source': url,
    'org.opencontainers.image.url': url,
    'org.opencontainers.image.revision': sha,
    'org.opencontainers.image.version': sha,
    'org.opencontainers.image.created': new Date().toISOString(),
    'org.opencontainers.image.title': 'circuitverse',
  };
}

function runPlainCli() {
  const dockerConfig = mkdtempSync(join(tmpdir(), 'bench-docker-config-'));
  const env = {...cli.env, DOCKER_CONFIG: dockerConfig};
  try {
    return time(() => {
      run(cli.docker, ['login', '--username', username, '--password-stdin', registry], env, password);
      const labelArgs = Object.entries(labels()).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
      run(cli.docker, [...cli.build, '--progress=plain', ...labelArgs, ...tags.flatMap(tag => ['--tag', `${repository}:${tag}`]), context], env);
      run(cli.docker, ['push', '--all-tags', repository], env);
    });
  } finally {
    rmSync(dockerConfig, {recursive: true, force: true});
  }
}

// As the runner starts a step: INPUT_* and GITHUB_* variables, file commands, an event payload for a push to main.
function runAction() {
  const temp = mkdtempSync(join(tmpdir(), 'bench-action-'));
  const files = Object.fromEntries(['output', 'state', 'summary', 'env', 'path', 'event'].map(name => [name, join(temp, name)]));
  for (const file of Object.values(files)) writeFileSync(file, '');
  writeFileSync(files.event, JSON.stringify({ref: 'refs/heads/main', after: sha, repository: {name: 'circuitverse', default_branch: 'main'}}));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: sha,
    GITHUB_REPOSITORY: 'circuitverse/circuitverse',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    RUNNER_TEMP: temp,
    INPUT_IMAGE: repository,
    INPUT_CONTEXT: context,
    'INPUT_REGISTRY-USERNAME': username,
    'INPUT_REGISTRY-PASSWORD': password,
  };
  try {
    const main = time(() => run(process.execPath, [action], env));
    if (!readFileSync(files.output, 'utf8').includes('digest<<')) throw new Error('The action set no digest.');
    // The post step runs at the end of the job; it is timed apart, since it is not part of building and pushing.
    const state = Object.fromEntries(
      [...readFileSync(files.state, 'utf8').matchAll(/^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm)].map(([, name, , value]) => [`STATE_${name}`, value]),
    );
    const post = time(() => run(process.execPath, [action], {...env, ...state}));
    return {main, post};
  } finally {
    rmSync(temp, {recursive: true, force: true});
  }
}

function removeImages() {
  const ids = run(cli.docker, ['image', 'ls', '--quiet', '--no-trunc', '--filter', `reference=${repository}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) run(cli.docker, ['image', 'rm', '--force', ...new Set(ids)]);
}

function coldCache() {
  removeImages();
  run(cli.docker, ['builder', 'prune', '--all', '--force']);
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const format = ms => `${(ms / 1000).toFixed(2)}s`;

console.log(`context ${context}, ${runs} runs per mode, tags ${tags.join(', ')}`);
console.log(`plain CLI: ${cli.docker} ${cli.build.join(' ')}${cli.env.DOCKER_BUILDKIT ? ' (DOCKER_BUILDKIT=1)' : ''}\n`);
const results = {};
for (const mode of ['cold', 'warm']) {
  const times = {action: [], cli: [], post: []};
  if (mode === 'warm') {
    runPlainCli();
    runAction();
  }
  for (let index = 0; index < runs; index++) {
    // Alternate who goes first, so neither always inherits the other's page cache or registry state.
    const order = index % 2 === 0 ? ['action', 'cli'] : ['cli', 'action'];
    for (const who of order) {
      if (mode === 'cold') coldCache();
      if (who === 'cli') {
        times.cli.push(runPlainCli());
      } else {
        const {main, post} = runAction();
        times.action.push(main);
        times.post.push(post);
      }
    }
    console.log(`${mode} #${index + 1}: action ${format(times.action.at(-1))}, plain CLI ${format(times.cli.at(-1))}`);
  }
  results[mode] = times;
}
removeImages();
execFileSync(cli.docker, ['builder', 'prune', '--all', '--force'], {stdio: 'ignore'});

console.log('\n| cache | action (median) | plain CLI (median) | ratio | post step (median) |');
console.log('| --- | --- | --- | --- | --- |');
for (const [mode, times] of Object.entries(results)) {
  const ratio = median(times.action) / median(times.cli);
  console.log(`| ${mode} | ${format(median(times.action))} | ${format(median(times.cli))} | ${ratio.toFixed(2)}× | ${format(median(times.post))} |`);
}
