import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {keyValueLines, railsAppSettings, type Sandbox} from '@circuitverse/testkit';

const execFileAsync = promisify(execFile);

/**
 * Runs a Ruby script with `bin/rails runner` in a container of the sandbox's Rails app (railsapp:v1), against the
 * app database `database` and with ActiveStorage's S3 service on `bucket` of the sandbox's S3 server: what the script
 * attaches, ActiveStorage itself writes. The container runs in the root engine on the host network, where 127.0.0.1:4568
 * is the S3 server and the app's database is at its sandbox address (a host's containers reach neither). `mounts` are
 * host path → container path. Resolves with what the script printed.
 */
export async function runRailsScript(
  sandbox: Sandbox,
  options: {script: string; database: string; bucket: string; env?: Record<string, string>; mounts?: Record<string, string>},
): Promise<string> {
  const env = {
    ...railsAppSettings(sandbox, {database: options.database}).secrets,
    RAILS_LOG_LEVEL: 'warn',
    // The railsapp image takes its S3 service from the environment.
    ACTIVE_STORAGE_SERVICE: 'amazon',
    AWS_S3_ACCESS_KEY_ID: sandbox.s3.accessKeyId,
    AWS_S3_SECRET_ACCESS_KEY: sandbox.s3.secretAccessKey,
    AWS_S3_REGION: sandbox.s3.region,
    AWS_S3_ENDPOINT: sandbox.s3.endpoint,
    AWS_S3_BUCKET_NAME: options.bucket,
    ...options.env,
  };
  // The database password goes in a file only root reads, never on a command line.
  const envFile = join(tmpdir(), `rails-runner-${randomBytes(6).toString('hex')}.env`);
  await writeFile(envFile, keyValueLines(env), {mode: 0o600});
  const volumes = Object.entries({[options.script]: '/script.rb:ro', ...options.mounts}).flatMap(([from, to]) => ['-v', `${from}:${to}`]);
  try {
    const {stdout} = await execFileAsync(
      'docker',
      ['run', '--rm', '--network', 'host', '--env-file', envFile, ...volumes, `${sandbox.railsApp.image}:v1`, 'bin/rails', 'runner', '/script.rb'],
      // A Rails boot takes seconds on an idle machine, and minutes when other tests build images beside it.
      {timeout: 360_000, env: {...process.env, DOCKER_HOST: sandbox.docker.host}},
    );
    return stdout;
  } finally {
    await rm(envFile, {force: true});
  }
}
