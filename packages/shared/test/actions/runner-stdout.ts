import {afterEach, beforeEach, vi} from 'vitest';
import {resumeCommands} from '../../src/actions/logger.js';

/**
 * Captures what each test writes to stdout, which is all the runner reads workflow commands from, and returns it
 * split into lines.
 */
export function captureRunnerStdout(): () => string[] {
  let chunks: string[] = [];
  beforeEach(() => {
    chunks = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      chunks.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    // A test may end amid untrusted text; the next one starts with commands read again, as a step does.
    resumeCommands();
    vi.restoreAllMocks();
  });
  return () => chunks.join('').split(/\r?\n/).slice(0, -1);
}

/** The data of a workflow command, unescaped the way the runner reads it. */
export function commandData(line: string, command: string): string | undefined {
  const prefix = `::${command}::`;
  if (!line.startsWith(prefix)) return undefined;
  return line.slice(prefix.length).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

// The commands a runner knows; a line naming another one is text.
const runnerCommands = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'warning',
]);

function parseCommand(line: string, known: (name: string) => boolean): {name: string; data: string} | undefined {
  // `::name props::data` counts at the start of a line, after blanks; the legacy `##[name props]data` anywhere in it.
  const trimmed = line.trimStart();
  const v2End = trimmed.startsWith('::') ? trimmed.indexOf('::', 2) : -1;
  if (v2End >= 0) {
    const name = trimmed.slice(2, v2End).split(' ')[0] ?? '';
    if (known(name)) return {name, data: trimmed.slice(v2End + 2)};
  }
  const legacyStart = line.indexOf('##[');
  const legacyEnd = legacyStart >= 0 ? line.indexOf(']', legacyStart) : -1;
  if (legacyEnd >= 0) {
    const name = line.slice(legacyStart + 3, legacyEnd).split(' ')[0] ?? '';
    if (known(name)) return {name, data: line.slice(legacyEnd + 1)};
  }
  return undefined;
}

/**
 * The workflow commands a runner acts on in this output, read as its ActionCommandManager reads them: after
 * `::stop-commands::<token>` (listed as `stop-commands`) nothing acts until `::<token>::` (listed as `resume`).
 */
export function actedCommands(lines: string[]): string[] {
  const acted: string[] = [];
  let stopToken: string | undefined;
  // The runner reads a lone carriage return as a line break too.
  for (const line of lines.flatMap(line => line.split('\r'))) {
    const known = (name: string) =>
      stopToken === undefined
        ? name.toLowerCase() === 'stop-commands' || runnerCommands.has(name.toLowerCase())
        : name.toLowerCase() === stopToken.toLowerCase();
    const command = parseCommand(line, known);
    if (!command) continue;
    if (stopToken !== undefined) {
      acted.push('resume');
      stopToken = undefined;
    } else if (command.name.toLowerCase() === 'stop-commands') {
      acted.push('stop-commands');
      stopToken = command.data;
    } else {
      acted.push(command.name);
    }
  }
  return acted;
}
