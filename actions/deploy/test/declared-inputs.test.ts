import {join} from 'node:path';
import {createConsoleLogger, InputReader} from '@circuitverse/shared';
import {findInputMismatch, generateSshKeyPair} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {readInputs} from '../src/inputs.js';

const knownHosts = 'web-1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const connection = {hosts: 'web-1', 'ssh-private-key': generateSshKeyPair().private, 'ssh-known-hosts': knownHosts, service: 'web'};

describe('deploy action.yml', () => {
  it('declares every input the code reads, and the code reads every input it declares', () => {
    const mismatch = findInputMismatch(join(import.meta.dirname, '..'), {
      scenarios: [
        {...connection, image: '127.0.0.1:5000/app:v1'},
        {...connection, rollback: 'true'},
        {...connection, maintenance: 'on', 'maintenance-page': '<h1>Back soon</h1>'},
      ],
      read: environment => readInputs(new InputReader(environment), createConsoleLogger({write: () => {}})),
    });
    expect(mismatch).toEqual({undeclared: [], unread: []});
  });
});
