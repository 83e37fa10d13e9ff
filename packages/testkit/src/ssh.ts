import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import type {Sandbox, SandboxHost} from './sandbox.js';

const execFileAsync = promisify(execFile);

/**
 * Runs a command on a sandbox host with the OpenSSH client and strict host key checking against the sandbox's
 * known_hosts: an independent client, so tests of our SSH code do not lean on that same code. `input` becomes the
 * command's stdin.
 */
export async function sshRun(
  sandbox: Sandbox,
  host: SandboxHost,
  command: string,
  options: {input?: string; timeout?: number} = {},
): Promise<{stdout: string; stderr: string}> {
  const run = execFileAsync(
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${sandbox.ssh.knownHostsFile}`,
      '-o',
      'ConnectTimeout=10',
      '-i',
      sandbox.ssh.privateKeyFile,
      '-p',
      String(host.port),
      `${sandbox.ssh.user}@${host.address}`,
      command,
    ],
    {maxBuffer: 64 * 1024 * 1024, timeout: options.timeout ?? 120_000},
  );
  // stdin is how a secret reaches the host without a command line (argv is world-readable there).
  run.child.stdin?.end(options.input ?? '');
  const {stdout, stderr} = await run;
  return {stdout, stderr};
}

/** Runs a command inside a sandbox host's namespaces without SSH, through `sandbox/exec`. */
export async function hostRun(host: SandboxHost, argv: string[]): Promise<string> {
  const {stdout} = await execFileAsync(new URL('../../../sandbox/exec', import.meta.url).pathname, [host.name, ...argv], {timeout: 120_000});
  return stdout;
}
