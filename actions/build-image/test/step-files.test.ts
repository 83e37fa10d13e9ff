import {mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createStepDirectory, removeStepDirectory, stepDirectoryState, writeDockerConfig, writeSecretFiles} from '../src/step-files.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'step-files-test-'));
});

afterEach(async () => {
  await rm(root, {recursive: true, force: true});
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('step files', () => {
  it('records the private directory for the post step as soon as it exists', async () => {
    const saved: Record<string, string> = {};
    const directory = await createStepDirectory(root, (name, value) => {
      saved[name] = value;
    });
    expect(saved).toEqual({[stepDirectoryState]: directory});
    expect(await mode(directory)).toBe(0o700);
  });

  it('writes each secret to a file only its owner can read', async () => {
    const directory = await createStepDirectory(root, () => {});
    const files = await writeSecretFiles(directory, new Map([['api_token', 'abc=def']]));
    const file = files.get('api_token') as string;
    expect(await readFile(file, 'utf8')).toBe('abc=def');
    expect(await mode(file)).toBe(0o600);
  });

  it("adds the login to a copy of the user's config, keeps other logins, and leaves the user's config alone", async () => {
    const user = join(root, 'user-docker');
    await mkdir(join(user, 'cli-plugins'), {recursive: true});
    const userConfig = {auths: {'docker.io': {auth: 'aHViOmh1Yg=='}}, credsStore: 'pass', credHelpers: {'127.0.0.1:5000': 'pass', 'gcr.io': 'gcloud'}};
    await writeFile(join(user, 'config.json'), JSON.stringify(userConfig));
    const directory = await createStepDirectory(root, () => {});

    const configDirectory = await writeDockerConfig(directory, '127.0.0.1:5000', {username: 'ci', password: 'pw'}, user, 'buildx');

    const written = JSON.parse(await readFile(join(configDirectory, 'config.json'), 'utf8'));
    expect(written).toEqual({
      auths: {'docker.io': {auth: 'aHViOmh1Yg=='}, '127.0.0.1:5000': {auth: Buffer.from('ci:pw').toString('base64')}},
      credHelpers: {'gcr.io': 'gcloud'},
    });
    expect(await mode(join(configDirectory, 'config.json'))).toBe(0o600);
    expect(await readlink(join(configDirectory, 'cli-plugins'))).toBe(join(user, 'cli-plugins'));
    expect(await readlink(join(configDirectory, 'buildx'))).toBe(join(user, 'buildx'));
    expect(JSON.parse(await readFile(join(user, 'config.json'), 'utf8'))).toEqual(userConfig);
  });

  it("shares the user's BuildKit node ID, making it where a 20.10 client would when there is none", async () => {
    const user = join(root, 'user-docker');
    const firstStep = await createStepDirectory(root, () => {});
    const first = await writeDockerConfig(firstStep, 'docker.io', {username: 'ci', password: 'pw'}, user, 'builtin');
    const nodeId = await readFile(join(user, '.buildNodeID'), 'utf8');
    expect(nodeId).toMatch(/^[0-9a-f]{64}$/);
    expect(await mode(join(user, '.buildNodeID'))).toBe(0o600);
    expect(await readdir(user)).toEqual(['.buildNodeID']);
    expect((await readdir(first)).sort()).toEqual(['.buildNodeID', 'config.json']);
    expect(await readFile(join(first, '.buildNodeID'), 'utf8')).toBe(nodeId);

    await removeStepDirectory(firstStep);
    const second = await writeDockerConfig(await createStepDirectory(root, () => {}), 'docker.io', {username: 'ci', password: 'pw'}, user, 'builtin');
    expect(await readFile(join(second, '.buildNodeID'), 'utf8')).toBe(nodeId);
  });

  it("shares the user's buildx directory, where buildx keeps its node ID and builders, making it when there is none", async () => {
    const user = join(root, 'user-docker');
    const firstStep = await createStepDirectory(root, () => {});
    const first = await writeDockerConfig(firstStep, 'docker.io', {username: 'ci', password: 'pw'}, user, 'buildx');
    expect(await mode(join(user, 'buildx'))).toBe(0o700);
    expect(await readdir(user)).toEqual(['buildx']);
    await writeFile(join(first, 'buildx', '.buildNodeID'), 'written by buildx');

    await removeStepDirectory(firstStep);
    const second = await writeDockerConfig(await createStepDirectory(root, () => {}), 'docker.io', {username: 'ci', password: 'pw'}, user, 'buildx');
    expect(await readFile(join(second, 'buildx', '.buildNodeID'), 'utf8')).toBe('written by buildx');
  });

  it('still writes the config when the build state cannot be made', async () => {
    await writeFile(join(root, 'a-file'), '');
    const configDirectory = await writeDockerConfig(
      await createStepDirectory(root, () => {}),
      'docker.io',
      {username: 'ci', password: 'pw'},
      join(root, 'a-file', 'docker'),
      'builtin',
    );
    expect(await readdir(configDirectory)).toEqual(['config.json']);
  });

  it('writes a config with the login alone when the user has none, and makes nothing for the user', async () => {
    const directory = await createStepDirectory(root, () => {});
    const configDirectory = await writeDockerConfig(directory, 'docker.io', {username: 'ci', password: 'pw'}, join(root, 'nowhere'), undefined);
    expect(JSON.parse(await readFile(join(configDirectory, 'config.json'), 'utf8'))).toEqual({
      auths: {'https://index.docker.io/v1/': {auth: Buffer.from('ci:pw').toString('base64')}},
    });
    expect(await readdir(root)).not.toContain('nowhere');
  });

  it('removes the directory once, and nothing it did not make', async () => {
    const directory = await createStepDirectory(root, () => {});
    await writeSecretFiles(directory, new Map([['t', 'v']]));
    expect(await removeStepDirectory(directory)).toBe(true);
    expect(await removeStepDirectory(directory)).toBe(false);
    expect(await removeStepDirectory('')).toBe(false);
    expect(await removeStepDirectory(root)).toBe(false);
    expect((await stat(root)).isDirectory()).toBe(true);
  });
});
