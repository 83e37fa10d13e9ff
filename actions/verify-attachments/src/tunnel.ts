import {createServer, type Socket} from 'node:net';
import type {SshConnection} from '@circuitverse/shared/ssh';

export interface LocalForward {
  /** The port on 127.0.0.1 that reaches `host:port` as the SSH host sees it. */
  port: number;
  /** Why the last channel could not be opened: clearer than the closed connection pg sees. */
  lastError(): unknown;
  close(): Promise<void>;
}

/**
 * `ssh -L 127.0.0.1:<free port>:host:port`: pg speaks to a socket, so a local listener hands each connection to a
 * channel of the verified SSH connection. Only loopback listens, so nothing else on the runner can use the tunnel.
 */
export async function forwardLocalPort(connection: SshConnection, host: string, port: number): Promise<LocalForward> {
  const sockets = new Set<Socket>();
  let lastError: unknown;
  const server = createServer(socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pause();
    connection.openTunnel(host, port).then(
      channel => {
        channel.on('error', () => socket.destroy());
        socket.on('error', () => channel.destroy());
        channel.on('close', () => socket.destroy());
        socket.pipe(channel).pipe(socket);
        socket.resume();
      },
      error => {
        lastError = error;
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the tunnel listener has no TCP port');
  return {
    port: address.port,
    lastError: () => lastError,
    close: () =>
      new Promise(resolve => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
