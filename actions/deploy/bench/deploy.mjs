// Benchmark, not a test: in one run, on the sandbox,
//   (a) the action deploying to one host against the minimal hand-written sequence of the same steps over one
//       SSH connection to that host (target: at most 1.15×), and
//   (b) the action on three hosts against the hand-written sequence on the three at once (target: at most 1.10×),
//       and against the action on one host (target: at most 1.3×), next to the hand-written sequence's own three
//       hosts against one: what the machine allows, since the three hosts' Docker daemons share its cores.
// Each deploy switches between two releases, so every run pulls nothing new but does a real switch.
// Usage: node actions/deploy/bench/deploy.mjs [rounds]   (after sandbox/up and a build)
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {requireSandbox} from '@circuitverse/testkit';
import {runActionStep} from '../../../scripts/cli.mjs';

const rounds = Number(process.argv[2] ?? 5);
const sandbox = requireSandbox();
const [host] = sandbox.hosts;
const images = ['v1', 'v2'].map(version => `${sandbox.testApp.image}:${version}`);

function dockerPush(version) {
  // A throwaway DOCKER_CONFIG: the login must not stay behind in ~/.docker/config.json.
  const dockerConfig = mkdtempSync(join(tmpdir(), 'bench-docker-config-'));
  const env = {...process.env, DOCKER_BUILDKIT: '1', DOCKER_CONFIG: dockerConfig};
  const image = `${sandbox.testApp.image}:${version}`;
  try {
    spawnSync('/usr/bin/docker', ['build', '-q', '--build-arg', `VERSION=${version}`, '-t', image, sandbox.testApp.context], {env, stdio: 'ignore'});
    spawnSync('/usr/bin/docker', ['login', '-u', sandbox.registry.username, '--password-stdin', sandbox.registry.address], {
      env,
      input: sandbox.registry.password,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    spawnSync('/usr/bin/docker', ['push', '-q', image], {env, stdio: 'ignore'});
  } finally {
    rmSync(dockerConfig, {recursive: true, force: true});
  }
}

const inputs = hosts => ({
  hosts: hosts.map(entry => entry.address).join('\n'),
  'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
  'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
  'drain-timeout': '10s',
});

async function action(service, hosts, image) {
  const started = performance.now();
  let log = '';
  const {code} = await runActionStep(
    'deploy',
    {...inputs(hosts), service, image},
    {
      write: line => {
        log += `${line}\n`;
      },
    },
  );
  if (code !== 0) throw new Error(`deploy failed:\n${log}`);
  return performance.now() - started;
}

// The same steps by hand, as one shell script over one SSH connection: pull, lock, env file, start, health
// check, switch HAProxy's server through its admin socket (the first deploy writes the HAProxy section and nginx's
// upstream and reloads both), wait until the old container has no connection left, stop it, record, unlock.
const manualScript = `set -eu
svc=$1 image=$2 version=$3 listen=$4
root=/var/lib/circuitverse-deploy/bench-manual-$svc
section=/etc/haproxy/conf.d/$svc.cfg
mkdir -p "$root"
docker pull -q "$image" >/dev/null
mkdir "$root/lock"
umask 077; printf 'RAILS_ENV=production\\n' >"$root/$version.env"; umask 022
old=$(docker ps -q --filter "label=bench=$svc")
old_port=
if [ -n "$old" ]; then old_port=$(docker port "$old" 3000/tcp | sed -n 's/^127\\.0\\.0\\.1://p' | head -n 1); fi
new=$(docker run -d --label "bench=$svc" --env-file "$root/$version.env" -p 127.0.0.1::3000 "$image")
port=$(docker port "$new" 3000/tcp | sed -n 's/^127\\.0\\.0\\.1://p' | head -n 1)
until curl -fsS "http://127.0.0.1:$port/up" >/dev/null 2>&1; do sleep 1; done
if [ -e "$section" ]; then
  printf 'set server cv-%s/live addr 127.0.0.1 port %s\\n' "$svc" "$port" | socat - /run/haproxy/admin.sock >/dev/null
  sed -i "s/^  server live .*/  server live 127.0.0.1:$port/" "$section"
else
  printf 'listen cv-%s\\n  bind 127.0.0.1:%s\\n  mode tcp\\n  timeout connect 5s\\n  timeout client 1h\\n  timeout server 1h\\n  server live 127.0.0.1:%s\\n' \\
    "$svc" "$listen" "$port" >"$section"
  haproxy -c -q -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d
  kill -USR2 "$(cat /run/haproxy.pid)"
  until echo "show servers state cv-$svc" | socat - /run/haproxy/admin.sock | grep -q " $port "; do sleep 0.1; done
  printf 'upstream %s { server 127.0.0.1:%s; }\\n' "$svc" "$listen" >"/etc/nginx/conf.d/$svc-upstream.conf"
  nginx -t 2>/dev/null
  nginx -s reload
fi
if [ -n "$old" ]; then
  while [ -n "$(ss -Htn exclude time-wait "dst 127.0.0.1 and dport = :$old_port")" ]; do sleep 0.1; done
  docker stop -t 10 $old >/dev/null
  docker rm $old >/dev/null
fi
printf '%s\\t%s\\n' "$(date -u +%FT%TZ)" "$version" >>"$root/history"
rmdir "$root/lock"`;

const sshArguments = (target, argv) => [
  ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${sandbox.ssh.knownHostsFile}`],
  ...['-i', sandbox.ssh.privateKeyFile, `root@${target.address}`, ...argv],
];

function ssh(target, argv, input) {
  const result = spawnSync('ssh', sshArguments(target, argv), {input, encoding: 'utf8'});
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed on ${target.address}: ${result.stderr}`);
}

function sshAsync(target, argv, input) {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', sshArguments(target, argv), {stdio: ['pipe', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', chunk => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', code => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} failed on ${target.address}: ${stderr}`))));
    child.stdin.end(input);
  });
}

// HAProxy listeners of the hand-written deploys, one per service, outside the ports the action draws.
const manualListeners = {'bench-manual': '9901', 'bench-manual-three': '9902'};

async function manual(service, targets, image, version) {
  const started = performance.now();
  await Promise.all(targets.map(target => sshAsync(target, ['sh', '-s', service, image, version, manualListeners[service]], manualScript)));
  return performance.now() - started;
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (const version of ['v1', 'v2']) dockerPush(version);
// Both pull with the hosts' own login, as a person would have set it up once: the same work on both sides.
for (const target of sandbox.hosts) {
  ssh(target, ['docker', 'login', '-u', sandbox.registry.username, '--password-stdin', sandbox.registry.address], sandbox.registry.password);
}
const times = {action1: [], manual1: [], action3: [], manual3: []};
// Warm up each path once (first deploys have nothing to drain), then alternate the paths round by round so
// that drift in the machine's load falls on all of them alike.
await action('bench-one', [host], images[0]);
await manual('bench-manual', [host], images[0], 'v1');
await action('bench-three', sandbox.hosts, images[0]);
await manual('bench-manual-three', sandbox.hosts, images[0], 'v1');
for (let round = 0; round < rounds; round++) {
  const index = (round + 1) % 2;
  times.action1.push(await action('bench-one', [host], images[index]));
  times.manual1.push(await manual('bench-manual', [host], images[index], `v${index + 1}`));
  times.action3.push(await action('bench-three', sandbox.hosts, images[index]));
  times.manual3.push(await manual('bench-manual-three', sandbox.hosts, images[index], `v${index + 1}`));
}
const ms = value => `${Math.round(value)}ms`;
const ratio = (a, b) => `${(median(times[a]) / median(times[b])).toFixed(2)}×`;
console.log(`rounds: ${rounds}`);
console.log(`action, 1 host:         median ${ms(median(times.action1))}  (${times.action1.map(ms).join(' ')})`);
console.log(`hand-written, 1 host:   median ${ms(median(times.manual1))}  (${times.manual1.map(ms).join(' ')})`);
console.log(`action, 3 hosts:        median ${ms(median(times.action3))}  (${times.action3.map(ms).join(' ')})`);
console.log(`hand-written, 3 hosts:  median ${ms(median(times.manual3))}  (${times.manual3.map(ms).join(' ')})`);
console.log(`action / hand-written:  ${ratio('action1', 'manual1')}  (target ≤ 1.15×)`);
console.log(`action / hand-written, 3 hosts: ${ratio('action3', 'manual3')}  (target ≤ 1.10×)`);
console.log(`3 hosts / 1 host:       ${ratio('action3', 'action1')}  (target ≤ 1.3×); hand-written: ${ratio('manual3', 'manual1')}`);
