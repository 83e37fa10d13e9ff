#!/usr/bin/env node
// Runs an action from a terminal, without GitHub, on the same code path as a workflow: the bundled
// actions/<name>/dist/index.js with INPUT_* variables, the file commands, then its post step with the saved state.
//
//   node scripts/cli.mjs deploy --hosts web-1 --service web --image registry/app:v2 \
//     --ssh-private-key @~/.ssh/deploy_key --ssh-known-hosts @known_hosts
//
// `--name value` or `--name=value` sets an input; `--name @file` reads it from a file; `--debug` shows debug lines.
// An input can also come from the environment as the runner names it (INPUT_SSH-PRIVATE-KEY). Inputs reach the
// action through its environment, never its command line; give secrets as @file or in the environment, not inline
// (the shell keeps its history).
// The workflow commands the action prints are turned into a readable log: masked values are replaced by ***.
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {homedir, userInfo} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
// The runner emulation the tests use too, from its build (pnpm build).
import {createLogTranslator, inputVariable, runActionJob} from '@circuitverse/testkit';
import {parse} from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

class UsageError extends Error {}

function usage(actionName, metadata) {
  const lines = [`Usage: node scripts/cli.mjs ${actionName ?? '<action>'} [--input value | --input @file]...`];
  if (!metadata) {
    lines.push(`Actions: ${listActions().join(', ')}`);
    return lines.join('\n');
  }
  lines.push('', `${metadata.name}: ${metadata.description}`, '', 'Inputs:');
  for (const [name, input] of Object.entries(metadata.inputs ?? {})) {
    const note = input.required ? ' (required)' : input.default !== undefined ? ` (default ${input.default})` : '';
    lines.push(`  --${name}${note}`, `      ${input.description ?? ''}`);
  }
  return lines.join('\n');
}

function listActions() {
  return ['build-image', 'deploy', 'verify-attachments'].filter(name => existsSync(join(root, 'actions', name, 'action.yml')));
}

function readValue(value) {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1).replace(/^~(?=\/)/, homedir());
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error.message}`);
  }
}

/** The inputs from `--name value`, `--name=value` and `--name @file`, checked against action.yml. */
export function parseArguments(argv, metadata) {
  const declared = metadata.inputs ?? {};
  let values;
  try {
    ({values} = parseArgs({args: argv, options: Object.fromEntries(Object.keys(declared).map(name => [name, {type: 'string'}])), strict: true}));
  } catch (error) {
    throw new UsageError(`${error.message.split('\n')[0]}; see --help`);
  }
  const inputs = {};
  const inline = [];
  for (const [name, value] of Object.entries(values)) {
    if (!value.startsWith('@') && /\(masked\b/.test(declared[name].description ?? '')) inline.push(name);
    inputs[name] = readValue(value);
  }
  return {inputs, inline};
}

function git(args) {
  try {
    return execFileSync('git', args, {cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
  } catch {
    return '';
  }
}

export async function main(argv) {
  const [actionName, ...rest] = argv;
  if (!actionName || actionName === '--help' || actionName === '-h') {
    console.log(usage());
    return actionName ? 0 : 2;
  }
  const actionDir = join(root, 'actions', actionName);
  if (!existsSync(join(actionDir, 'action.yml'))) throw new UsageError(`no action "${actionName}"; actions: ${listActions().join(', ')}`);
  const metadata = parse(readFileSync(join(actionDir, 'action.yml'), 'utf8'));
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(usage(actionName, metadata));
    return 0;
  }
  const debug = rest.includes('--debug');
  const {inputs, inline} = parseArguments(
    rest.filter(argument => argument !== '--debug'),
    metadata,
  );
  for (const name of inline)
    console.error(`warning: --${name} was given on the command line; prefer --${name} @file or ${inputVariable(name)} in the environment.`);

  const {code} = await runActionStep(actionName, inputs, {debug});
  return code;
}

/**
 * Runs actions/<name>/dist/index.js and then its post step in this terminal's context (this checkout's commit and
 * branch, this directory as the workspace, this process's environment), with `inputs` on top of any INPUT_*
 * variables and action.yml's defaults, and `env` on top of the environment; `write` gets the readable log. Resolves
 * with the exit code (the main step's, else the post step's) and the outputs.
 */
export async function runActionStep(actionName, inputs, {write = line => process.stdout.write(`${line}\n`), debug = false, env = {}} = {}) {
  const sha = git(['rev-parse', 'HEAD']);
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD']);
  const terminal = {
    GITHUB_ACTOR: userInfo().username,
    GITHUB_REPOSITORY: 'local/local',
    GITHUB_RUN_ID: String(process.pid),
    ...(sha ? {GITHUB_SHA: sha} : {}),
    ...(branch && branch !== 'HEAD' ? {GITHUB_REF: `refs/heads/${branch}`, GITHUB_REF_NAME: branch, GITHUB_REF_TYPE: 'branch'} : {}),
  };
  const translate = createLogTranslator({write, debug});
  const {main, post} = await runActionJob(join(root, 'actions', actionName), {
    inputs,
    eventName: 'workflow_dispatch',
    event: {inputs: {}},
    // What the caller set wins, INPUT_* variables included; `inputs` win over those.
    env: {...terminal, ...process.env, ...env},
    workspace: process.cwd(),
    allowOtherNode: true,
    timeoutMs: Number.POSITIVE_INFINITY,
    // Ctrl-C cancels the step as the runner does: the action hears SIGINT and cleans up.
    forwardSignals: true,
    onLine: translate,
  });
  const summary = [main.summary, post?.summary ?? ''].join('').trim();
  if (summary) translate(`\nSummary:\n${summary}`);
  if (Object.keys(main.outputs).length > 0) {
    translate('\nOutputs:');
    for (const [name, value] of Object.entries(main.outputs)) translate(`  ${name}: ${value}`);
  }
  // A step killed by a signal has no exit code; it failed all the same.
  const exitCode = run => run.exitCode ?? 1;
  return {code: exitCode(main) !== 0 ? exitCode(main) : post ? exitCode(post) : 0, outputs: main.outputs};
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    code => {
      process.exitCode = code;
    },
    error => {
      console.error(error instanceof UsageError ? `error: ${error.message}` : error);
      process.exitCode = 2;
    },
  );
}
