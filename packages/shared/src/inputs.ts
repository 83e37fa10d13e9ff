import {parseDuration} from './duration.js';
import {ConfigError} from './errors.js';

export type Environment = Record<string, string | undefined>;

/** The environment variable the Actions runner sets for an input: spaces become `_`, upper case, hyphens kept. */
export function inputVariableName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export interface KeyValueOptions {
  /** Which keys are valid, and how to describe them in an error. */
  key?: {pattern: RegExp; description: string};
  /** Values are secrets: an error never quotes the line. */
  secret?: boolean;
}

const environmentKey = {pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, description: 'a letter or _ followed by letters, digits or _'};
const booleanSpellings: Record<string, boolean> = {true: true, True: true, TRUE: true, false: false, False: false, FALSE: false};

/**
 * Reads action inputs from an environment (the runner's `INPUT_*` variables, or a terminal's) into typed values.
 * Every problem is a `ConfigError` that names the input and says how to fix it.
 */
export class InputReader {
  constructor(private readonly environment: Environment) {}

  /** The trimmed value, or `undefined` when the input is unset or blank. */
  optional(name: string): string | undefined {
    const value = this.environment[inputVariableName(name)]?.trim();
    return value === '' ? undefined : value;
  }

  /** The trimmed value; `expected` tells the user what to put there when it is missing. */
  required(name: string, expected: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new ConfigError(name, 'is required', `Set it to ${expected}.`);
    return value;
  }

  /** Only the YAML 1.2 core spellings that `@actions/core` accepts: true, True, TRUE, false, False, FALSE. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const parsed = booleanSpellings[value];
    if (parsed === undefined) throw new ConfigError(name, `must be true or false, not "${value}"`, `Write ${name}: true or ${name}: false.`);
    return parsed;
  }

  /** Items separated by newlines or commas, trimmed, blanks dropped. */
  list(name: string): string[] {
    const value = this.optional(name);
    if (value === undefined) return [];
    return value
      .split(/[\n,]/)
      .map(item => item.trim())
      .filter(item => item !== '');
  }

  /** A duration such as `30s`, `2m` or `1m30s`, in milliseconds. */
  duration(name: string, fallback: string): number {
    const value = this.optional(name) ?? fallback;
    const milliseconds = parseDuration(value);
    if (milliseconds === undefined) {
      throw new ConfigError(name, `is not a duration ("${value}")`, 'Write a number with a unit, such as 500ms, 30s, 2m or 1h.');
    }
    return milliseconds;
  }

  /** A whole number within bounds. */
  integer(name: string, fallback: number, bounds: {min: number; max: number}): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < bounds.min || parsed > bounds.max) {
      throw new ConfigError(name, `must be a whole number from ${bounds.min} to ${bounds.max}, not "${value}"`, `Set ${name} within that range.`);
    }
    return parsed;
  }

  /** One of a fixed set of words. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.optional(name) ?? fallback;
    if (!choices.includes(value as T)) {
      throw new ConfigError(name, `must be one of ${choices.join(', ')}, not "${value}"`, `Set ${name} to one of those.`);
    }
    return value as T;
  }

  /**
   * `KEY=VALUE` lines: the value is everything after the first `=`, so it may hold `=` and commas.
   * Blank lines and lines starting with `#` are skipped. A key given twice is an error, not a silent override.
   */
  keyValues(name: string, options: KeyValueOptions = {}): Map<string, string> {
    const key = options.key ?? environmentKey;
    const pairs = new Map<string, string>();
    // The raw value, not the trimmed one: trimming would drop leading blank lines and shift every line number.
    const lines = (this.environment[inputVariableName(name)] ?? '').split(/\r?\n/);
    lines.forEach((rawLine, index) => {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) return;
      const where = `line ${index + 1}`;
      const separator = line.indexOf('=');
      if (separator === -1) {
        const shown = options.secret ? '' : ` ("${line}")`;
        throw new ConfigError(name, `${where} is not KEY=VALUE${shown}`, 'Write one KEY=VALUE pair per line.');
      }
      const pairKey = line.slice(0, separator).trim();
      if (!key.pattern.test(pairKey)) {
        // A secret pasted without its key (`c2VjcmV0+/Zm9v==`) splits at its padding into a "key" that is most of the secret.
        const shownKey = options.secret ? '' : ` "${pairKey}"`;
        throw new ConfigError(name, `${where} has an invalid key${shownKey}`, `A key is ${key.description}.`);
      }
      if (pairs.has(pairKey)) throw new ConfigError(name, `sets "${pairKey}" twice`, 'Keep one line per key.');
      pairs.set(pairKey, line.slice(separator + 1).trim());
    });
    return pairs;
  }
}
