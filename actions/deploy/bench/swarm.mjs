// Benchmark, not a test: in one run, on the sandbox swarm (sandbox/swarm up; this script leaves it again),
//   (a) the front: the strict load client against a port published through the routing mesh, and against each
//       node's nginx in front of host-mode ports during a start-first update: failed requests of each;
//   (b) the action's deploy to the 3 nodes (driver swarm) against `docker service update --image …
//       --update-order start-first` run by hand on the manager for the same change (target: at most 1.10×).
// Both services alternate between two releases and two host ports, so every update does a real start-first swap.
// Usage: node actions/deploy/bench/swarm.mjs [rounds]   (after sandbox/up and a build)
import {execFileSync, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {requireSandbox, startLoad} from '@circuitverse/testkit';
import {runActionStep} from '../../../scripts/cli.mjs';

const rounds = Number(process.argv[2] ?? 5);
const sandbox = requireSandbox();
const [manager] = sandbox.hosts;
const swarmScript = new URL('../../../sandbox/swarm', import.meta.url).pathname;
const exec = new URL('../../../sandbox/exec', import.meta.url).pathname;
const images = ['v1', 'v2'].map(version => `${sandbox.testApp.image}:${version}`);
const healthCmd = 'curl -fsS -o /dev/null http://127.0.0.1:3000/up || wget -q -O /dev/null http://127.0.0.1:3000/up';

const onHost = (host, argv, input) => execFileSync(exec, [host.name, ...argv], {encoding: 'utf8', input, timeout: 300_000});
// The manager's CLI logs in to a throwaway config: the login must not stay behind for other tests.
const onManager = (argv, input) => onHost(manager, ['env', 'DOCKER_CONFIG=/tmp/swarm-bench-docker', ...argv], input);

// The step's own duration-ms output: the action's work without the runner emulation's node processes.
const inStep = [];
async function action(image) {
  const started = performance.now();
  let log = '';
  const {code, outputs} = await runActionStep(
    'deploy',
    {
      hosts: manager.address,
      'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
      'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
      'registry-username': sandbox.registry.username,
      'registry-password': sandbox.registry.password,
      driver: 'swarm',
      'swarm-ports': '8124,8125',
      service: 'swarm-bench',
      'health-timeout': '10s',
      image,
    },
    {
      write: line => {
        log += `${line}\n`;
      },
    },
  );
  if (code !== 0) throw new Error(`deploy failed:\n${log}`);
  inStep.push(Number(outputs['duration-ms']));
  return performance.now() - started;
}

// By hand: the same spec settings the action sends, then the one command a person types for each release; the
// CLI waits for the update to converge, as the action does.
let manualPort = 8126;
function manual(image) {
  manualPort = manualPort === 8126 ? 8127 : 8126;
  const started = performance.now();
  onManager([
    ...['docker', 'service', 'update', '--quiet', '--with-registry-auth', '--image', image, '--update-order', 'start-first'],
    ...['--publish-rm', 'mode=host,target=3000', '--publish-add', `mode=host,published=${manualPort},target=3000`, 'swarm-bench-manual'],
  ]);
  return performance.now() - started;
}

function createManual(image) {
  onManager([
    ...['docker', 'service', 'create', '--quiet', '--with-registry-auth', '--name', 'swarm-bench-manual', '--mode', 'global'],
    ...['--publish', `mode=host,published=${manualPort},target=3000`, '--health-cmd', healthCmd, '--health-interval', '1s'],
    ...['--health-retries', '3', '--health-start-period', '10s', '--update-order', 'start-first', '--update-failure-action', 'rollback'],
    ...['--update-monitor', '5s', '--rollback-order', 'start-first', image],
  ]);
}

/** nginx on every node in front of both ports of the action's service, as the deploy README's host setup says. */
function addFront() {
  const conf =
    'upstream swarm-bench { server 127.0.0.1:8124 max_fails=0; server 127.0.0.1:8125 max_fails=0; }\nserver { listen 8128; location / { proxy_pass http://swarm-bench; } }\n';
  for (const host of sandbox.hosts) onHost(host, ['sh', '-c', 'cat > /etc/nginx/conf.d/swarm-bench-front.conf && nginx -s reload'], conf);
}

function removeFront() {
  for (const host of sandbox.hosts) onHost(host, ['sh', '-c', 'rm -f /etc/nginx/conf.d/swarm-bench-front.conf && nginx -s reload']);
}

async function measureLoad(port, during) {
  const load = startLoad({
    targets: sandbox.hosts.map(host => ({name: host.name, url: `http://${host.address}:${port}`})),
    connectionsPerTarget: 4,
    maxRequests: 50_000,
    maxDurationMs: 120_000,
  });
  await during();
  const report = await load.stop();
  return `${report.responses.length} responses, ${report.failures.length} failed, ${report.retries} retried${report.failures[0] ? ` (first: ${report.failures[0].error})` : ''}`;
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

execFileSync(swarmScript, ['up'], {stdio: 'inherit'});
try {
  onManager(['docker', 'login', '-u', sandbox.registry.username, '--password-stdin', sandbox.registry.address], sandbox.registry.password);
  // (a) The routing mesh: a port published in ingress mode, under the same load for 5 s.
  onManager([
    ...['docker', 'service', 'create', '--quiet', '--with-registry-auth', '--name', 'swarm-bench-mesh', '--replicas', '3'],
    ...['--publish', 'published=8129,target=3000', images[0]],
  ]);
  const mesh = await measureLoad(8129, () => new Promise(resolve => setTimeout(resolve, 5000)));
  onManager(['docker', 'service', 'rm', 'swarm-bench-mesh']);

  addFront();
  await action(images[0]);
  createManual(images[0]);
  await new Promise(resolve => setTimeout(resolve, 1000));
  const hostMode = await measureLoad(8128, () => action(images[1]));

  const times = {action: [], manual: []};
  for (let round = 0; round < rounds; round++) {
    const image = images[round % 2];
    times.action.push(await action(image));
    times.manual.push(manual(image));
  }
  const ms = value => `${Math.round(value)}ms`;
  console.log(`front, routing mesh (ingress :8129):            ${mesh}`);
  console.log(`front, host mode behind nginx (:8128), update:  ${hostMode}`);
  console.log(`rounds: ${rounds}`);
  console.log(`action, 3 swarm nodes:             median ${ms(median(times.action))}  (${times.action.map(ms).join(' ')})`);
  console.log(`docker service update by hand:     median ${ms(median(times.manual))}  (${times.manual.map(ms).join(' ')})`);
  const steps = inStep.slice(-rounds);
  console.log(`action's duration-ms (in the step):  median ${ms(median(steps))}  (${steps.map(ms).join(' ')})`);
  console.log(`action / by hand: ${(median(times.action) / median(times.manual)).toFixed(2)}×  (target ≤ 1.10×)`);
  console.log(`action's duration-ms / by hand: ${(median(steps) / median(times.manual)).toFixed(2)}×`);
} finally {
  spawnSync(swarmScript, ['down'], {stdio: 'inherit'});
  removeFront();
  onHost(manager, ['rm', '-rf', '/tmp/swarm-bench-docker']);
}
