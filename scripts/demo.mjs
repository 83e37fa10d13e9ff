// The demo: build-image builds and pushes the sandbox's Rails app, deploy ships it to the three hosts in the first
// users' shape (Puma and Sidekiq in one deploy, PostgreSQL and Redis on host1, memory limits, migrations), and
// verify-attachments proves an uploaded attachment is in the S3 server, each from its bundle (through the CLI's
// runner), on the sandbox.
import {createHash} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {requireSandbox} from '@circuitverse/testkit';
import {runActionStep} from './cli.mjs';

const sandbox = requireSandbox();

async function step(action, inputs, env) {
  console.log(`━━ ${action}`);
  const {code, outputs} = await runActionStep(action, inputs, {env});
  if (code !== 0) throw new Error(`${action} failed.`);
  return outputs;
}

// An avatar as the app would have uploaded it: the object in the bucket, its blob row as NDJSON (s3rver takes
// unsigned requests, so a plain PUT is enough here).
async function uploadAttachment(directory) {
  const bucket = 'demo-attachments';
  const body = Buffer.from('a demo avatar');
  await fetch(`${sandbox.s3.endpoint}/${bucket}`, {method: 'PUT'});
  const key = 'demo-avatar';
  const response = await fetch(`${sandbox.s3.endpoint}/${bucket}/${key}`, {method: 'PUT', body, headers: {'content-type': 'image/png'}});
  if (!response.ok) throw new Error(`uploading the demo attachment failed: HTTP ${response.status}`);
  const blob = {
    key,
    byte_size: body.length,
    checksum: createHash('md5').update(body).digest('base64'),
    service_name: 'amazon',
    content_type: 'image/png',
    created_at: new Date().toISOString(),
    attachment_name: 'avatar',
  };
  const file = join(directory, 'blobs.ndjson');
  writeFileSync(file, `${JSON.stringify(blob)}\n`);
  return {bucket, file};
}

const registry = {'registry-username': sandbox.registry.username, 'registry-password': sandbox.registry.password};
const built = await step('build-image', {
  image: `${sandbox.registry.address}/demo`,
  context: 'sandbox/railsapp',
  // The base debootstrapped from Debian's archive that sandbox/up made; release 2 of the app.
  'build-args': `BASE=${sandbox.railsApp.baseImage}\nRELEASE=2`,
  ...registry,
});
// The same shape as examples/rails-pipeline.yml, with the sandbox's database and Redis on host1.
await step('deploy', {
  hosts: sandbox.hosts.map(host => host.address).join('\n'),
  'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
  'ssh-known-hosts': readFileSync(sandbox.ssh.knownHostsFile, 'utf8'),
  service: 'demo',
  image: built['image-ref'],
  ...registry,
  roles: ['web:', '  cmd: bundle exec puma -C config/puma.rb', 'sidekiq:', '  cmd: bundle exec sidekiq', '  quiet-signal: TSTP', '  stop-timeout: 40s'].join(
    '\n',
  ),
  memory: '512m',
  'log-options': 'max-size=10m',
  secrets: `DATABASE_URL=${sandbox.appPostgres.url}\nREDIS_URL=${sandbox.appRedis.url}\nSECRET_KEY_BASE=${sandbox.railsApp.secretKeyBase}`,
  'pre-deploy': 'bin/rails db:migrate',
  'health-timeout': '90s',
});
const work = mkdtempSync(join(tmpdir(), 'demo-'));
try {
  const attachment = await uploadAttachment(work);
  await step(
    'verify-attachments',
    {'blobs-file': attachment.file, services: `amazon=${attachment.bucket}`, endpoint: sandbox.s3.endpoint, region: sandbox.s3.region},
    {AWS_ACCESS_KEY_ID: sandbox.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.s3.secretAccessKey},
  );
} finally {
  rmSync(work, {recursive: true, force: true});
}
console.log('Demo finished.');
