/**
 * A mistake the user fixes in the workflow file: names the input and says what to change.
 * Raised before anything touches a host, a registry or a bucket.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly input: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`Input "${input}" ${problem}. ${fix}`);
  }
}

/**
 * Something outside us failed: a host, the Docker Engine, a registry, a database, a bucket.
 * Keeps the original error as `cause` and quotes the remote's last line, which is usually the one that explains.
 */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  readonly remoteLastLine: string | undefined;

  constructor(
    readonly where: string,
    what: string,
    options: {cause?: unknown; remoteOutput?: string; next?: string} = {},
  ) {
    const remoteLastLine = options.remoteOutput === undefined ? undefined : lastLine(options.remoteOutput);
    const quoted = remoteLastLine ? `: ${remoteLastLine}` : '';
    const next = options.next ? ` ${options.next}` : '';
    // A quoted line that ends a sentence already has its full stop.
    const stop = /[.!?]$/.test(`${what}${quoted}`) ? '' : '.';
    super(`${where}: ${what}${quoted}${stop}${next}`, {cause: options.cause});
    this.remoteLastLine = remoteLastLine;
  }
}

/**
 * A step that failed after it had outputs to give: the outputs as far as it got (which hosts run what, how many
 * objects were checked). The step frame sets them, then fails the step with `cause`.
 */
export class FailureWithOutputs<Outputs> extends Error {
  override readonly name = 'FailureWithOutputs';

  constructor(
    override readonly cause: unknown,
    readonly outputs: Outputs,
  ) {
    super(errorMessage(cause), {cause});
  }
}

/** The last non-blank line of some output, trimmed; `undefined` when there is none. */
export function lastLine(output: string): string | undefined {
  const lines = output.split(/\r?\n/).map(line => line.trim());
  return lines.filter(line => line !== '').at(-1);
}

/** A message for any thrown value, without a stack trace. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
