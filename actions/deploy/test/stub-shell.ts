import {spawn} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {type RemoteScript, scriptArgv} from '../src/remote-scripts.js';

/** The shells the remote scripts must work under: Debian's /bin/sh (dash) and busybox's, as on Alpine hosts. */
export const shells = [
  ['dash', ['sh']],
  ['busybox sh', ['busybox', 'sh']],
] as const;

export interface StubShell {
  /** A folder of the test's own, for files the scripts read and write. */
  dir: string;
  /** Puts an executable stub command first on PATH; each call is logged as its arguments on one line. */
  stub(command: string, body: string): void;
  /** The logged calls of a stub command, one line of arguments each. */
  calls(command: string): string[];
  run<Name extends string>(
    script: RemoteScript<Name>,
    values: Record<Name, string>,
    options?: {rest?: string[]; stdin?: string; signalWhen?: {logged: string; signal: NodeJS.Signals}},
  ): Promise<{code: number | null; stdout: string; stderr: string}>;
}

/** Runs remote scripts on this machine under `shell`, with stub commands standing in for docker and the rest. */
export function stubShell(shell: readonly string[]): StubShell {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-script-'));
  const bin = join(dir, 'bin');
  const log = (command: string) => join(dir, `${command}.calls`);
  mkdirSync(bin);
  const calls = (command: string): string[] => {
    try {
      return readFileSync(log(command), 'utf8').split('\n').slice(0, -1);
    } catch {
      return [];
    }
  };
  return {
    dir,
    stub(command, body) {
      const file = join(bin, command);
      writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "$*" >>'${log(command)}'\n${body}\n`);
      chmodSync(file, 0o755);
    },
    calls,
    run(script, values, options = {}) {
      const [, , source, ...args] = scriptArgv(script, values, options.rest);
      return new Promise(resolve => {
        // Its own process group, so a signal reaches the script and the command it waits for, as a hangup would.
        const child = spawn(shell[0] as string, [...shell.slice(1), '-c', source as string, ...args], {
          env: {PATH: `${bin}:${process.env.PATH}`, HOME: dir, TMPDIR: dir},
          detached: true,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', chunk => {
          stdout += chunk;
        });
        child.stderr.on('data', chunk => {
          stderr += chunk;
        });
        const when = options.signalWhen;
        const poll = when
          ? setInterval(() => {
              if (calls(when.logged).length) {
                clearInterval(poll);
                process.kill(-(child.pid as number), when.signal);
              }
            }, 10)
          : undefined;
        child.on('close', code => {
          clearInterval(poll);
          resolve({code, stdout, stderr});
        });
        // A script that dies before reading its stdin closes the pipe: that is the test's to judge, not an error here.
        child.stdin.on('error', () => {});
        child.stdin.end(options.stdin ?? '');
      });
    },
  };
}
