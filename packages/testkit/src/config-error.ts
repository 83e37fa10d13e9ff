/** The shape of `@circuitverse/shared`'s ConfigError; matched by name so the testkit needs nothing from the code it tests. */
export interface ThrownConfigError extends Error {
  input: string;
  problem: string;
  fix: string;
}

/** The ConfigError a call throws; fails the test when it throws anything else or nothing. */
export function catchConfigError(call: () => unknown): ThrownConfigError {
  try {
    call();
  } catch (error) {
    if (error instanceof Error && error.name === 'ConfigError') return error as ThrownConfigError;
    throw new Error(`Expected a ConfigError, got: ${String(error)}`);
  }
  throw new Error('Expected a ConfigError, but nothing was thrown.');
}
