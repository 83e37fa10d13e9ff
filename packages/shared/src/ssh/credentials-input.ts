import {ConfigError} from '../errors.js';
import type {InputReader} from '../inputs.js';
import {readPrivateKey, type SshCredentials} from './connection.js';
import {KnownHosts} from './known-hosts.js';

/**
 * The `ssh-private-key` and `ssh-known-hosts` inputs, checked before any host is contacted. `hosts` says which hosts
 * the known_hosts lines are for, in the error when they are missing.
 */
export function readSshCredentials(reader: InputReader, hosts: string): SshCredentials {
  const privateKey = readPrivateKey(reader.required('ssh-private-key', 'the private key, e.g. ${{ secrets.SSH_PRIVATE_KEY }}'), 'ssh-private-key');
  const knownHosts = new KnownHosts(reader.required('ssh-known-hosts', `known_hosts lines for ${hosts}, e.g. \${{ vars.SSH_KNOWN_HOSTS }}`));
  if (knownHosts.invalidLines.length > 0) {
    throw new ConfigError(
      'ssh-known-hosts',
      `has unreadable lines (${knownHosts.invalidLines.join(', ')})`,
      'Each line is "host[,host] key-type base64-key", as ssh-keyscan prints.',
    );
  }
  return {privateKey, knownHosts};
}
