// Benchmark, not a test: in one run, on the sandbox, what a deploy of the real Rails app costs beyond the app's own
// boot: the action switching Puma between two releases, against the same image's `docker run` to its first 200 on
// /up, measured on the same hosts round by round (target: at most 1 s beyond it on three hosts).
// Each deploy switches between two releases, so every run pulls nothing new but boots a new Rails and drains the old.
// Usage: node actions/deploy/bench/rails.mjs [rounds]   (after sandbox/up and a build)
import {spawn, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {requireSandbox} from '@circuitverse/testkit';
import {runActionStep} from '../../../scripts/cli.mjs';

const rounds = Number(process.argv[2] ?? 5);
const sandbox = requireSandbox();
const [host] = sandbox.hosts;
const images = ['v1', 'v2'].map(tag => `${sandbox.railsApp.image}:${tag}@${sandbox.railsApp.releases[tag].digest}`);
const database = new URL(sandbox.appPostgres.url);
database.pathname = '/bench_rails';
const secrets = `DATABASE_URL=${database.href}\nREDIS_URL=${sandbox.appRedis.url}\nSECRET_KEY_BASE=${sandbox.railsApp.secretKeyBase}\n`;

const inputs = hosts => ({
  hosts: hosts.map(entry => entry.address).join('\n'),
  'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
  'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
  'registry-username': sandbox.registry.username,
  'registry-password': sandbox.registry.password,
  secrets,
  memory: '512m',
  'health-timeout': '90s',
  'drain-timeout': '10s',
});

async function action(service, hosts, image, extra = {}) {
  const started = performance.now();
  let log = '';
  const {code} = await runActionStep('deploy', {...inputs(hosts), service, image, ...extra}, {write: line => (log += `${line}\n`)});
  if (code !== 0) throw new Error(`deploy failed:\n${log}`);
  return performance.now() - started;
}

// The app's own boot, timed on the host: docker run of the image to the first 200 on /up, as the deploy's own start
// and health check see it (the same env file, memory limit and loopback port), then gone again.
// The script arrives on stdin, the env file inside it as a here-document: the secrets stay off every command line.
const bootScript = `set -eu
image=$1
env_file=/tmp/bench-rails.env
(umask 077 && cat >"$env_file") <<'ENV'
${secrets}ENV
now() { date +%s%3N; }
start=$(now)
c=$(docker run -d --env-file "$env_file" --memory 536870912 --memory-swap 536870912 -p 127.0.0.1::3000 "$image")
port=$(docker port "$c" 3000/tcp | sed -n 's/^127\\.0\\.0\\.1://p' | head -n 1)
until curl -fsS "http://127.0.0.1:$port/up" >/dev/null 2>&1; do sleep 0.05; done
end=$(now)
docker rm -f "$c" >/dev/null
echo $(( end - start ))`;

const sshArguments = (target, argv) => [
  ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${sandbox.ssh.knownHostsFile}`],
  ...['-i', sandbox.ssh.privateKeyFile, `root@${target.address}`, ...argv],
];

function boot(target, image) {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', sshArguments(target, ['sh', '-s', image]), {stdio: ['pipe', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    child.on('error', reject);
    child.on('close', code => (code === 0 ? resolve(Number(stdout.trim())) : reject(new Error(`boot failed on ${target.address}: ${stderr}`))));
    child.stdin.end(`${bootScript}\n`);
  });
}

/** Three hosts boot at once, as a deploy to three boots them: the slowest is what the deploy waits for. */
async function bootOn(targets, image) {
  return Math.max(...(await Promise.all(targets.map(target => boot(target, image)))));
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// A database of the bench's own, migrated by the first deploy's pre-deploy.
spawnSync(
  '/usr/lib/postgresql/15/bin/psql',
  [
    '-X',
    '-q',
    '-h',
    sandbox.appPostgres.address,
    '-p',
    String(sandbox.appPostgres.port),
    '-U',
    sandbox.appPostgres.user,
    '-d',
    'railsapp',
    '-c',
    'DROP DATABASE IF EXISTS bench_rails WITH (FORCE)',
    '-c',
    'CREATE DATABASE bench_rails',
  ],
  {env: {...process.env, PGPASSWORD: sandbox.appPostgres.password}, stdio: 'inherit'},
);
const times = {action1: [], boot1: [], action3: [], boot3: []};
// Warm up: the first deploys pull, migrate and have nothing to drain; the first boots warm the page cache.
for (const image of images) {
  await action('bench-rails-one', [host], image, {'pre-deploy': 'bin/rails db:migrate'});
  await action('bench-rails-three', sandbox.hosts, image);
}
await bootOn(sandbox.hosts, images[0]);
for (let round = 0; round < rounds; round++) {
  const image = images[round % 2];
  times.action1.push(await action('bench-rails-one', [host], image));
  times.boot1.push(await bootOn([host], image));
  times.action3.push(await action('bench-rails-three', sandbox.hosts, image));
  times.boot3.push(await bootOn(sandbox.hosts, image));
}
const ms = value => `${Math.round(value)}ms`;
const beyond = (a, b) => median(times[a]) - median(times[b]);
console.log(`rounds: ${rounds}`);
for (const [label, key] of [
  ['action, 1 host:          ', 'action1'],
  ['boot to healthy, 1 host: ', 'boot1'],
  ['action, 3 hosts:         ', 'action3'],
  ['boot to healthy, 3 hosts:', 'boot3'],
]) {
  console.log(`${label} median ${ms(median(times[key]))}  (${times[key].map(ms).join(' ')})`);
}
console.log(`beyond the boot, 1 host:  ${ms(beyond('action1', 'boot1'))}  (${(median(times.action1) / median(times.boot1)).toFixed(2)}×)`);
console.log(`beyond the boot, 3 hosts: ${ms(beyond('action3', 'boot3'))}  (${(median(times.action3) / median(times.boot3)).toFixed(2)}×; target ≤ 1000ms)`);
