import {afterEach, beforeEach, vi} from 'vitest';

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
