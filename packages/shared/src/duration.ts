const unitMilliseconds: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/**
 * Parses a duration such as `30s`, `2m`, `1m30s`, `500ms` or `1h` into milliseconds.
 * A bare number is refused: `30` could mean seconds or milliseconds, and a deploy timeout must not guess.
 * Returns `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * (unitMilliseconds[unit as string] as number);
  }
  return Math.round(total);
}

/** Formats milliseconds for a log line: `850ms`, `12.3s`, `2m05s`. */
export function formatDuration(milliseconds: number): string {
  // Each unit is chosen after rounding to its precision, so 999.6ms reads 1.0s, not 1000ms, and 59.99s reads 1m00s, not 60.0s.
  if (Math.round(milliseconds) < 1000) return `${Math.round(milliseconds)}ms`;
  if (Math.round(milliseconds / 100) < 600) return `${(milliseconds / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(milliseconds / 1000);
  return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
}
