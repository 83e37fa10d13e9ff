import {readFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {join} from 'node:path';
import {findSandbox, hostRun, runAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';

const action = join(import.meta.dirname, '..');
const sandbox = findSandbox();

describe.skipIf(!sandbox)('deploy: connecting', () => {
  if (!sandbox) return;
  const knownHosts = readFileSync(sandbox.ssh.knownHostsFile, 'utf8');
  const inputs = {
    hosts: sandbox.hosts.map(host => host.address).join('\n'),
    'ssh-private-key': readFileSync(sandbox.ssh.privateKeyFile, 'utf8'),
    'ssh-known-hosts': knownHosts,
    service: 'connect-check',
    image: `${sandbox.testApp.image}:${sandbox.testApp.tag}`,
  };

  it('refuses a host whose key differs before running anything anywhere, naming it and the fingerprint it offered', async () => {
    const [first, second] = sandbox.hosts;
    if (!first || !second) throw new Error('The sandbox has fewer than two hosts.');
    // The second host listed under the first host's key: a real key, but not the one that host offers.
    const firstKeys = knownHosts.split('\n').filter(line => line.startsWith(`${first.address} `));
    const tampered = knownHosts
      .split('\n')
      .filter(line => !line.startsWith(`${second.address} `))
      .concat(firstKeys.map(line => line.replace(first.address, second.address)))
      .join('\n');
    const run = await runAction(action, {inputs: {...inputs, 'ssh-known-hosts': tampered}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      new RegExp(`^root@${second.address.replace(/\./g, '\\.')}: host key does not match ssh-known-hosts; it offered the ssh-ed25519 key SHA256:\\S+`),
    );
    const traces = await Promise.all(sandbox.hosts.map(host => hostRun(host, ['ls', '/var/lib/circuitverse-deploy'])));
    expect(traces.join('')).not.toContain('connect-check');
  });

  it('fails, naming the host, when a peer sends an SSH banner and closes (a proxy, a firewall, a dying sshd)', async () => {
    // On loopback: answers like sshd, reads the client's first packet, then closes cleanly.
    const peer = createServer(socket => {
      socket.write('SSH-2.0-OpenSSH_9.6\r\n');
      socket.once('data', () => socket.end());
    });
    await new Promise<void>(resolve => peer.listen(0, '127.0.0.1', resolve));
    const {port} = peer.address() as {port: number};
    try {
      const run = await runAction(action, {inputs: {...inputs, hosts: `${inputs.hosts}\n127.0.0.1:${port}`}, timeoutMs: 60_000});
      expect(run.signal).toBeNull();
      expect(run.exitCode).toBe(1);
      expect(run.errors.at(-1)).toBe(`root@127.0.0.1:${port}: the SSH connection closed before the handshake finished.`);
      const traces = await Promise.all(sandbox.hosts.map(host => hostRun(host, ['ls', '/var/lib/circuitverse-deploy'])));
      expect(traces.join('')).not.toContain('connect-check');
    } finally {
      peer.close();
    }
  });
});
