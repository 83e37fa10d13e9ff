import {formatDuration} from './duration.js';

export interface Annotation {
  title?: string;
}

/**
 * Where the toolkit writes what it does. Shared code only ever sees this interface, so the same code runs inside
 * an Actions step (`createActionsLogger`) and from a terminal (`createConsoleLogger`).
 */
export interface Logger {
  /** Writes a line of ours. Text from outside goes through `untrusted`. */
  info(message: string): void;
  debug(message: string): void;
  warning(message: string, annotation?: Annotation): void;
  error(message: string, annotation?: Annotation): void;
  /** Runs one phase inside a collapsible group and ends it with the phase's duration. */
  group<T>(title: string, phase: () => Promise<T>): Promise<T>;
  /**
   * Writes text that came from outside, as it is: a build's log, a container's output, names read from a database.
   * Masked secrets are hidden in it too, but no line of it is read as a workflow command, so a line such as
   * `::add-mask::…`, `::error::…` or `##[set-output …]` stays text. Call it once per line to stream a log.
   */
  untrusted(text: string): void;
  /** Hides a secret, and each of its lines, in everything logged or summarised from now on. */
  mask(secret: string): void;
  /** Appends Markdown to the job summary. */
  summary(markdown: string): Promise<void>;
}

/**
 * A secret and each of its non-blank lines. A multi-line secret is seldom printed whole: an error quotes one line of
 * a key, a log splits it across lines.
 */
export function secretParts(secret: string): string[] {
  return [...new Set([secret, ...secret.split(/\r?\n/)])].filter(part => part.trim() !== '');
}

/** Replaces registered secrets with `***`, the way the Actions runner masks them. */
export class SecretRedactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    for (const part of secretParts(secret)) this.secrets.add(part);
  }

  redact(text: string): string {
    let redacted = text;
    // Longest first, so a secret that contains another is hidden whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      redacted = redacted.split(secret).join('***');
    }
    return redacted;
  }
}

/** Runs a phase between two log lines, the second one carrying how long it took or that it failed. */
export async function timePhase<T>(title: string, phase: () => Promise<T>, write: (line: string) => void, now = Date.now): Promise<T> {
  const started = now();
  try {
    const result = await phase();
    write(`✓ ${title} (${formatDuration(now() - started)})`);
    return result;
  } catch (error) {
    write(`✗ ${title} failed after ${formatDuration(now() - started)}`);
    throw error;
  }
}

/** A logger for terminals: plain lines on stdout/stderr, the job summary printed at the end of each write. */
export function createConsoleLogger(options: {debug?: boolean; write?: (line: string) => void} = {}): Logger {
  const redactor = new SecretRedactor();
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (line: string) => write(redactor.redact(line));
  return {
    info: message => emit(message),
    // A terminal runs no workflow commands.
    untrusted: text => emit(text),
    debug: message => {
      if (options.debug) emit(`debug: ${message}`);
    },
    warning: (message, annotation) => emit(`warning: ${annotation?.title ? `${annotation.title}: ` : ''}${message}`),
    error: (message, annotation) => emit(`error: ${annotation?.title ? `${annotation.title}: ` : ''}${message}`),
    group: (title, phase) => {
      emit(`▸ ${title}`);
      return timePhase(title, phase, emit);
    },
    mask: secret => redactor.add(secret),
    summary: async markdown => emit(`\n${markdown}`),
  };
}
