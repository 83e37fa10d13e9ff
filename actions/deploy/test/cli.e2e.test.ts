import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {findSandbox, pushTestApp} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addServerBlock, resetService, servedVersions} from './sandbox-service.js';

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, '../../..');
const sandbox = findSandbox();
const service = 'cli';
const port = 8090;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node scripts/cli.mjs deploy …` from a terminal: no GITHUB_* variables, secrets in files. */
async function cli(args: string[]): Promise<CliRun> {
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GITHUB_|INPUT_|RUNNER_|ACT$)/.test(name)));
  try {
    const {stdout, stderr} = await execFileAsync(process.execPath, [join(root, 'scripts/cli.mjs'), 'deploy', ...args], {env: environment, cwd: root});
    return {code: 0, stdout, stderr};
  } catch (error) {
    const failed = error as {code: number; stdout: string; stderr: string};
    return {code: failed.code, stdout: failed.stdout, stderr: failed.stderr};
  }
}

function output(run: CliRun, name: string): string | undefined {
  return new RegExp(`^  ${name}: (.*)$`, 'm').exec(run.stdout)?.[1];
}

describe.skipIf(!sandbox)('deploy from a terminal through scripts/cli.mjs', () => {
  if (!sandbox) return;
  const images: Record<string, string> = {};
  let secrets: string;
  let common: string[];

  beforeAll(async () => {
    for (const version of ['v1', 'v2']) images[version] = await pushTestApp(sandbox, version);
    await resetService(sandbox, service);
    secrets = await mkdtemp(join(tmpdir(), 'cli-secrets-'));
    await writeFile(join(secrets, 'registry-password'), sandbox.registry.password, {mode: 0o600});
    common = [
      ...['--hosts', sandbox.hosts.map(host => host.address).join(',')],
      ...['--ssh-private-key', `@${sandbox.ssh.privateKeyFile}`],
      ...['--ssh-known-hosts', `@${sandbox.ssh.knownHostsFile}`],
      ...['--service', service],
      ...['--registry-username', sandbox.registry.username],
      ...['--registry-password', `@${join(secrets, 'registry-password')}`],
      '--health-timeout=20s',
      '--drain-timeout=15s',
    ];
  });

  afterAll(async () => {
    await resetService(sandbox, service);
    await rm(secrets, {recursive: true, force: true});
  });

  it('deploys the first release, with a readable log and the outputs at the end', async () => {
    const run = await cli([...common, '--image', images.v1 as string]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(output(run, 'version')).toBe('v1');
    // Workflow commands are translated, not printed: no ::add-mask:: carrying a secret, no ::group:: noise.
    expect(run.stdout).not.toMatch(/^::/m);
    expect(run.stdout).toMatch(/^▸ /m);
    await addServerBlock(sandbox, service, port);
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('deploys the next release, never printing a secret it was given in a file', async () => {
    const run = await cli([...common, '--image', images.v2 as string]);
    expect(run.code).toBe(0);
    expect(output(run, 'version')).toBe('v2');
    expect(output(run, 'previous-version')).toBe('v1');
    const keyBody = (await readFile(sandbox.ssh.privateKeyFile, 'utf8')).split('\n')[1] as string;
    expect(run.stdout).not.toContain(keyBody);
    expect(run.stdout).not.toContain(sandbox.registry.password);
    expect(await servedVersions(sandbox, port)).toEqual(['v2', 'v2', 'v2']);
  });

  it('rolls back to the previous release with --rollback true', async () => {
    const run = await cli([...common, '--rollback', 'true']);
    expect(run.code).toBe(0);
    expect(output(run, 'version')).toBe('v1');
    expect(await servedVersions(sandbox, port)).toEqual(['v1', 'v1', 'v1']);
  });

  it('refuses an input deploy does not declare, naming it', async () => {
    const run = await cli([...common, '--imag', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: Unknown option '--imag'; see --help\n");
  });

  it('warns when a secret input is given inline on the command line', async () => {
    const run = await cli(['--hosts', 'web-1', '--registry-password', 'inline-secret']);
    expect(run.stderr).toContain('warning: --registry-password was given on the command line; prefer --registry-password @file');
    expect(run.code).toBe(1);
  });
});
