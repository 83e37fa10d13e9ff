import {chmod, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {CommandResult, RunCommand} from '../src/command-runner.js';
import {findBuildCli, hasBuildxPlugin} from '../src/docker-cli.js';

// What each fake client answers to `docker buildx version` and `docker --version`.
interface Client {
  buildx: boolean;
  version: string;
}

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'docker-cli-test-'));
});

afterEach(async () => {
  await rm(root, {recursive: true, force: true});
});

/** One PATH directory per client, each with an executable `docker`; returns PATH and a runner that answers for them. */
async function install(clients: Record<string, Client>): Promise<{path: string; runCommand: RunCommand}> {
  for (const directory of Object.keys(clients)) {
    await mkdir(join(root, directory));
    await writeFile(join(root, directory, 'docker'), '');
    await chmod(join(root, directory, 'docker'), 0o755);
  }
  const runCommand: RunCommand = async ([program = '', ...args]): Promise<CommandResult> => {
    const client = clients[program.slice(root.length + 1).split('/')[0] as string] as Client;
    if (args[0] === 'buildx')
      return client.buildx ? {exitCode: 0, output: 'github.com/docker/buildx v0.30.1'} : {exitCode: 1, output: "docker: 'buildx' is not a docker command."};
    return {exitCode: 0, output: client.version};
  };
  return {
    path: Object.keys(clients)
      .map(directory => join(root, directory))
      .join(':'),
    runCommand,
  };
}

describe('findBuildCli', () => {
  // biome-ignore format: one PATH per line
  it.each([
    ['buildx on the first docker', true, {a: {buildx: true, version: 'Docker version 29.1.3, build f52814d'}}, 'a', 'buildx', ['a buildx version']],
    ['a 20.10 client without buildx', false, {a: {buildx: false, version: 'Docker version 20.10.24+dfsg1, build 297e128'}}, 'a', 'builtin', ['a --version']],
    ['a 20.10 client behind a newer one without buildx', false, {a: {buildx: false, version: 'Docker version 28.2.2, build e6534b4'}, b: {buildx: false, version: 'Docker version 20.10.24+dfsg1, build 297e128'}}, 'b', 'builtin', ['a --version', 'b --version']],
    ['buildx even on an old client', true, {a: {buildx: true, version: 'Docker version 20.10.24+dfsg1, build 297e128'}}, 'a', 'buildx', ['a buildx version']],
    ['a 20.10 client when the plugin found does not run', true, {a: {buildx: false, version: 'Docker version 20.10.24+dfsg1, build 297e128'}}, 'a', 'builtin', ['a buildx version', 'a --version']],
    ['buildx from a plugin directory not looked in, when nothing else builds', false, {a: {buildx: true, version: 'Docker version 29.1.3, build f52814d'}}, 'a', 'buildx', ['a --version', 'a buildx version']],
  ])('takes %s', async (_, pluginFound, clients, directory, kind, commands) => {
    const {path, runCommand} = await install(clients);
    const ran: string[] = [];
    const recording: RunCommand = (argv, options) => {
      ran.push([(argv[0] as string).slice(root.length + 1).split('/')[0], ...argv.slice(1)].join(' '));
      return runCommand(argv, options);
    };
    const cli = await findBuildCli(recording, path, pluginFound);
    expect(cli.path).toBe(join(root, directory, 'docker'));
    expect(cli.kind).toBe(kind);
    expect(ran.sort()).toEqual(commands.sort());
  });

  it('refuses when no docker on PATH can build with BuildKit', async () => {
    const {path, runCommand} = await install({a: {buildx: false, version: 'Docker version 28.2.2, build e6534b4'}});
    await expect(findBuildCli(runCommand, path, false)).rejects.toThrow(
      `Docker CLI: ${join(root, 'a', 'docker')} cannot build with BuildKit. Install the buildx plugin`,
    );
  });

  it('probes a docker reached through two PATH entries once', async () => {
    const {path, runCommand} = await install({a: {buildx: false, version: 'Docker version 28.2.2, build e6534b4'}});
    await symlink(join(root, 'a'), join(root, 'link'));
    const probed: string[] = [];
    const recording: RunCommand = (argv, options) => {
      probed.push(argv[0] as string);
      return runCommand(argv, options);
    };
    await expect(findBuildCli(recording, `${path}:${join(root, 'link')}`, true)).rejects.toThrow();
    expect(new Set(probed)).toEqual(new Set([join(root, 'a', 'docker')]));
  });
});

describe('hasBuildxPlugin', () => {
  async function plugin(directory: string, mode = 0o755): Promise<void> {
    await mkdir(directory, {recursive: true});
    await writeFile(join(directory, 'docker-buildx'), '');
    await chmod(join(directory, 'docker-buildx'), mode);
  }

  it("finds the plugin in the config directory's cli-plugins, in the config file's extra directories and the system's", async () => {
    const config = join(root, 'config');
    await plugin(join(config, 'cli-plugins'));
    expect(hasBuildxPlugin(config, [])).toBe(true);

    const other = join(root, 'other-config');
    await mkdir(other);
    await writeFile(join(other, 'config.json'), JSON.stringify({cliPluginsExtraDirs: [join(root, 'extra')]}));
    expect(hasBuildxPlugin(other, [])).toBe(false);
    await plugin(join(root, 'extra'));
    expect(hasBuildxPlugin(other, [])).toBe(true);

    await plugin(join(root, 'system'));
    expect(hasBuildxPlugin(join(root, 'nowhere'), [join(root, 'system')])).toBe(true);
  });

  it('passes over a plugin file that cannot run, and a config file that is not JSON', async () => {
    const config = join(root, 'config');
    await plugin(join(config, 'cli-plugins'), 0o644);
    await writeFile(join(config, 'config.json'), '{not json');
    expect(hasBuildxPlugin(config, [])).toBe(false);
  });
});
