import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {engineScript} from '../src/swarm/engine-api.js';
import {shells, stubShell} from './stub-shell.js';

// A curl that answers 201 with a body, and keeps what it was sent: the header and body files it read.
const curlStub = (dir: string) => `
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift ;;
    -H) case $2 in @*) cat "\${2#@}" >>'${dir}/headers'; dirname "\${2#@}" >'${dir}/tmp-dir' ;; *) echo "$2" >>'${dir}/headers' ;; esac; shift ;;
    --data-binary) [ "$2" = @- ] && cat >'${dir}/body'; shift ;;
  esac
  shift
done
printf '{"ID":"abc"}' >"$out"
printf 201`;

describe.each(shells)('the Engine API script under %s', (_, shell) => {
  it('sends the registry auth as a header from a file and the body from stdin, and answers status then body', async () => {
    const host = stubShell(shell);
    host.stub('curl', curlStub(host.dir));
    const result = await host.run(
      engineScript,
      {method: 'POST', path: '/services/create', socket: '/run/docker.sock', body: 'json'},
      {stdin: 'c2VjcmV0\n{"Name":"web"}'},
    );
    expect(result).toMatchObject({code: 0, stdout: '201\n{"ID":"abc"}'});
    const [call] = host.calls('curl');
    expect(call).toMatch(
      /^-sS --unix-socket \/run\/docker.sock -X POST -o \S+ -w %\{http_code\} http:\/\/docker\/v1.41\/services\/create -H @\S+ -H Content-Type: application\/json --data-binary @-$/,
    );
    // The credentials were on no argv, and their file is gone with the script's folder; the body never was on disk.
    expect(call).not.toContain('c2VjcmV0');
    expect(readFileSync(join(host.dir, 'headers'), 'utf8')).toBe('X-Registry-Auth: c2VjcmV0\nContent-Type: application/json\n');
    expect(readFileSync(join(host.dir, 'body'), 'utf8')).toBe('{"Name":"web"}');
    expect(existsSync(readFileSync(join(host.dir, 'tmp-dir'), 'utf8').trim())).toBe(false);
  });

  it('sends neither header nor body when there are none', async () => {
    const host = stubShell(shell);
    host.stub('curl', curlStub(host.dir));
    const result = await host.run(engineScript, {method: 'GET', path: '/info', socket: '/var/run/docker.sock', body: ''}, {stdin: '\n'});
    expect(result.code).toBe(0);
    expect(host.calls('curl')).toEqual([expect.not.stringMatching(/(^| )(-H|--data-binary)( |$)/)]);
  });

  it('removes the header file when a signal ends it while curl runs', async () => {
    const host = stubShell(shell);
    host.stub('curl', `${curlStub(host.dir)}\nkill -HUP $PPID; sleep 1`);
    const result = await host.run(engineScript, {method: 'GET', path: '/info', socket: '/run/docker.sock', body: ''}, {stdin: 'c2VjcmV0\n'});
    expect(result.code).toBe(129);
    expect(existsSync(readFileSync(join(host.dir, 'tmp-dir'), 'utf8').trim())).toBe(false);
  });

  it('fails when curl does, with its message on stderr', async () => {
    const host = stubShell(shell);
    host.stub('curl', `echo 'curl: (7) Failed to connect to socket' >&2; exit 7`);
    const result = await host.run(engineScript, {method: 'GET', path: '/info', socket: '/nowhere', body: ''}, {stdin: '\n'});
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('Failed to connect');
  });
});
