// Apart from the main entry, so that an action without SSH does not load ssh2 at every start.
export {type CommandResult, connectSsh, type ExecOptions, readPrivateKey, type SshConnection, type SshCredentials} from './connection.js';
export {readSshCredentials} from './credentials-input.js';
export {fingerprint, type KnownHostKey, KnownHosts, knownHostsName} from './known-hosts.js';
