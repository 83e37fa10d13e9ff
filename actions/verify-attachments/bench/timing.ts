/** How long `work` took, in milliseconds, and what it gave. */
export async function time<T>(work: () => Promise<T>): Promise<{ms: number; value: T}> {
  const started = performance.now();
  const value = await work();
  return {ms: performance.now() - started, value};
}

/** The middle value (the upper one of an even count). */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
