import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';

export interface CommandResult {
  exitCode: number;
  /** The last lines of stdout and stderr together, in the order they came. */
  output: string;
}

export interface CommandOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Called for each line of stdout or stderr as it comes. */
  onLine?: (line: string) => void;
}

export type RunCommand = (argv: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

// A build log can be long; only its tail is ever quoted.
const keptLines = 200;

/** Runs a program without a shell, so no argument is ever parsed a second time. */
export const runCommand: RunCommand = (argv, options = {}) =>
  new Promise((resolve, reject) => {
    const [program = '', ...args] = argv;
    const child = spawn(program, args, {env: {...process.env, ...options.env}, stdio: ['ignore', 'pipe', 'pipe']});
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
