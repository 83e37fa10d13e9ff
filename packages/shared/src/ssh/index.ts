// Apart from the main entry, so that an action without SSH does not load ssh2 at every start.
export {connectSsh, type SshConnection, type SshCredentials, UnfinishedCommand} from './connection.js';
export {readSshCredentials} from './credentials-input.js';
