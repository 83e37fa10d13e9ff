import {createConnection} from 'node:net';
import type {Duplex, Readable} from 'node:stream';
import ssh2, {type ClientChannel, type ParsedKey, type SFTPWrapper, type Client as SshClient} from 'ssh2';

// ssh2 is CommonJS: Node's ES module loader only sees its default export.
const {Client, utils} = ssh2;

import {formatDuration} from '../duration.js';
import {ConfigError, errorMessage, RemoteError} from '../errors.js';
import {toShellCommand} from '../shell-quote.js';
import type {SshTarget} from '../ssh-target.js';
import {fingerprint, hostKeyAlgorithmsFor, type KnownHosts} from './known-hosts.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Bytes for the command's stdin: how secrets travel, so they never sit on a command line. */
  stdin?: string;
  /**
   * How long the command may take, from the call. Past it the command is sent SIGKILL and its channel closed, and
   * the call rejects with a `RemoteError` quoting the output so far. OpenSSH ignores the signal when logged in as
   * root; the command then stops at its next write, or runs to its end. No limit when left out.
   */
  timeoutMs?: number;
}

/** One verified SSH connection to a host. */
export interface SshConnection {
  readonly target: SshTarget;
  /**
   * Runs an argv through the remote shell, quoted so it arrives byte-for-byte; never throws on a non-zero exit, only
   * when the connection is lost or `timeoutMs` passes.
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<CommandResult>;
  /** Like `exec`, but a non-zero exit is a `RemoteError` that says what was being done and quotes stderr. */
  run(what: string, argv: readonly string[], options?: ExecOptions): Promise<string>;
  /** A TCP stream to `host:port` as seen from the remote host (ssh -L without a local port). */
  openTunnel(host: string, port: number): Promise<Duplex>;
  /**
   * A file on the host, streamed over SFTP: no shell reads the path, so it needs no quoting. `undefined` when there is
   * no such file; any other refusal is a `RemoteError`.
   */
  readFile(path: string): Promise<Readable | undefined>;
  close(): void;
}

/**
 * A command that started on the host and whose end was not seen: it ran past its deadline, or the connection went
 * mid-command. It may still be running there, or have done its work; a caller deciding what changed must allow both.
 */
export class UnfinishedCommand extends RemoteError {
  constructor(
    where: string,
    what: string,
    options: {cause?: unknown; remoteOutput?: string},
    /** Past its deadline, as opposed to a connection lost under it. */
    readonly timedOut: boolean,
  ) {
    super(where, what, options);
  }
}

export interface SshCredentials {
  /** The private key, already checked by `readPrivateKey`. */
  privateKey: ParsedKey;
  knownHosts: KnownHosts;
}

/** Parses the private key once, up front, so a bad key is a config error before any host is contacted. */
export function readPrivateKey(text: string, input: string): ParsedKey {
  const parsed = utils.parseKey(text.replace(/\r\n/g, '\n').trim().concat('\n'));
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new ConfigError(
      input,
      encrypted ? 'is an encrypted private key' : `is not a private key this toolkit can read (${parsed.message})`,
      encrypted
        ? 'Use a deploy key without a passphrase, kept in a secret.'
        : 'Paste the whole key, including the BEGIN and END lines (OpenSSH or PEM format).',
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw new ConfigError(input, 'holds a public key, not a private key', 'Paste the private key file, not the .pub file.');
  return key;
}

/**
 * Connects with the host key verified against known_hosts: an unknown host or a different key is refused during
 * the handshake, before any command runs, naming the fingerprint the host offered. Settles within `readyTimeoutMs`
 * (connecting, the handshake and logging in), and leaves no socket open when it fails.
 */
export function connectSsh(target: SshTarget, credentials: SshCredentials, options: {readyTimeoutMs?: number} = {}): Promise<SshConnection> {
  const knownKeys = credentials.knownHosts.keysFor(target.host, target.port);
  const where = `${target.user}@${knownHostsLabel(target)}`;
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const client = new Client();
  // Our own socket, so a failure can always destroy it: ssh2's destroy() passes over one the peer has half-closed.
  const socket = createConnection({host: target.host, port: target.port});
  let hostKeyProblem: string | undefined;
  let serverMethods: string[] | undefined;

  return new Promise((resolve, reject) => {
    const fail = (error: RemoteError) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    // ssh2's own readyTimeout stops when the socket closes, and a peer that hangs up mid-handshake makes it close
    // without an error: so our timer, over the whole connect, and a close before `ready` is a failure.
    const timer = setTimeout(() => fail(new RemoteError(where, `the SSH handshake did not finish within ${formatDuration(timeoutMs)}`)), timeoutMs);
    const onClosed = () => fail(new RemoteError(where, 'the SSH connection closed before the handshake finished'));
    const onError = (error: Error) => {
      if (hostKeyProblem) {
        fail(new RemoteError(where, hostKeyProblem, {cause: error}));
      } else if ((error as {level?: string}).level === 'client-authentication') {
        const accepted = serverMethods?.length ? serverMethods.join(', ') : 'nothing it told us';
        fail(
          new RemoteError(where, `the server refused the ${credentials.privateKey.type} key ${fingerprint(credentials.privateKey.getPublicSSH())}`, {
            cause: error,
            next: `It accepts: ${accepted}. Add the public key to ~${target.user}/.ssh/authorized_keys on the host, or check ssh-user.`,
          }),
        );
      } else {
        fail(new RemoteError(where, 'could not connect', {cause: error, remoteOutput: errorMessage(error)}));
      }
    };
    client.on('error', onError).on('end', onClosed).on('close', onClosed);
    client.on('ready', () => {
      clearTimeout(timer);
      client.off('error', onError).off('end', onClosed).off('close', onClosed);
      resolve(wrapClient(client, target, where));
    });
    client.connect({
      sock: socket,
      username: target.user,
      // Ours covers the whole connect, above.
      readyTimeout: 0,
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      // Ask for the key types we know, so a host with several keys shows the one in known_hosts.
      ...(knownKeys.length ? {algorithms: {serverHostKey: hostKeyAlgorithmsFor(knownKeys) as never}} : {}),
      hostVerifier: (offered: Buffer) => {
        const verdict = credentials.knownHosts.verify(target.host, target.port, offered);
        if (verdict === 'known') return true;
        const offeredText = `${offered.length ? keyType(offered) : 'a'} key ${fingerprint(offered)}`;
        hostKeyProblem = {
          'unknown-host': `host is not in ssh-known-hosts; it offered the ${offeredText}. Verify that fingerprint out of band, then add the host's line (ssh-keyscan) to ssh-known-hosts`,
          mismatch: `host key does not match ssh-known-hosts; it offered the ${offeredText}. If the host was rebuilt, verify the new fingerprint and update ssh-known-hosts; otherwise someone may be intercepting the connection`,
          revoked: `host offered the ${offeredText}, which ssh-known-hosts marks @revoked`,
          'cert-authority-only': `host is in ssh-known-hosts only through @cert-authority lines, and host certificates (@cert-authority) are not supported; it offered the ${offeredText}. Verify that fingerprint out of band, then add the host's own line (ssh-keyscan) to ssh-known-hosts`,
        }[verdict];
        return false;
      },
      authHandler: (methodsLeft, _partialSuccess, next) => {
        if (methodsLeft === null) {
          next({type: 'publickey', username: target.user, key: credentials.privateKey as never});
        } else {
          serverMethods = methodsLeft;
          next(false as never);
        }
      },
    });
    // Each command is a few small packets; with Nagle's algorithm on, every one of them waited for the peer's
    // delayed ACK: about 90 ms a command against 5 ms without it (measured on the sandbox).
    socket.setNoDelay(true);
  });
}

function knownHostsLabel(target: SshTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return target.port === 22 ? host : `${host}:${target.port}`;
}

// A key blob starts with its type as an SSH string: a 4-byte length, then the name.
function keyType(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('ascii');
}

function wrapClient(client: SshClient, target: SshTarget, where: string): SshConnection {
  let lost: Error | undefined;
  // One SFTP session for the connection, opened on the first read; concurrent reads share it.
  let sftp: Promise<SFTPWrapper> | undefined;
  client.on('close', () => {
    lost ??= new Error('connection closed');
  });
  client.on('error', error => {
    lost = error;
  });

  // `what` names the command in the error when `timeoutMs` passes.
  const execute = (argv: readonly string[], options: ExecOptions, what: string): Promise<CommandResult> =>
    new Promise((resolve, reject) => {
      if (lost) {
        reject(new RemoteError(where, 'the SSH connection was lost', {cause: lost, remoteOutput: errorMessage(lost)}));
        return;
      }
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let opened: ClientChannel | undefined;
      let timedOut = false;
      client.exec(toShellCommand(argv), (error: Error | undefined, channel: ClientChannel) => {
        if (error) {
          clearTimeout(timer);
          // ssh2 says "No response from server" or "Not connected" when the connection died under the request.
          const dropped = lost !== undefined || /No response from server|Not connected/i.test(error.message);
          const problem = dropped ? 'the SSH connection was lost' : 'could not start a command';
          reject(new RemoteError(where, problem, {cause: error, remoteOutput: errorMessage(error)}));
          return;
        }
        if (timedOut) {
          stopCommand(channel);
          return;
        }
        opened = channel;
        channel.on('data', (chunk: Buffer) => stdout.push(chunk));
        channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        channel.on('close', (code: number | null, signal?: string) => {
          clearTimeout(timer);
          const result = {code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8')};
          if (code === null || code === undefined) {
            const cause = lost ?? new Error(signal ? `killed by ${signal}` : 'no exit status');
            reject(new UnfinishedCommand(where, 'the SSH connection was lost mid-command', {cause, remoteOutput: result.stderr || errorMessage(cause)}, false));
          } else {
            resolve(result);
          }
        });
        channel.end(options.stdin ?? '');
      });
      const {timeoutMs} = options;
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              if (opened) stopCommand(opened);
              const output = Buffer.concat(stderr).toString('utf8') || Buffer.concat(stdout).toString('utf8');
              reject(new UnfinishedCommand(where, `${what} did not finish within ${formatDuration(timeoutMs)}`, {remoteOutput: output}, true));
            }, timeoutMs);
    });

  return {
    target,
    exec: (argv, options = {}) => execute(argv, options, describeCommand(argv)),
    async run(what, argv, options = {}) {
      const result = await execute(argv, options, what);
      if (result.code !== 0) {
        throw new RemoteError(where, `${what} failed (exit ${result.code})`, {remoteOutput: result.stderr || result.stdout});
      }
      return result.stdout;
    },
    openTunnel: (host, port) =>
      new Promise((resolve, reject) => {
        client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
          if (error) reject(new RemoteError(where, `could not reach ${host}:${port} on the host`, {cause: error, remoteOutput: errorMessage(error)}));
          else resolve(channel);
        });
      }),
    async readFile(path) {
      sftp ??= new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((error, session) =>
          error ? reject(new RemoteError(where, 'could not start SFTP', {cause: error, remoteOutput: errorMessage(error)})) : resolve(session),
        ),
      );
      const session = await sftp.catch(error => {
        sftp = undefined;
        throw error;
      });
      return new Promise((resolve, reject) => {
        const stream = session.createReadStream(path);
        stream.once('open', () => {
          stream.off('error', onError);
          resolve(stream);
        });
        const onError = (error: Error & {code?: number}) => {
          // SFTP's status 2, SSH_FX_NO_SUCH_FILE.
          if (error.code === 2) resolve(undefined);
          else reject(new RemoteError(where, `could not read ${path}`, {cause: error, remoteOutput: errorMessage(error)}));
        };
        stream.once('error', onError);
      });
    },
    close: () => client.end(),
  };
}

// exec is not told what a command is for: it is named by its first line, cut short, so that a long `sh -c` script
// does not fill the error.
function describeCommand(argv: readonly string[]): string {
  const [firstLine = ''] = toShellCommand(argv).split('\n');
  return `\`${firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine}\``;
}

/**
 * SIGKILL for the command, then the channel closed. ssh2's `signal()` sends nothing once our side of the channel has
 * ended, which it has as soon as stdin is written, so the request goes to its protocol directly. OpenSSH refuses
 * signals to root's sessions; then closing the channel is all there is, and the command runs on until it ends or
 * next writes to its closed output.
 */
function stopCommand(channel: ClientChannel): void {
  const internals = channel as unknown as {outgoing: {id: number; state: string}; _client: {_protocol: {signal(id: number, name: string): void}}};
  const {id, state} = internals.outgoing;
  if (state === 'open' || state === 'eof') internals._client._protocol.signal(id, 'KILL');
  channel.close();
}
