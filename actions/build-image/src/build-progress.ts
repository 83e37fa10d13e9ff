import {RemoteError} from '@circuitverse/shared';

/** A build that failed at a Dockerfile instruction: one line for the step, and the output that led to it for the log. */
export class BuildError extends RemoteError {
  constructor(
    readonly step: string,
    readonly lastLines: string[],
    reason: string,
  ) {
    // RemoteError ends the quote with its own period.
    super('Docker build', `${step} failed ${reason}`, {remoteOutput: lastLines.join('\n').replace(/\.\s*$/, '')});
  }
}

interface Step {
  name: string;
  output: string[];
}

const quotedLines = 10;
const longestStepName = 100;

/**
 * Follows BuildKit's `--progress=plain` output, which numbers each step: `#7 [build 4/4] RUN make` names it, then
 * `#7 0.270 <output>` lines and at last `#7 DONE 1.2s`, `#7 CACHED` or `#7 ERROR: <why>`.
 */
export class BuildProgress {
  private readonly steps = new Map<string, Step>();
  private failed: {id: string; error: string} | undefined;

  read(line: string): void {
    const [, id = '', text = ''] = /^#(\d+) (.*)$/.exec(line) ?? [];
    if (id === '') return;
    const step = this.steps.get(id);
    if (!step) {
      this.steps.set(id, {name: text, output: []});
      return;
    }
    const error = /^ERROR: (.*)$/.exec(text);
    // Once one step fails, BuildKit cancels the others and they report errors too; the first is the cause.
    if (error) this.failed ??= {id, error: error[1] as string};
    const output = /^\d+\.\d+(?: (.*))?$/.exec(text);
    if (output) {
      step.output.push(output[1] ?? '');
      if (step.output.length > quotedLines) step.output.shift();
    }
  }

  /** The error for a build that exited non-zero; `cliOutput` explains it when no step failed (a Dockerfile syntax error, say). */
  failure(cliOutput: string): RemoteError {
    const step = this.failed && this.steps.get(this.failed.id);
    if (!this.failed || !step) return new RemoteError('Docker build', 'failed', {remoteOutput: cliOutput});
    const name = step.name.length > longestStepName ? `${step.name.slice(0, longestStepName - 1)}…` : step.name;
    const exitCode = /exit code: (\d+)/.exec(this.failed.error)?.[1];
    return new BuildError(name, step.output, exitCode === undefined ? `(${this.failed.error})` : `with exit code ${exitCode}`);
  }
}
