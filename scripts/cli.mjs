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
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {homedir, tmpdir, userInfo} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
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

// The runner names each input's variable this way (upper case, spaces to "_", hyphens kept).
function inputVariable(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
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
    if (!value.startsWith('@') && /\(masked\)/.test(declared[name].description ?? '')) inline.push(name);
    inputs[name] = readValue(value);
  }
  return {inputs, inline};
}

/** A file command (GITHUB_OUTPUT, GITHUB_STATE) at `path`: `name<<delimiter` blocks, or legacy `name=value` lines. */
function readFileCommands(path) {
  const values = {};
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[index]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], index + 1);
      if (end === -1) throw new Error(`${path}: "${heredoc[1]}" has no closing ${heredoc[2]}`);
      values[heredoc[1]] = lines.slice(index + 1, end).join('\n');
      index = end;
      continue;
    }
    const pair = /^([^=]+)=(.*)$/.exec(lines[index]);
    if (pair) values[pair[1]] = pair[2];
  }
  return values;
}

function git(args) {
  try {
    return execFileSync('git', args, {cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
  } catch {
    return '';
  }
}

// @actions/core escapes command data: % as %25, CR as %0D, LF as %0A (and in properties also : and ,).
function unescapeCommand(text) {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

/** Turns the runner's workflow commands into a terminal log, replacing every masked value with ***. */
export function createLogTranslator({write, debug = false}) {
  const secrets = new Set();
  const redact = text => [...secrets].sort((a, b) => b.length - a.length).reduce((line, secret) => line.split(secret).join('***'), text);
  let depth = 0;
  const indent = () => '  '.repeat(depth);
  return line => {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/s.exec(line);
    if (!command) return write(`${indent()}${redact(line)}`);
    const [, name, properties = '', data] = command;
    const message = unescapeCommand(data);
    switch (name) {
      case 'add-mask':
        for (const secret of [message, ...message.split(/\r?\n/)]) if (secret.trim() !== '') secrets.add(secret);
        return;
      case 'group':
        write(`${indent()}▸ ${redact(message)}`);
        depth++;
        return;
      case 'endgroup':
        depth = Math.max(0, depth - 1);
        return;
      case 'debug':
        if (debug) write(`${indent()}debug: ${redact(message)}`);
        return;
      case 'error':
      case 'warning':
      case 'notice': {
        const title = /(?:^|,)title=([^,]*)/.exec(properties)?.[1];
        write(`${indent()}${name}: ${title ? `${unescapeCommand(title)}: ` : ''}${redact(message)}`);
        return;
      }
      default:
        return;
    }
  };
}

function runStep(entry, environment, translate) {
  return new Promise((resolveRun, reject) => {
    // The inputs, secrets among them, are in the environment; the command line is node and the bundle only.
    const child = spawn(process.execPath, [entry], {env: environment, stdio: ['ignore', 'pipe', 'pipe']});
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', chunk => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) translate(line);
      });
      stream.on('end', () => buffer && translate(buffer));
    }
    // Ctrl-C cancels the step as the runner does: the action hears SIGINT and cleans up.
    const forward = signal => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('close', code => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolveRun(code ?? 1);
    });
  });
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
 * Runs actions/<name>/dist/index.js and then its post step, with `inputs` (and action.yml's defaults) as INPUT_*
 * variables and `env` on top of this process's environment; `write` gets the readable log. Resolves with the exit
 * code (the main step's, else the post step's) and the outputs.
 */
export async function runActionStep(actionName, inputs, {write = line => process.stdout.write(`${line}\n`), debug = false, env = {}} = {}) {
  const actionDir = join(root, 'actions', actionName);
  const metadata = parse(readFileSync(join(actionDir, 'action.yml'), 'utf8'));
  const undeclared = Object.keys(inputs).filter(name => !(name in (metadata.inputs ?? {})));
  if (undeclared.length > 0) throw new Error(`${actionName} has no input ${undeclared.join(', ')} (see actions/${actionName}/action.yml)`);
  const work = mkdtempSync(join(tmpdir(), `cv-${actionName}-`));
  try {
    const files = Object.fromEntries(['output', 'state', 'env', 'path', 'summary', 'event'].map(name => [name, join(work, name)]));
    for (const file of Object.values(files)) writeFileSync(file, '');
    writeFileSync(files.event, JSON.stringify({inputs: {}}));
    const sha = git(['rev-parse', 'HEAD']);
    const branch = git(['rev-parse', '--abbrev-ref', 'HEAD']);
    const environment = {
      GITHUB_WORKSPACE: process.cwd(),
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_EVENT_PATH: files.event,
      GITHUB_REPOSITORY: 'local/local',
      GITHUB_ACTOR: userInfo().username,
      GITHUB_RUN_ID: String(process.pid),
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: work,
      ...(sha ? {GITHUB_SHA: sha} : {}),
      ...(branch && branch !== 'HEAD' ? {GITHUB_REF: `refs/heads/${branch}`, GITHUB_REF_NAME: branch, GITHUB_REF_TYPE: 'branch'} : {}),
      // What the caller set wins, INPUT_* variables included; flags win over those.
      ...process.env,
      ...env,
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      GITHUB_STEP_SUMMARY: files.summary,
    };
    for (const [name, input] of Object.entries(metadata.inputs ?? {})) {
      const variable = inputVariable(name);
      if (name in inputs) environment[variable] = inputs[name];
      else if (environment[variable] === undefined && input.default !== undefined) environment[variable] = String(input.default);
    }

    const translate = createLogTranslator({write, debug});
    const mainCode = await runStep(join(actionDir, metadata.runs.main), environment, translate);
    const outputs = readFileCommands(files.output);
    let postCode = 0;
    if (metadata.runs.post) {
      const state = Object.fromEntries(Object.entries(readFileCommands(files.state)).map(([name, value]) => [`STATE_${name}`, value]));
      postCode = await runStep(join(actionDir, metadata.runs.post), {...environment, ...state}, translate);
    }
    const summary = readFileSync(files.summary, 'utf8').trim();
    if (summary) translate(`\nSummary:\n${summary}`);
    if (Object.keys(outputs).length > 0) {
      translate('\nOutputs:');
      for (const [name, value] of Object.entries(outputs)) translate(`  ${name}: ${value}`);
    }
    return {code: mainCode !== 0 ? mainCode : postCode, outputs};
  } finally {
    rmSync(work, {recursive: true, force: true});
  }
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
