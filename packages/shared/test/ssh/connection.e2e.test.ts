import {createHash, randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {findSandbox, generateSshKeyPair, type Sandbox} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {RemoteError} from '../../src/errors.js';
import {toShellCommand} from '../../src/shell-quote.js';
import {connectSsh, readPrivateKey, type SshConnection} from '../../src/ssh/connection.js';
import {KnownHosts} from '../../src/ssh/known-hosts.js';
import {parseSshTarget} from '../../src/ssh-target.js';
import {adversarialStrings} from '../fixtures/adversarial-strings.js';

const sandbox = findSandbox();

function credentials(sandbox: Sandbox, knownHostsText = readFileSync(sandbox.ssh.knownHostsFile, 'utf8')) {
  return {privateKey: readPrivateKey(readFileSync(sandbox.ssh.privateKeyFile, 'utf8'), 'ssh-private-key'), knownHosts: new KnownHosts(knownHostsText)};
}

function target(sandbox: Sandbox, index = 0) {
  const host = sandbox.hosts[index];
  if (!host) throw new Error(`The sandbox has no host ${index}.`);
  const parsed = parseSshTarget(`${sandbox.ssh.user}@${host.address}:${host.port}`, 'root');
  if (!parsed) throw new Error(`Cannot parse the sandbox host ${host.address}.`);
  return parsed;
}

describe.skipIf(!sandbox)('SSH to a sandbox host', () => {
  if (!sandbox) return;
  let connection: SshConnection;
  beforeAll(async () => {
    connection = await connectSsh(target(sandbox), credentials(sandbox));
  });
  afterAll(() => connection?.close());

  it('brings every adversarial string back byte-for-byte through the login shell and a POSIX sh -c', async () => {
    const values = adversarialStrings.map(entry => entry.value);
    // Two shells read it: the login shell reads the outer command, then `sh -c` (dash) the inner one.
    const result = await connection.exec(['sh', '-c', toShellCommand(['printf', '%s\\0', ...values])]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const returned = result.stdout.split('\0').slice(0, -1);
    for (const [index, entry] of adversarialStrings.entries()) {
      expect({name: entry.name, value: returned[index]}).toEqual({name: entry.name, value: entry.value});
    }
    expect(returned).toHaveLength(values.length);
  });

  it('hands stdin to the command and reports its exit code and output', async () => {
    expect(await connection.exec(['sh', '-c', 'cat; echo oops >&2; exit 3'], {stdin: 'from stdin'})).toEqual({code: 3, stdout: 'from stdin', stderr: 'oops\n'});
  });

  it('turns a failed command into a RemoteError that quotes its last line', async () => {
    const error = await connection.run('listing a missing file', ['ls', '/no/such/file']).catch(caught => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toMatch(
      /^root@198\.18\.0\.\d+: listing a missing file failed \(exit 2\): ls: cannot access '\/no\/such\/file': No such file or directory\.$/,
    );
  });

  it('streams a file over SFTP, whatever its name, and says when there is none', async () => {
    const dir = `/root/sftp-${randomBytes(4).toString('hex')}`;
    const name = `${dir}/it's $(reboot) && "a" preview.png`;
    // Bigger than SFTP's reads and the channel's window, so the stream has to be pipelined.
    await connection.run('writing the file', ['sh', '-c', 'mkdir -p "$1" && head -c 3000000 /dev/urandom >"$2"', 'sh', dir, name]);
    try {
      const [expected] = (await connection.run('hashing the file', ['sha256sum', name])).split(' ');
      const stream = await connection.readFile(name);
      if (!stream) throw new Error('no stream');
      const hash = createHash('sha256');
      for await (const chunk of stream) hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(expected);
      expect(await connection.readFile(`${dir}/no such file`)).toBeUndefined();
    } finally {
      await connection.run('removing the file', ['rm', '-rf', dir]);
    }
  });

  it('gives up on a command at its deadline, and the connection goes on working', async () => {
    const started = Date.now();
    const error = await connection.exec(['sleep', '30'], {timeoutMs: 1000}).catch(caught => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toMatch(/^root@198\.18\.0\.\d+: `sleep 30` did not finish within 1\.0s\.$/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await connection.run('echoing', ['echo', 'still here'])).toBe('still here\n');
  });

  it('quotes what a timed-out command wrote, and the command dies when it next writes', async () => {
    // The sandbox logs in as root, and OpenSSH refuses signals to root's sessions: closing the channel closes the
    // command's output, and it dies on its next write. The marker is its $0, to find it among others' commands.
    const marker = `deadline-${randomBytes(4).toString('hex')}`;
    const loop = ['sh', '-c', 'while :; do echo "tick $0"; sleep 0.2; done', marker];
    // pgrep -f would find its own command line; the bracket keeps the pattern from matching itself.
    const alive = () => connection.exec(['pgrep', '-f', `[${marker[0]}]${marker.slice(1)}`]).then(result => result.code === 0);
    const failed = connection.run('ticking', loop, {timeoutMs: 2000}).catch(caught => caught);
    await expect.poll(alive).toBe(true);
    const error = await failed;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toMatch(new RegExp(`^root@198\\.18\\.0\\.\\d+: ticking did not finish within 2\\.0s: tick ${marker}\\.$`));
    await expect.poll(alive, {timeout: 5000}).toBe(false);
  });

  it('refuses a host missing from known_hosts before running anything, naming the offered fingerprint', async () => {
    const error = await connectSsh(target(sandbox), credentials(sandbox, '')).catch(caught => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toMatch(/host is not in ssh-known-hosts; it offered the ssh-ed25519 key SHA256:[A-Za-z0-9+/]{43}/);
  });

  it('refuses a host whose key differs from known_hosts', async () => {
    // Host 2's entry for host 1's address: a real key, but the wrong one.
    const second = sandbox.hosts[1];
    if (!second) throw new Error('The sandbox has fewer than two hosts.');
    const lines = readFileSync(sandbox.ssh.knownHostsFile, 'utf8').split('\n');
    const secondKeys = lines.filter(line => line.startsWith(`${second.address} `));
    const swapped = secondKeys.map(line => line.replace(second.address, target(sandbox).host)).join('\n');
    const error = await connectSsh(target(sandbox), credentials(sandbox, swapped)).catch(caught => caught);
    expect(error.message).toMatch(/host key does not match ssh-known-hosts; it offered the ssh-ed25519 key SHA256:/);
  });

  it('says host certificates are not supported when only @cert-authority lines name the host', async () => {
    const lines = readFileSync(sandbox.ssh.knownHostsFile, 'utf8').split('\n');
    const hostKey = lines.find(line => line.startsWith(`${target(sandbox).host} `));
    if (!hostKey) throw new Error('The sandbox known_hosts has no line for host 1.');
    const error = await connectSsh(target(sandbox), credentials(sandbox, `@cert-authority ${hostKey}`)).catch(caught => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toMatch(/host certificates \(@cert-authority\) are not supported; it offered the ssh-ed25519 key SHA256:/);
  });

  it('says which key was refused and what the server accepts', async () => {
    const stranger = generateSshKeyPair().private;
    const error = await connectSsh(target(sandbox), {...credentials(sandbox), privateKey: readPrivateKey(stranger, 'ssh-private-key')}).catch(caught => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toMatch(/the server refused the ssh-ed25519 key SHA256:\S+\. It accepts: publickey\./);
  });
});
