import {spawn} from 'node:child_process';

const psqlPath = '/usr/lib/postgresql/15/bin/psql';

/** Runs a SQL script through psql (`argv` reaches it, e.g. through sandbox/exec), failing on the first error. */
export function runPsql(argv: string[], script: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const [command = psqlPath, ...rest] = argv.length ? argv : [psqlPath];
    const child = spawn(command, rest, {env, stdio: ['pipe', 'pipe', 'pipe']});
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', code => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`psql exited ${code}: ${output.slice(-2000)}`));
    });
    child.stdin.end(script);
  });
}

/** psql against a URL on this machine. */
export function psqlAt(url: string): string[] {
  return [psqlPath, url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'];
}

export {psqlPath};
