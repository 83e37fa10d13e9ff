import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parse} from 'yaml';
import {maskedValues, parseFileCommands, parseWorkflowCommand} from './workflow-commands.js';

export interface RunActionOptions {
  /**
   * Inputs as a workflow's `with:` gives them; undeclared inputs are refused. A declared default applies unless the
   * input is given here or as an `INPUT_*` variable in `env`.
   */
  inputs?: Record<string, string>;
  /** `github.event_name`; default `push`. */
  eventName?: string;
  /** The event payload written to `GITHUB_EVENT_PATH`; default a push to `main`. */
  event?: Record<string, unknown>;
  /** Variables over the runner's context (`GITHUB_*` among them); the step's file commands and `inputs` win over them. */
  env?: Record<string, string | undefined>;
  /** The step's working directory and `GITHUB_WORKSPACE`; default an empty directory of the run's own. */
  workspace?: string;
  /** Run as act does: `ACT=true`. */
  act?: boolean;
  /** Leave `GITHUB_STEP_SUMMARY` unset, as old act versions do. */
  withoutSummaryFile?: boolean;
  /** Run on this process's Node even when `runs.using` names another: a person's terminal, not a test. */
  allowOtherNode?: boolean;
  /** Kill the step after this long (the runner's `timeout-minutes`); default 10 minutes, `Infinity` for no limit. */
  timeoutMs?: number;
  /**
   * Send this signal once the log matches `when` (anywhere in it: a RegExp's `^` is the log's start), or once `when`
   * resolves, as the runner does on cancellation.
   */
  cancel?: {when: string | RegExp | Promise<unknown>; signal?: NodeJS.Signals};
  /** Pass the SIGINT or SIGTERM this process gets on to the step, as the runner passes on a cancelled run (Ctrl-C). */
  forwardSignals?: boolean;
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
  /** The job's directory (`RUNNER_TEMP`, the default workspace, each step's files), which its post step shares. */
  jobDirectory: string;
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

/** The variable the runner hands an input in (actions/runner: upper case, spaces to "_", hyphens kept). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

// The runner hides the `::add-mask::` commands themselves, then every masked value.
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
  if (!options.allowOtherNode && expectedMajor !== process.versions.node.split('.')[0]) {
    throw new Error(`${actionDir} runs on ${metadata.runs.using}, but the tests run on Node ${process.versions.node}; run them with the project's Node.`);
  }
  const entry = step.post ? metadata.runs.post : metadata.runs.main;
  if (!entry) throw new Error(`${actionDir}/action.yml declares no post step.`);
  const script = join(directory, entry);
  // Node would only print "Cannot find module" and exit 1: a test expecting no errors would pass without running.
  if (!existsSync(script)) throw new Error(`${script} does not exist: build the action first (pnpm build).`);
  const declared = metadata.inputs ?? {};
  const undeclared = Object.keys(options.inputs ?? {}).filter(name => !(name in declared));
  if (undeclared.length > 0) throw new Error(`${actionDir}/action.yml declares no input ${undeclared.map(name => `"${name}"`).join(', ')}.`);

  // The post step runs in its main step's job: the same RUNNER_TEMP and workspace, its own file commands.
  const job = step.post?.jobDirectory ?? (await mkdtemp(join(tmpdir(), 'action-run-')));
  const stepFiles = await mkdtemp(join(job, step.post ? 'post-' : 'main-'));
  const files = {
    output: join(stepFiles, 'output'),
    state: join(stepFiles, 'state'),
    summary: join(stepFiles, 'summary.md'),
    env: join(stepFiles, 'env'),
    path: join(stepFiles, 'path'),
    event: join(stepFiles, 'event.json'),
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
  const workspace = options.workspace ?? join(job, 'workspace');
  const ref = String(event.ref ?? 'refs/heads/main');
  const context: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__run',
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: eventName,
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
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'testkit',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: job,
    RUNNER_TOOL_CACHE: join(job, 'tool-cache'),
  };
  const environment: Record<string, string> = {...context};
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) environment[name] = value;
  for (const [name, spec] of Object.entries(declared)) {
    const variable = inputVariable(name);
    const given = options.inputs?.[name];
    if (given !== undefined) environment[variable] = given;
    else if (environment[variable] === undefined && spec.default !== undefined) environment[variable] = String(spec.default);
  }
  for (const [name, value] of Object.entries(step.post?.state ?? {})) environment[`STATE_${name}`] = value;
  // What belongs to this step alone, whatever the caller's own environment holds (a CLI run inside a workflow).
  Object.assign(environment, {
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
  });
  if (options.withoutSummaryFile) delete environment.GITHUB_STEP_SUMMARY;
  else environment.GITHUB_STEP_SUMMARY = files.summary;
  if (options.act) environment.ACT = 'true';

  await mkdir(workspace, {recursive: true});
  const {exitCode, signal, rawLog} = await spawnStep(script, environment, workspace, options);

  const commands = rawLog.split('\n').flatMap(line => parseWorkflowCommand(line) ?? []);
  const masks = commands.filter(command => command.name === 'add-mask').flatMap(command => maskedValues(command.message));
  const annotations = (kind: string) => commands.filter(command => command.name === kind).map(command => applyMasks(command.message, masks));
  return {
    exitCode,
    signal,
    outputs: parseFileCommands(await readFile(files.output, 'utf8')),
    state: parseFileCommands(await readFile(files.state, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
    log: applyMasks(rawLog, masks),
    rawLog,
    errors: annotations('error'),
    warnings: annotations('warning'),
    environment,
    jobDirectory: job,
  };
}

/** Runs the action's post step with the state its main step saved, as the runner does after the job's steps. */
export function runPostStep(actionDir: string, main: ActionRun, options: RunActionOptions = {}): Promise<ActionRun> {
  return runAction(actionDir, options, {post: main});
}

/**
 * Runs the main step and then, when action.yml declares one, the post step, as a job of one step does (the post step
 * runs whatever the main step's outcome), and removes the job's directory afterwards.
 */
export async function runActionJob(actionDir: string, options: RunActionOptions = {}): Promise<{main: ActionRun; post: ActionRun | undefined}> {
  const main = await runAction(actionDir, options);
  try {
    const {runs} = await readMetadata(resolve(actionDir));
    return {main, post: runs.post ? await runPostStep(actionDir, main, options) : undefined};
  } finally {
    await rm(main.jobDirectory, {recursive: true, force: true});
  }
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
    // Each stream is split into lines on its own: a line the step writes to stderr never cuts one on stdout in two.
    for (const stream of [child.stdout, child.stderr]) {
      let partialLine = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        rawLog += text;
        const lines = (partialLine + text).split('\n');
        partialLine = lines.pop() ?? '';
        for (const line of lines) options.onLine?.(line);
        if (when !== undefined && !(when instanceof Promise) && !cancelled && rawLog.match(when)) cancel();
      });
      stream.on('end', () => {
        if (partialLine) options.onLine?.(partialLine);
      });
    }
    const forward = (received: NodeJS.Signals) => child.kill(received);
    if (options.forwardSignals) for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, forward);
    const timeoutMs = options.timeoutMs ?? 10 * 60_000;
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      for (const name of ['SIGINT', 'SIGTERM'] as const) process.off(name, forward);
      resolvePromise({exitCode, signal, rawLog});
    });
  });
}
