import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';
import {findSandbox} from '../src/sandbox.js';
import {sshRun} from '../src/ssh.js';

const execFileAsync = promisify(execFile);
const sandboxScript = (name: string) => new URL(`../../../sandbox/${name}`, import.meta.url).pathname;
const run = async (name: string) => (await execFileAsync(sandboxScript(name), [], {timeout: 180_000})).stdout;

describe.skipIf(!findSandbox())('sandbox up and down', () => {
  it('leaves nothing behind after up, down, up, down, and comes back up unchanged by a second up', async () => {
    await run('down');
    expect(await run('check-clean')).toContain('clean');
    const first = await run('up');
    expect(await run('up')).toBe(first);
    await run('down');
    expect(await run('check-clean')).toContain('clean');
    // Bring it back for the tests that follow; new keys, so read the description again.
    await run('up');
    const sandbox = findSandbox();
    if (!sandbox) throw new Error('sandbox/up wrote no sandbox.json');
    const engines = await Promise.all(sandbox.hosts.map(host => sshRun(sandbox, host, "docker info --format '{{.ID}}'")));
    expect(new Set(engines.map(engine => engine.stdout.trim())).size).toBe(3);
  });
});
