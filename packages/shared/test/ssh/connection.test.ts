import {once} from 'node:events';
import {type AddressInfo, createServer, type Socket} from 'node:net';
import {generateSshKeyPair} from '@circuitverse/testkit';
import {afterEach, describe, expect, it} from 'vitest';
import {RemoteError} from '../../src/errors.js';
import {connectSsh, readPrivateKey} from '../../src/ssh/connection.js';
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
