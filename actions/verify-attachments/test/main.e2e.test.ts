import {join} from 'node:path';
import {runAction} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';

const action = join(import.meta.dirname, '..');

describe('verify-attachments bundle', () => {
  it('fails in one line naming the missing input, with no stack trace', async () => {
    const run = await runAction(action);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'Input "database-url" is required when blobs-file is not set. Set it to the postgres:// URL of the app database, e.g. ${{ secrets.DATABASE_URL }}.',
    ]);
    expect(run.log).not.toMatch(/^\s+at /m);
  });

  it('masks the database URL before it can be logged', async () => {
    const url = 'postgres://app:hunter2-password@db.internal:5432/circuitverse';
    const run = await runAction(action, {inputs: {'database-url': url, services: 'amazon=Bad_Bucket'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/^Input "services" names an invalid bucket "Bad_Bucket"/);
    expect(run.log).not.toContain('hunter2-password');
  });

  it('runs under act without a summary file', async () => {
    const run = await runAction(action, {act: true, withoutSummaryFile: true});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
  });
});
