#!/usr/bin/env node
// Times the bundled build-image action against the plain docker CLI doing the same job on the same context:
// `docker login` + `docker build` (same tags, same labels) + `docker push --all-tags`. Each is run with a cold build
// cache (`docker builder prune -af` and the images removed first) and a warm one, several times, alternating which
// goes first, and the medians are compared. Not a test: timings depend on the machine.
//
// Two contexts by default. `app` is generated to stand for the first users' Rails app: the three stages of its
// Dockerfile.production (gems, JavaScript packages and assets in a builder, a front-end build, a slim runtime), 3,000
// files and 45 MB of dependencies, a .dockerignore'd log; its warm runs follow a commit (one source file changes
// before each run, on both sides alike), as a CI build does. `testapp` (sandbox/testapp, a 2 MB image, nothing
// changed between warm runs) leaves almost nothing but each side's fixed cost: starting, finding the CLI, logging in.
//
//   node actions/build-image/bench/build-push.mjs [--runs 9] [--context DIR]
//
// `--context DIR` times that directory alone, unchanged between runs. Needs the sandbox (sandbox/up) for its Docker
// Engine and registry, and a built dist/ (pnpm turbo run build).
import {execFileSync, spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {accessSync, appendFileSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {homedir, tmpdir} from 'node:os';
import {delimiter, join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {pushEvent, requireSandbox, runAction, runPostStep} from '@circuitverse/testkit';

const {values: options} = parseArgs({options: {runs: {type: 'string', default: '9'}, context: {type: 'string'}}});
const runs = Number(options.runs);
const repoRoot = resolve(import.meta.dirname, '../../..');
const actionDir = join(repoRoot, 'actions/build-image');
const sandbox = requireSandbox();
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

// Each side keeps one docker config directory for the whole bench, as a runner's home keeps ~/.docker: a 20.10 client
// names its BuildKit session after a file there, and BuildKit then takes only the changed files of a context. Both are
// removed at the end, since the plain CLI's login writes the registry password into its config.json.
const dockerConfigs = {cli: mkdtempSync(join(tmpdir(), 'bench-docker-config-')), action: mkdtempSync(join(tmpdir(), 'bench-docker-config-'))};
// findCli asked the user's config, whose plugins (buildx in ~/.docker/cli-plugins, say) both sides must also find.
const userPlugins = join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'cli-plugins');
if (existsSync(userPlugins)) for (const directory of Object.values(dockerConfigs)) symlinkSync(resolve(userPlugins), join(directory, 'cli-plugins'));

function runPlainCli(context) {
  const env = {...cli.env, DOCKER_CONFIG: dockerConfigs.cli};
  return time(() => {
    run(cli.docker, ['login', '--username', username, '--password-stdin', registry], env, password);
    const labelArgs = Object.entries(labels()).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    run(cli.docker, [...cli.build, '--progress=plain', ...labelArgs, ...tags.flatMap(tag => ['--tag', `${repository}:${tag}`]), context], env);
    run(cli.docker, ['push', '--all-tags', repository], env);
  });
}

// As the runner starts a step, through the tests' own emulation of it: a push to main, INPUT_* variables, the file
// commands; then the post step with the state the main step saved.
async function timeAction(context) {
  const options = {
    inputs: {image: repository, context, 'registry-username': username, 'registry-password': password},
    event: pushEvent({after: sha}),
    env: {DOCKER_CONFIG: dockerConfigs.action},
  };
  const started = performance.now();
  const main = await runAction(actionDir, options);
  const mainMs = performance.now() - started;
  try {
    if (main.exitCode !== 0 || !main.outputs.digest) throw new Error(`The action failed or set no digest:\n${main.log}`);
    // The post step runs at the end of the job; it is timed apart, since it is not part of building and pushing.
    const postStarted = performance.now();
    const post = await runPostStep(actionDir, main, options);
    if (post.exitCode !== 0) throw new Error(`The post step failed:\n${post.log}`);
    return {main: mainMs, post: performance.now() - postStarted};
  } finally {
    rmSync(main.jobDirectory, {recursive: true, force: true});
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

// The first users' Dockerfile.production in outline, FROM scratch + busybox since no public registry is reachable.
const appDockerfile = `FROM scratch AS base
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]

FROM base AS builder
WORKDIR /usr/src/app
COPY Gemfile Gemfile.lock ./
COPY vendor/cache vendor/cache
RUN mkdir -p /usr/local/bundle && for gem in vendor/cache/*.gem; do gzip -c "$gem" > "/usr/local/bundle/\${gem##*/}.gz"; done
COPY package.json yarn.lock ./
COPY node_cache node_cache
RUN mkdir -p node_modules && for package in node_cache/*.tgz; do cp "$package" node_modules/; done
COPY . .
RUN mkdir -p public/assets && cat app/javascript/*.js | gzip > public/assets/application.js.gz && find app -type f | wc -l > public/assets/manifest

FROM base AS simulator
WORKDIR /src
COPY simulator ./
RUN mkdir -p /dist && cat *.js | gzip > /dist/simulator.js.gz

FROM base AS app
WORKDIR /usr/src/app
COPY --from=builder /usr/local/bundle /usr/local/bundle
COPY --from=builder /usr/src/app/app ./app
COPY --from=builder /usr/src/app/config ./config
COPY --from=builder /usr/src/app/public ./public
COPY --from=simulator /dist ./public/simulatorvue
EXPOSE 3000
ENTRYPOINT ["/bin/sh", "-c", "exec sleep infinity"]
`;

/** Writes the `app` context: returns its directory and a function that changes one source file, as a commit would. */
function generateAppContext() {
  const directory = mkdtempSync(join(tmpdir(), 'bench-app-context-'));
  const write = (path, content) => {
    mkdirSync(join(directory, path, '..'), {recursive: true});
    writeFileSync(join(directory, path), content);
  };
  const source = bytes => randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64');
  write('Dockerfile', appDockerfile);
  write('.dockerignore', 'log/\ntmp/\n');
  copyFileSync(join(repoRoot, 'sandbox/testapp/busybox'), join(directory, 'busybox'));
  for (const file of ['Gemfile', 'Gemfile.lock', 'package.json', 'yarn.lock']) write(file, source(4000));
  for (let index = 0; index < 150; index++) write(`vendor/cache/gem-${index}.gem`, randomBytes(200_000));
  for (let index = 0; index < 150; index++) write(`node_cache/package-${index}.tgz`, randomBytes(100_000));
  for (const folder of ['models', 'controllers', 'views', 'helpers', 'jobs', 'javascript']) {
    for (let index = 0; index < 400; index++) write(`app/${folder}/file_${index}.${folder === 'javascript' ? 'js' : 'rb'}`, source(3000));
  }
  for (let index = 0; index < 200; index++) write(`config/initializers/init_${index}.rb`, source(1000));
  for (let index = 0; index < 200; index++) write(`simulator/module_${index}.js`, source(5000));
  write('log/production.log', randomBytes(20_000_000));
  let commit = 0;
  return {directory, change: () => appendFileSync(join(directory, 'app/models/file_0.rb'), `# commit ${++commit}\n`)};
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const format = ms => `${(ms / 1000).toFixed(2)}s`;

const generated = options.context ? undefined : generateAppContext();
const contexts = options.context
  ? [{name: options.context, directory: resolve(repoRoot, options.context), change: () => {}}]
  : [
      {name: 'app', ...generated},
      {name: 'testapp', directory: join(repoRoot, 'sandbox/testapp'), change: () => {}},
    ];
console.log(`${runs} runs per context and cache, tags ${tags.join(', ')}`);
console.log(`plain CLI: ${cli.docker} ${cli.build.join(' ')}${cli.env.DOCKER_BUILDKIT ? ' (DOCKER_BUILDKIT=1)' : ''}\n`);
const results = [];
try {
  for (const {name, directory, change} of contexts) {
    for (const mode of ['cold', 'warm']) {
      const times = {action: [], cli: [], post: []};
      if (mode === 'warm') {
        runPlainCli(directory);
        await timeAction(directory);
      }
      for (let index = 0; index < runs; index++) {
        // Alternate who goes first, so neither always inherits the other's page cache or registry state.
        const order = index % 2 === 0 ? ['action', 'cli'] : ['cli', 'action'];
        for (const who of order) {
          if (mode === 'cold') coldCache();
          else change();
          if (who === 'cli') {
            times.cli.push(runPlainCli(directory));
          } else {
            const {main, post} = await timeAction(directory);
            times.action.push(main);
            times.post.push(post);
          }
        }
        console.log(`${name} ${mode} #${index + 1}: action ${format(times.action.at(-1))}, plain CLI ${format(times.cli.at(-1))}`);
      }
      results.push({name, mode, times});
    }
  }
} finally {
  removeImages();
  execFileSync(cli.docker, ['builder', 'prune', '--all', '--force'], {stdio: 'ignore'});
  if (generated) rmSync(generated.directory, {recursive: true, force: true});
  for (const directory of Object.values(dockerConfigs)) rmSync(directory, {recursive: true, force: true});
}

console.log('\n| context | cache | action (median) | plain CLI (median) | ratio | post step (median) |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const {name, mode, times} of results) {
  const ratio = median(times.action) / median(times.cli);
  console.log(`| ${name} | ${mode} | ${format(median(times.action))} | ${format(median(times.cli))} | ${ratio.toFixed(2)}× | ${format(median(times.post))} |`);
}
