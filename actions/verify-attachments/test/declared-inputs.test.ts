import {join} from 'node:path';
import {createConsoleLogger, InputReader} from '@circuitverse/shared';
import {findInputMismatch, generateSshKeyPair} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {readInputs} from '../src/inputs.js';

const database = {'database-url': 'postgres://app:pw@127.0.0.1:5432/app', bucket: 'circuitverse-images-prod'};

describe('verify-attachments action.yml', () => {
  it('declares every input the code reads, and the code reads every input it declares', () => {
    const mismatch = findInputMismatch(join(import.meta.dirname, '..'), {
      scenarios: [
        database,
        {...database, orphans: 'true', 'inventory-manifest': 's3://cv-inventory/inv/manifest.json'},
        {
          ...database,
          'ssh-host': 'db-1',
          'ssh-private-key': generateSshKeyPair().private,
          'ssh-known-hosts': 'db-1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        },
        {'blobs-file': 'blobs.ndjson', services: 'amazon=circuitverse-images-prod'},
        {
          ...database,
          'legacy-mapping':
            '- {table: projects, carrierwave: image_preview, record_type: Project, name: circuit_preview, files: "ssh://app-1/srv/uploads/{id}/{filename}"}',
          'ssh-private-key': generateSshKeyPair().private,
          'ssh-known-hosts': 'app-1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        },
        {...database, integrity: 'true', 'orphan-grace': '2h', 'single-attachments': 'avatar', 'integrity-max': 'orphan=1'},
      ],
      read: environment => readInputs(new InputReader(environment), createConsoleLogger({write: () => {}}), new Date('2026-11-27T12:00:00Z')),
    });
    expect(mismatch).toEqual({undeclared: [], unread: []});
  });
});
