import {once} from 'node:events';
import {type AddressInfo, createServer, type Socket} from 'node:net';
import {generateSshKeyPair} from '@circuitverse/testkit';
import ssh2, {type ServerChannel} from 'ssh2';
import {afterEach, describe, expect, it} from 'vitest';
import {RemoteError} from '../../src/errors.js';
import {connectSsh, readPrivateKey, UnfinishedCommand} from '../../src/ssh/connection.js';
import {KnownHosts} from '../../src/ssh/known-hosts.js';

const credentials = {privateKey: readPrivateKey(generateSshKeyPair().private, 'ssh-private-key'), knownHosts: new KnownHosts('')};
const closeServers: (() => void)[] = [];
afterEach(() => {
  for (const close of closeServers.splice(0)) close();
});

/** A TCP peer on loopback that treats each connection as `behave` says; resolves with its port and its sockets. */
async function startPeer(behave: (socket: Socket) => void): Promise<{port: number; sockets: Socket[]}> {
  const sockets: Socket[] = [];
  const server = createServer(socket => {
    sockets.push(socket);
    behave(socket);
    // Read whatever comes, so that our hanging up reaches the peer as an end and closes its side.
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closeServers.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return {port: (server.address() as AddressInfo).port, sockets};
}

// What would keep Node running after a failed connect: a socket or a timer. The runner's own are there before the
// connect; once the peer has seen the connection close, none may have been added.
function openHandles(): number {
  return process.getActiveResourcesInfo().filter(resource => resource === 'TCPSocketWrap' || resource === 'Timeout').length;
}

async function expectClosedAndBackTo(peer: {sockets: Socket[]}, handles: number): Promise<void> {
  await Promise.all(peer.sockets.map(socket => (socket.closed ? undefined : once(socket, 'close'))));
  // A destroyed socket lets go of its handle a few turns of the event loop later.
  for (let turn = 0; turn < 100 && openHandles() > handles; turn++) await new Promise(resolve => setImmediate(resolve));
  expect(openHandles()).toBeLessThanOrEqual(handles);
}

async function connectToPeer(port: number, readyTimeoutMs?: number): Promise<RemoteError> {
  const target = {user: 'root', host: '127.0.0.1', port, label: `root@127.0.0.1:${port}`};
  return connectSsh(target, credentials, readyTimeoutMs === undefined ? {} : {readyTimeoutMs}).then(
    () => {
      throw new Error('connected to a peer that is not an SSH server');
    },
    (caught: unknown) => {
      expect(caught).toBeInstanceOf(RemoteError);
      return caught as RemoteError;
    },
  );
}

describe('connectSsh against a peer that is not a working SSH server', () => {
  it('fails when the peer sends its banner, reads our KEXINIT and hangs up', async () => {
    const peer = await startPeer(socket => {
      socket.write('SSH-2.0-OpenSSH_9.6\r\n');
      let received = '';
      socket.on('data', chunk => {
        received += chunk.toString('latin1');
        // Our identification line, then the binary KEXINIT packet after it.
        if (/^SSH-2\.0-[^\r\n]*\r\n[\s\S]/.test(received)) socket.end();
      });
    });
    const before = openHandles();
    const error = await connectToPeer(peer.port);
    expect(error.message).toBe(`root@127.0.0.1:${peer.port}: the SSH connection closed before the handshake finished.`);
    await expectClosedAndBackTo(peer, before);
  });

  it('fails when the peer hangs up before its banner', async () => {
    const peer = await startPeer(socket => socket.end());
    const before = openHandles();
    const error = await connectToPeer(peer.port);
    expect(error.message).toBe(`root@127.0.0.1:${peer.port}: could not connect: Connection lost before handshake.`);
    await expectClosedAndBackTo(peer, before);
  });

  it('gives up on a peer that accepts and says nothing, within the connect timeout, and hangs up', async () => {
    const peer = await startPeer(() => {});
    const before = openHandles();
    const error = await connectToPeer(peer.port, 300);
    expect(error.message).toBe(`root@127.0.0.1:${peer.port}: the SSH handshake did not finish within 300ms.`);
    await expectClosedAndBackTo(peer, before);
  });

  it('gives up on a peer that sends its banner and then nothing', async () => {
    const peer = await startPeer(socket => socket.write('SSH-2.0-OpenSSH_9.6\r\n'));
    const before = openHandles();
    const error = await connectToPeer(peer.port, 300);
    expect(error.message).toBe(`root@127.0.0.1:${peer.port}: the SSH handshake did not finish within 300ms.`);
    await expectClosedAndBackTo(peer, before);
  });
});

/**
 * An ssh2 server on loopback that lets any key in and starts every command without ever ending it, after writing a
 * line to stdout and one to stderr. Resolves with a connection to it, the signals its channels were sent and the
 * channels that closed.
 */
async function connectToStuckServer() {
  const hostKey = generateSshKeyPair();
  const signals: string[] = [];
  const channelsClosed: ServerChannel[] = [];
  // ssh2's server only reports signals sent before the command starts; its packet log shows the later ones.
  const debug = (line: string) => {
    const signal = /Inbound: CHANNEL_REQUEST \(r:\d+, signal: (\w+)\)$/.exec(line)?.[1];
    if (signal) signals.push(signal);
  };
  const server = new ssh2.Server({hostKeys: [hostKey.private], debug}, client => {
    client.on('error', () => {});
    client.on('authentication', context => context.accept());
    client.on('ready', () =>
      client.on('session', accept => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          // Read to the end, or the channel never closes.
          channel.resume().on('close', () => channelsClosed.push(channel));
          channel.write('pulled 1 of 3 layers\n');
          channel.stderr.write('still pulling layer 2\n');
          // As a dying sshd child would: the channel goes with no exit status.
          if (info.command.includes('vanish')) channel.close();
        });
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closeServers.push(() => server.close());
  const {port} = server.address() as AddressInfo;
  const target = {user: 'root', host: '127.0.0.1', port, label: `root@127.0.0.1:${port}`};
  const connection = await connectSsh(target, {...credentials, knownHosts: new KnownHosts(`[127.0.0.1]:${port} ${hostKey.public}`)});
  closeServers.push(() => connection.close());
  return {connection, port, signals, channelsClosed};
}

describe('a command with a deadline', () => {
  it('is killed when it passes, and the call rejects naming what ran and quoting the output so far', async () => {
    const {connection, port, signals, channelsClosed} = await connectToStuckServer();
    const error = await connection.run('pulling the image', ['docker', 'pull', 'app'], {timeoutMs: 200}).catch(caught => caught);
    // Started and not seen to end: the caller must allow for it still running.
    expect(error).toBeInstanceOf(UnfinishedCommand);
    expect(error.timedOut).toBe(true);
    expect(error.message).toBe(`root@127.0.0.1:${port}: pulling the image did not finish within 200ms: still pulling layer 2.`);
    await expect.poll(() => signals).toEqual(['KILL']);
    await expect.poll(() => channelsClosed).toHaveLength(1);
  });

  it('is unfinished, not timed out, when the channel goes with no exit status', async () => {
    const {connection, port} = await connectToStuckServer();
    const error = await connection.exec(['vanish'], {timeoutMs: 5000}).catch(caught => caught);
    expect(error).toBeInstanceOf(UnfinishedCommand);
    expect(error.timedOut).toBe(false);
    expect(error.message).toMatch(new RegExp(`^root@127\\.0\\.0\\.1:${port}: the SSH connection was lost mid-command`));
  });

  it('names the command itself when exec is not told what it is', async () => {
    const {connection, port} = await connectToStuckServer();
    const error = await connection.exec(['sleep', '30'], {timeoutMs: 200}).catch(caught => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toBe(`root@127.0.0.1:${port}: \`sleep 30\` did not finish within 200ms: still pulling layer 2.`);
  });
});
