// The demo: build-image, then deploy, then verify-attachments against the sandbox, each from its bundle.
import {readFileSync} from 'node:fs';
import {readSandbox, runStep} from './run-step.mjs';

const sandbox = readSandbox();

async function step(action, inputs) {
  console.log(`━━ ${action}`);
  const {code, log, outputs} = await runStep(action, inputs);
  if (outputs) console.log(`outputs:\n${outputs}`);
  // Until an action's issue lands, its step says so and fails: the expected outcome at this stage.
  if (code !== 0 && !/is not implemented yet/.test(log)) {
    console.log(`${action} failed.`);
    return false;
  }
  return true;
}

const passed =
  (await step('build-image', {
    image: `${sandbox.registry.address}/demo`,
    context: 'sandbox/testapp',
    'registry-username': sandbox.registry.username,
    'registry-password': sandbox.registry.password,
  })) &&
  (await step('deploy', {
    hosts: sandbox.hosts.map(host => host.address).join('\n'),
    'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
    'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
    service: 'demo',
    image: `${sandbox.testApp.image}:${sandbox.testApp.tag}`,
    'registry-username': sandbox.registry.username,
    'registry-password': sandbox.registry.password,
  })) &&
  (await step('verify-attachments', {'database-url': sandbox.postgres.url, bucket: 'demo-attachments', endpoint: sandbox.s3.endpoint}));
console.log(passed ? 'Demo finished.' : 'Demo failed.');
process.exitCode = passed ? 0 : 1;
