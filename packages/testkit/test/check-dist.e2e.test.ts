import {execFile} from 'node:child_process';
import {appendFile, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const execFileAsync = promisify(execFile);
const repository = new URL('../../..', import.meta.url).pathname;

async function checkDist(clone: string): Promise<{code: number; output: string}> {
  try {
    const {stdout, stderr} = await execFileAsync(join(clone, 'scripts/check-dist'), [], {cwd: clone, timeout: 240_000});
    return {code: 0, output: stdout + stderr};
  } catch (error) {
    const failed = error as {code: number; stdout: string; stderr: string};
    return {code: failed.code, output: failed.stdout + failed.stderr};
  }
}

// A clone of the last commit, so the check runs on exactly what CI would get.
describe('scripts/check-dist', () => {
  let clone: string;
  beforeAll(async () => {
    clone = await mkdtemp(join(tmpdir(), 'check-dist-'));
    await execFileAsync('git', ['clone', '--quiet', '--no-hardlinks', repository, clone]);
    await execFileAsync('pnpm', ['install', '--prefer-offline', '--frozen-lockfile', '--reporter=silent'], {cwd: clone, timeout: 240_000});
  });
  afterAll(() => rm(clone, {recursive: true, force: true}));

  it('passes on the committed tree and fails, naming the action, once a source changes', async () => {
    expect(await checkDist(clone)).toMatchObject({code: 0});
    // A statement with an effect: the bundler keeps it, so the bundle must change.
    await appendFile(join(clone, 'actions/verify-attachments/src/main.ts'), "\nconsole.log('changed since the build');\n");
    const stale = await checkDist(clone);
    expect(stale.code).toBe(1);
    expect(stale.output).toContain('dist/ is stale for: actions/verify-attachments');
  });
});
