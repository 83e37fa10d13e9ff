import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';

export interface CommandResult {
  exitCode: number;
  /** The last lines of stdout and stderr together, in the order they came. */
  output: string;
}

export interface CommandOptions {
  /** Added to this process's environment, less the step's own variables. */
  env?: Record<string, string>;
  /** Called for each line of stdout or stderr as it comes. */
  onLine?: (line: string) => void;
}

export type RunCommand = (argv: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

// A build log can be long; only its tail is ever quoted.
const keptLines = 200;

// The runner hands the step its inputs (the registry password and the build secrets among them) and its saved state
// as INPUT_* and STATE_* variables. They are ours, not docker's: a build reaches the secrets it is given as files.
const stepOnly = /^(INPUT|STATE)_/;

/** Runs a program without a shell, so no argument is ever parsed a second time. */
export const runCommand: RunCommand = (argv, options = {}) =>
  new Promise((resolve, reject) => {
    const [program = '', ...args] = argv;
    const inherited = Object.entries(process.env).filter(([name]) => !stepOnly.test(name));
    const child = spawn(program, args, {env: {...Object.fromEntries(inherited), ...options.env}, stdio: ['ignore', 'pipe', 'pipe']});
    const lines: string[] = [];
    const streams = [child.stdout, child.stderr].map(
      input =>
        new Promise(done =>
          createInterface({input, crlfDelay: Number.POSITIVE_INFINITY})
            .on('line', line => {
              options.onLine?.(line);
              lines.push(line);
              if (lines.length > keptLines) lines.shift();
            })
            .on('close', done),
        ),
    );
    child.on('error', reject);
    child.on('close', async code => {
      await Promise.all(streams);
      resolve({exitCode: code ?? 1, output: lines.join('\n')});
    });
  });
