import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {copyFile, mkdir, mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import type {Sandbox} from '@circuitverse/testkit';

const execFileAsync = promisify(execFile);

export const manifestTypes =
  'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json';

/** A repository name no other test run uses, so every assertion about the registry is about this test alone. */
export function uniqueRepository(sandbox: Sandbox, name: string): string {
  return `${sandbox.registry.address}/build-image-e2e/${name}-${randomBytes(4).toString('hex')}`;
}

/** Calls the sandbox registry's HTTP API directly, with its htpasswd login: an independent check of what the action says. */
export function registryFetch(sandbox: Sandbox, path: string, init: RequestInit = {}): Promise<Response> {
  const basic = Buffer.from(`${sandbox.registry.username}:${sandbox.registry.password}`).toString('base64');
  return fetch(`http://${sandbox.registry.address}${path}`, {...init, headers: {...init.headers, Authorization: `Basic ${basic}`}});
}

export function repositoryPath(sandbox: Sandbox, repository: string): string {
  return repository.slice(sandbox.registry.address.length + 1);
}

/** Runs the docker CLI on PATH (not the action's code) and returns stdout. */
export async function docker(args: string[], env: Record<string, string> = {}): Promise<string> {
  const {stdout} = await execFileAsync('docker', args, {env: {...process.env, ...env}, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8'});
  return stdout;
}

/** Removes every local image of a repository, so no test leaves images in the Engine. */
export async function removeLocalImages(repository: string): Promise<void> {
  const ids = (await docker(['image', 'ls', '--quiet', '--no-trunc', '--filter', `reference=${repository}`])).split('\n').filter(Boolean);
  if (ids.length > 0) await docker(['image', 'rm', '--force', ...new Set(ids)]);
}

/**
 * A build context of its own: busybox from the test app (nothing can be pulled here), the Dockerfile given, a
 * `.dockerignore` and a file it excludes.
 */
export async function makeContext(sandbox: Sandbox, dockerfile: string, ignoredText = 'ignored'): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), 'build-image-context-'));
  await copyFile(join(sandbox.testApp.context, 'busybox'), join(context, 'busybox'));
  await writeFile(join(context, 'Dockerfile'), dockerfile);
  await writeFile(join(context, '.dockerignore'), 'ignored.txt\n');
  await writeFile(join(context, 'ignored.txt'), ignoredText);
  await mkdir(join(context, 'app'));
  await writeFile(join(context, 'app', 'hello.txt'), 'hello\n');
  return context;
}

/** Waits (up to a minute) until no process has `text` on its command line. */
export async function waitUntilNoProcessMentions(text: string): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 250) {
    const commandLines = await Promise.all(
      (await readdir('/proc')).filter(entry => /^\d+$/.test(entry)).map(pid => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')),
    );
    if (!commandLines.some(line => line.includes(text))) return;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`A process still mentions ${text} after a minute.`);
}
