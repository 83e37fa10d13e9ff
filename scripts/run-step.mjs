// Starts an action's bundle the way the Actions runner does, for the demo and the benchmarks: INPUT_*
// variables (secrets travel in the environment, never on a command line), file commands, and a push event.
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export function readSandbox() {
  return JSON.parse(readFileSync(join(process.env.CV_SANDBOX_DIR ?? '/var/lib/cv-sandbox', 'sandbox.json'), 'utf8'));
}

/** A file command (GITHUB_OUTPUT, GITHUB_STATE) at `path`: `name<<delimiter` blocks, or legacy `name=value` lines. */
export function parseFileCommands(path) {
  const values = {};
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[index]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], index + 1);
      values[heredoc[1]] = lines.slice(index + 1, end).join('\n');
      index = end;
      continue;
    }
    const pair = /^([^=]+)=(.*)$/.exec(lines[index]);
    if (pair) values[pair[1]] = pair[2];
  }
  return values;
}

/** Runs actions/<action>/dist/index.js; resolves with its exit code, log and outputs. */
export function runStep(action, inputs, {quiet = false, sha = '0123456789abcdef0123456789abcdef01234567', env = {}} = {}) {
  const work = mkdtempSync(join(tmpdir(), `${action}-`));
  const files = Object.fromEntries(['output', 'state', 'summary', 'event'].map(name => [name, join(work, name)]));
  for (const file of Object.values(files)) writeFileSync(file, '');
  writeFileSync(
    files.event,
    JSON.stringify({
      ref: 'refs/heads/main',
      after: sha,
      repository: {full_name: 'circuitverse/circuitverse', html_url: 'https://github.com/circuitverse/circuitverse', default_branch: 'main'},
    }),
  );
  const environment = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: process.env.USER ?? 'demo',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REPOSITORY: 'circuitverse/circuitverse',
    GITHUB_SHA: sha,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1',
    GITHUB_WORKSPACE: process.cwd(),
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: work,
  };
  for (const [name, value] of Object.entries(inputs)) environment[`INPUT_${name.toUpperCase()}`] = value;
  Object.assign(environment, env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`actions/${action}/dist/index.js`], {env: environment});
    let log = '';
    const collect = chunk => {
      log += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', code => {
      const outputs = parseFileCommands(files.output);
      rmSync(work, {recursive: true, force: true});
      resolve({code, log, outputs});
    });
  });
}
