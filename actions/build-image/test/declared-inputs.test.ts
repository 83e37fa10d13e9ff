import {join} from 'node:path';
import {createConsoleLogger, InputReader} from '@circuitverse/shared';
import {findInputMismatch} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {readInputs} from '../src/inputs.js';

describe('build-image action.yml', () => {
  it('declares every input the code reads, and the code reads every input it declares', () => {
    const mismatch = findInputMismatch(join(import.meta.dirname, '..'), {
      scenarios: [{image: '127.0.0.1:5000/app', 'registry-username': 'ci', 'registry-password': 'pw', push: 'false'}],
      read: environment => readInputs(new InputReader(environment), createConsoleLogger({write: () => {}})),
    });
    expect(mismatch).toEqual({undeclared: [], unread: []});
  });
});
