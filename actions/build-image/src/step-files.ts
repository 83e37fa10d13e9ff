import {randomBytes} from 'node:crypto';
import {access, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import type {BuildCli} from './docker-cli.js';
import {authServerAddress, type RegistryCredentials} from './registry.js';

/** The step-state name under which the main step leaves its private directory to the post step. */
export const stepDirectoryState = 'step-directory';
const prefix = 'build-image-';

/**
 * Makes the step's private directory (mkdtemp makes it 0700) and records it for the post step before anything secret
 * is written into it, so that even a killed step leaves nothing behind.
 */
export async function createStepDirectory(root: string, saveState: (name: string, value: string) => void): Promise<string> {
  const directory = await mkdtemp(join(root, prefix));
  saveState(stepDirectoryState, directory);
  return directory;
}

/** Writes each secret to its own 0600 file for `--secret id=...,src=...`; returns id → file. */
export async function writeSecretFiles(directory: string, secrets: Map<string, string>): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (secrets.size === 0) return files;
  await mkdir(join(directory, 'secrets'), {mode: 0o700});
  for (const [id, value] of secrets) {
    const file = join(directory, 'secrets', id);
    await writeFile(file, value, {mode: 0o600, flag: 'wx'});
    files.set(id, file);
  }
  return files;
}

interface DockerConfig {
  auths?: Record<string, {auth?: string}>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * A DOCKER_CONFIG for the build: a copy of the user's config with the registry login added, so that logins made by
 * earlier steps (for base images) still apply, and links to the user's plugins, contexts and build state, so that the
 * buildx found on probing (setup-buildx-action may have put it in ~/.docker/cli-plugins) and its builder are the ones
 * that build. The user's own config file is never written to.
 */
export async function writeDockerConfig(
  directory: string,
  registry: string,
  credentials: RegistryCredentials,
  userConfigDirectory: string,
  /** Whose build state to link; none when BUILDX_CONFIG keeps buildx's elsewhere. */
  buildState: BuildCli['kind'] | undefined,
): Promise<string> {
  const config = (await readFile(join(userConfigDirectory, 'config.json'), 'utf8')
    .then(text => JSON.parse(text) as DockerConfig)
    .catch(() => ({}))) as DockerConfig;
  const server = authServerAddress(registry);
  config.auths = {...config.auths, [server]: {auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}};
  // A credential store is asked before the auths entry and would answer with some other login; without it this build
  // loses only the logins kept in that store.
  delete config.credsStore;
  if (config.credHelpers) delete config.credHelpers[server];
  const configDirectory = join(directory, 'docker-config');
  await mkdir(configDirectory, {mode: 0o700});
  await writeFile(join(configDirectory, 'config.json'), JSON.stringify(config), {mode: 0o600, flag: 'wx'});
  for (const name of ['cli-plugins', 'contexts']) {
    const target = join(userConfigDirectory, name);
    if (await exists(target)) await symlink(target, join(configDirectory, name));
  }
  if (buildState) await linkBuildState(buildState, userConfigDirectory, configDirectory);
  return configDirectory;
}

// Where each CLI keeps its build state in DOCKER_CONFIG: a 20.10 to 22.x client the `.buildNodeID` file, buildx a
// directory holding its own `.buildNodeID` and its builders.
const buildStateEntry = {builtin: '.buildNodeID', buildx: 'buildx'} as const;

/**
 * The CLI names its BuildKit session after `.buildNodeID`, and BuildKit asks a session it knows only for the files that
 * changed since its last context. Under a new name each run a 43 MB context went over whole: 0.96 s a build against
 * 0.60 s. So the build state is kept where the CLI keeps it, and made there as the CLI would make it.
 */
async function linkBuildState(cliKind: BuildCli['kind'], userConfigDirectory: string, configDirectory: string): Promise<void> {
  const entry = join(userConfigDirectory, buildStateEntry[cliKind]);
  try {
    if (cliKind === 'buildx') await mkdir(entry, {recursive: true, mode: 0o700});
    else await makeBuildNodeId(entry);
    await symlink(entry, join(configDirectory, buildStateEntry[cliKind]));
  } catch {
    // An unwritable home costs the build its incremental context transfer, nothing more.
  }
}

// Written whole under another name, then linked into place: a job starting at the same moment never reads half an ID.
async function makeBuildNodeId(file: string): Promise<void> {
  if (await exists(file)) return;
  await mkdir(dirname(file), {recursive: true, mode: 0o700});
  const draft = `${file}-${randomBytes(8).toString('hex')}`;
  await writeFile(draft, randomBytes(32).toString('hex'), {mode: 0o600, flag: 'wx'});
  try {
    await link(draft, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(draft, {force: true});
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Removes a directory `createStepDirectory` made; false when there was none left. */
export async function removeStepDirectory(directory: string): Promise<boolean> {
  // The path comes back through step state; never remove anything this step could not have made.
  if (!directory || !basename(directory).startsWith(prefix)) return false;
  const existed = await rm(directory, {recursive: true}).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  return existed;
}
