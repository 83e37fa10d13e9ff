import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import type {Sandbox, SandboxHost} from './sandbox.js';

const execFileAsync = promisify(execFile);

/**
 * Runs a command on a sandbox host with the OpenSSH client and strict host key checking against the sandbox's
 * known_hosts: an independent client, so tests of our SSH code do not lean on that same code.
 */
export async function sshRun(sandbox: Sandbox, host: SandboxHost, command: string): Promise<{stdout: string; stderr: string}> {
  const {stdout, stderr} = await execFileAsync(
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
    {maxBuffer: 64 * 1024 * 1024, timeout: 120_000},
  );
  return {stdout, stderr};
}

/** Runs a command inside a sandbox host's namespaces without SSH, through `sandbox/exec`. */
export async function hostRun(host: SandboxHost, argv: string[]): Promise<string> {
  const {stdout} = await execFileAsync(new URL('../../../sandbox/exec', import.meta.url).pathname, [host.name, ...argv], {timeout: 120_000});
  return stdout;
}
