// The demo's steps, started like the Actions runner starts them: INPUT_* variables (secrets travel in the
// environment, never on a command line), file commands, and a push event for this commit.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const sandbox = JSON.parse(readFileSync(join(process.env.CV_SANDBOX_DIR ?? '/var/lib/cv-sandbox', 'sandbox.json'), 'utf8'));
const sha = spawnSync('git', ['rev-parse', 'HEAD'], {encoding: 'utf8'}).stdout.trim();
const work = mkdtempSync(join(tmpdir(), 'demo-'));
const event = join(work, 'event.json');
writeFileSync(
  event,
  JSON.stringify({
    ref: 'refs/heads/main',
    after: sha,
    repository: {full_name: 'circuitverse/circuitverse', html_url: 'https://github.com/circuitverse/circuitverse', default_branch: 'main'},
  }),
);

function runStep(action, inputs) {
  const files = Object.fromEntries(['output', 'state', 'summary'].map(name => [name, join(work, `${action}-${name}`)]));
  for (const file of Object.values(files)) writeFileSync(file, '');
  const environment = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: event,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REPOSITORY: 'circuitverse/circuitverse',
    GITHUB_SHA: sha,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1',
    GITHUB_WORKSPACE: process.cwd(),
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: work,
  };
  for (const [name, value] of Object.entries(inputs)) environment[`INPUT_${name.toUpperCase()}`] = value;
  console.log(`━━ ${action}`);
  const step = spawnSync(process.execPath, [`actions/${action}/dist/index.js`], {env: environment, encoding: 'utf8'});
  process.stdout.write(step.stdout + step.stderr);
  const outputs = readFileSync(files.output, 'utf8');
  if (outputs) console.log(`outputs:\n${outputs}`);
  // Until an action's issue lands, its step says so and fails: the expected outcome at this stage.
  if (step.status !== 0 && !/is not implemented yet/.test(step.stdout)) {
    console.log(`${action} failed.`);
    return false;
  }
  return true;
}

const steps = [
  () =>
    runStep('build-image', {
      image: `${sandbox.registry.address}/demo`,
      context: 'sandbox/testapp',
      'registry-username': sandbox.registry.username,
      'registry-password': sandbox.registry.password,
    }),
  () =>
    runStep('deploy', {
      hosts: sandbox.hosts.map(host => host.address).join('\n'),
      'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
      'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
      service: 'demo',
      image: `${sandbox.testApp.image}:${sandbox.testApp.tag}`,
    }),
  () => runStep('verify-attachments', {'database-url': sandbox.postgres.url, bucket: 'demo-attachments', endpoint: sandbox.s3.endpoint}),
];
const passed = steps.every(step => step());
rmSync(work, {recursive: true, force: true});
console.log(passed ? 'Demo finished.' : 'Demo failed.');
process.exitCode = passed ? 0 : 1;
