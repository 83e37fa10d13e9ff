import {spawn} from 'node:child_process';
import {mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parse} from 'yaml';

export interface RunActionOptions {
  /** Inputs as a workflow's `with:` gives them; undeclared inputs are refused, declared defaults are applied. */
  inputs?: Record<string, string>;
  /** `github.event_name`; default `push`. */
  eventName?: string;
  /** The event payload written to `GITHUB_EVENT_PATH`; default a push to `main`. */
  event?: Record<string, unknown>;
  /** Extra `GITHUB_*` (or any) variables, applied last. */
  env?: Record<string, string>;
  /** Run as act does: `ACT=true`. */
  act?: boolean;
  /** Leave `GITHUB_STEP_SUMMARY` unset, as old act versions do. */
  withoutSummaryFile?: boolean;
  /** Kill the step after this long (the runner's `timeout-minutes`). */
  timeoutMs?: number;
  /**
   * Send this signal once the log matches `when` (anywhere in it: a RegExp's `^` is the log's start), or once `when`
   * resolves, as the runner does on cancellation.
   */
  cancel?: {when: string | RegExp | Promise<unknown>; signal?: NodeJS.Signals};
  /** Sees each log line as it is written, for tests that act at a given moment of a run. */
  onLine?: (line: string) => void;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  outputs: Record<string, string>;
  /** What the step saved with `saveState`, handed to the post step as `STATE_*`. */
  state: Record<string, string>;
  summary: string;
  /** The log as the runner shows it: masked values replaced by `***`. */
  log: string;
  /** The log exactly as the process wrote it, for proving a secret was never printed at all. */
  rawLog: string;
  errors: string[];
  warnings: string[];
  /** Every variable the process was started with, for proving a secret never sat on a command line either. */
  environment: Record<string, string>;
}

interface ActionMetadata {
  inputs?: Record<string, {default?: string | number | boolean}>;
  runs: {using: string; main: string; post?: string};
}

const defaultSha = '0123456789abcdef0123456789abcdef01234567';

/** The push payload GitHub sends for a push to `main` of `circuitverse/circuitverse`. */
export function pushEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    before: '0000000000000000000000000000000000000000',
    after: defaultSha,
    repository: {
      name: 'circuitverse',
      full_name: 'circuitverse/circuitverse',
      html_url: 'https://github.com/circuitverse/circuitverse',
      default_branch: 'main',
      owner: {login: 'circuitverse'},
    },
    head_commit: {id: defaultSha, message: 'Test commit', timestamp: '2026-11-27T12:00:00Z'},
    sender: {login: 'octocat'},
    ...overrides,
  };
}

async function readMetadata(actionDir: string): Promise<ActionMetadata> {
  return parse(await readFile(join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
}

// The runner names each input's variable this way (actions/runner: upper case, spaces to "_", hyphens kept).
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Reads a file written with `@actions/core`'s file commands: `name<<delimiter` blocks, or legacy `name=value`. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const end = lines.indexOf(delimiter as string, index + 1);
      if (end === -1) throw new Error(`Unterminated value for ${name} in a file command.`);
      values[name] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

// Workflow command values are escaped by @actions/core (toCommandValue + escapeData).
function unescapeCommandValue(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

// The runner hides the `::add-mask::` commands themselves, then every masked value and each of its lines.
function applyMasks(rawLog: string, masks: string[]): string {
  let log = rawLog.replace(/^::add-mask::.*\n?/gm, '');
  for (const mask of [...masks].sort((a, b) => b.length - a.length)) log = log.split(mask).join('***');
  return log;
}

/**
 * Runs `dist/index.js` of an action (or its post step) the way the Actions runner and act do: the declared
 * `runs.using` Node, `INPUT_*` variables with defaults from action.yml, the file commands, the event payload and
 * the `GITHUB_*` context.
 */
export async function runAction(actionDir: string, options: RunActionOptions = {}, step: {post?: ActionRun} = {}): Promise<ActionRun> {
  const directory = resolve(actionDir);
  const metadata = await readMetadata(directory);
  const expectedMajor = /^node(\d+)$/.exec(metadata.runs.using)?.[1];
  if (expectedMajor !== process.versions.node.split('.')[0]) {
    throw new Error(`${actionDir} runs on ${metadata.runs.using}, but the tests run on Node ${process.versions.node}; run them with the project's Node.`);
  }
  const entry = step.post ? metadata.runs.post : metadata.runs.main;
  if (!entry) throw new Error(`${actionDir}/action.yml declares no post step.`);

  const declared = metadata.inputs ?? {};
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default !== undefined) inputs[name] = String(spec.default);
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (!(name in declared)) throw new Error(`${actionDir}/action.yml declares no input "${name}".`);
    inputs[name] = value;
  }

  const temp = await mkdtemp(join(tmpdir(), 'action-run-'));
  const files = {
    output: join(temp, 'output'),
    state: join(temp, 'state'),
    summary: join(temp, 'summary.md'),
    env: join(temp, 'env'),
    path: join(temp, 'path'),
    event: join(temp, 'event.json'),
  };
  const eventName = options.eventName ?? 'push';
  const event = options.event ?? pushEvent();
  await Promise.all([
    writeFile(files.output, ''),
    writeFile(files.state, ''),
    writeFile(files.summary, ''),
    writeFile(files.env, ''),
    writeFile(files.path, ''),
    writeFile(files.event, JSON.stringify(event)),
  ]);
  const workspace = join(temp, 'workspace');
  const ref = String(event.ref ?? 'refs/heads/main');
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__run',
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_JOB: 'test',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_REPOSITORY: 'circuitverse/circuitverse',
    GITHUB_REPOSITORY_OWNER: 'circuitverse',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_SHA: String((event.after as string | undefined) ?? defaultSha),
    GITHUB_WORKFLOW: 'test',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'testkit',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: temp,
    RUNNER_TOOL_CACHE: join(temp, 'tool-cache'),
  };
  if (!options.withoutSummaryFile) environment.GITHUB_STEP_SUMMARY = files.summary;
  if (options.act) environment.ACT = 'true';
  for (const [name, value] of Object.entries(inputs)) environment[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(step.post?.state ?? {})) environment[`STATE_${name}`] = value;
  Object.assign(environment, options.env);

  await mkdir(workspace, {recursive: true});
  const {exitCode, signal, rawLog} = await spawnStep(join(directory, entry), environment, workspace, options);

  const masks = [...rawLog.matchAll(/^::add-mask::(.*)$/gm)]
    .flatMap(match => {
      const value = unescapeCommandValue(match[1] as string);
      return [value, ...value.split(/\r?\n/)];
    })
    .filter(mask => mask.trim() !== '');
  const annotations = (kind: string) =>
    [...rawLog.matchAll(new RegExp(`^::${kind}(?: [^:]*)?::(.*)$`, 'gm'))].map(match => applyMasks(unescapeCommandValue(match[1] as string), masks));
  return {
    exitCode,
    signal,
    outputs: parseFileCommands(await readFile(files.output, 'utf8')),
    state: parseFileCommands(await readFile(files.state, 'utf8')),
    summary: await readFile(files.summary, 'utf8').catch(() => ''),
    log: applyMasks(rawLog, masks),
    rawLog,
    errors: annotations('error'),
    warnings: annotations('warning'),
    environment,
  };
}

/** Runs the action's post step with the state its main step saved, as the runner does after the job's steps. */
export function runPostStep(actionDir: string, main: ActionRun, options: RunActionOptions = {}): Promise<ActionRun> {
  return runAction(actionDir, options, {post: main});
}

function spawnStep(
  script: string,
  environment: Record<string, string>,
  cwd: string,
  options: RunActionOptions,
): Promise<{exitCode: number | null; signal: NodeJS.Signals | null; rawLog: string}> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], {cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe']});
    let rawLog = '';
    let cancelled = false;
    let partialLine = '';
    const cancel = () => {
      cancelled = true;
      child.kill(options.cancel?.signal ?? 'SIGINT');
    };
    const when = options.cancel?.when;
    // A `when` that never comes true lets the step run to its end, where the test sees no signal.
    if (when instanceof Promise)
      void when.then(
        () => cancelled || cancel(),
        () => {},
      );
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      rawLog += text;
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
      if (when !== undefined && !(when instanceof Promise) && !cancelled && rawLog.match(when)) cancel();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolvePromise({exitCode, signal, rawLog});
    });
  });
}
