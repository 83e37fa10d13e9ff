import {spawn} from 'node:child_process';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {delimiter, dirname, join, resolve} from 'node:path';
import {inputVariable} from './run-action.js';

export interface LocalActionRun {
  exitCode: number | null;
  /** Everything local-action printed: its banners and tables, and the action's log between them. */
  log: string;
  /** The first line of each output the action set, as the stand-in core prints it (`::set-output name=…::…`). */
  outputs: Record<string, string>;
  /** The action's `::error::` lines. */
  errors: string[];
  /** Whether local-action ran the post step after main. */
  ranPost: boolean;
  /** The `.env` file the run was given, as docs/local-action.md tells a user to write it. */
  envFile: string;
}

export interface LocalActionOptions {
  inputs?: Record<string, string>;
  /** Other variables for the `.env` file, such as AWS credentials. */
  env?: Record<string, string>;
  /** Run the action's post step after main (`--post src/main.ts`), as the runner does for `runs.post`. */
  post?: boolean;
}

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const workspaceBin = join(repositoryRoot, 'node_modules', '.bin');

/** The `.env` lines of a variable: a value with line breaks goes in double quotes, which dotenv reads across lines. */
function envLine(name: string, value: string): string {
  if (/["\\]/.test(value)) throw new Error(`${name}: a .env value cannot hold " or \\ here; dotenv would change it.`);
  return `${name}="${value}"`;
}

/**
 * Runs an action's `src/main.ts` through `@github/local-action`, from the action's folder as docs/local-action.md
 * says: the sources, not `dist/`, with local-action's stand-in `@actions/core`.
 */
export async function runLocalAction(actionDir: string, options: LocalActionOptions = {}): Promise<LocalActionRun> {
  const directory = resolve(actionDir);
  const envFile = join(await mkdtemp(join(tmpdir(), 'local-action-')), '.env');
  const lines = [
    // local-action takes npm from the action's package.json, and npm does not see pnpm's links: without this it
    // swaps no @actions/core, and the step's state and outputs go nowhere.
    'NODE_PACKAGE_MANAGER=pnpm',
    ...Object.entries(options.inputs ?? {}).map(([name, value]) => envLine(inputVariable(name), value)),
    ...Object.entries(options.env ?? {}).map(([name, value]) => envLine(name, value)),
  ];
  await writeFile(envFile, `${lines.join('\n')}\n`);

  const argv = ['run', '.', 'src/main.ts', envFile, ...(options.post ? ['--post', 'src/main.ts'] : [])];
  const environment: Record<string, string> = {
    // This Node first; the workspace's tsx next, which local-action's `npm exec tsx` then finds instead of fetching.
    PATH: [dirname(process.execPath), workspaceBin, process.env.PATH ?? '/usr/bin:/bin'].join(delimiter),
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    // Should anything still ask npm for a package, it fails rather than reach a registry.
    npm_config_offline: 'true',
    NODE_OPTIONS: '--conditions=@circuitverse/source',
  };
  if (process.env.CV_SANDBOX_DIR) environment.CV_SANDBOX_DIR = process.env.CV_SANDBOX_DIR;

  const {exitCode, log} = await new Promise<{exitCode: number | null; log: string}>((resolvePromise, reject) => {
    const child = spawn(join(workspaceBin, 'local-action'), argv, {cwd: directory, env: environment, stdio: ['ignore', 'pipe', 'pipe']});
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', code => resolvePromise({exitCode: code, log: output}));
  });
  return {
    exitCode,
    log,
    outputs: Object.fromEntries([...log.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)].map(match => [match[1] as string, match[2] as string])),
    errors: [...log.matchAll(/^::error(?: [^:]*)?::(.*)$/gm)].map(match => match[1] as string),
    ranPost: /^\s*Running Post Step\s*$/m.test(log),
    envFile,
  };
}
