// The demo: build-image, then deploy what it pushed, then verify-attachments, against the sandbox.
import {readFileSync} from 'node:fs';
import {readSandbox, runStep} from './run-step.mjs';

const sandbox = readSandbox();

async function step(action, inputs) {
  console.log(`━━ ${action}`);
  const {code, log, outputs} = await runStep(action, inputs);
  for (const [name, value] of Object.entries(outputs)) console.log(`output ${name}: ${value}`);
  // Until an action's issue lands, its step says so and fails: the expected outcome at this stage.
  if (code !== 0 && !/is not implemented yet/.test(log)) throw new Error(`${action} failed.`);
  return outputs;
}

const registry = {'registry-username': sandbox.registry.username, 'registry-password': sandbox.registry.password};
const built = await step('build-image', {image: `${sandbox.registry.address}/demo`, context: 'sandbox/testapp', ...registry});
await step('deploy', {
  hosts: sandbox.hosts.map(host => host.address).join('\n'),
  'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
  'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
  service: 'demo',
  image: built['image-ref'],
  ...registry,
});
await step('verify-attachments', {'database-url': sandbox.postgres.url, bucket: 'demo-attachments', endpoint: sandbox.s3.endpoint});
console.log('Demo finished.');
