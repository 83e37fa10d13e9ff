import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseMonitStatus} from '../src/monit.js';
import {monitScript} from '../src/remote-scripts.js';
import {type StubShell, shells, stubShell} from './stub-shell.js';

/**
 * A Monit CLI over a state dir, one file per check holding its monitoring status. As the daemon, it acts on a
 * request only at the next look at the status (between its cycles); with `$HOME/drop-next` it drops one request, as
 * one that comes while it reloads.
 */
const monit = `state=$HOME/monit
case $1 in
  -t) [ -e "$HOME/invalid" ] && { echo "/etc/monit/conf.d/x:2: syntax error 'chek'"; exit 1; }; echo 'Control file syntax OK' ;;
  reload)
    if [ -e "$HOME/reload-fails" ]; then rm "$HOME/reload-fails"; echo 'monit: cannot create socket' >&2; exit 1; fi
    # As the daemon does once its cycle ends: the checks are what the file defines, monitored unless they were not.
    for old in "$state"/*; do [ -e "$old" ] && { grep -q "^check [a-z]* \${old##*/} " "$HOME/checks" 2>/dev/null || rm "$old"; }; done
    sed -n 's/^check [a-z]* \\([^ ]*\\) .*/\\1/p' "$HOME/checks" 2>/dev/null | while read -r name; do [ -e "$state/$name" ] || echo Monitored >"$state/$name"; done ;;
  unmonitor | monitor)
    [ -e "$state/$2" ] || { echo "There is no service named \\"$2\\"" >&2; exit 1; }
    if [ -e "$HOME/drop-next" ]; then rm "$HOME/drop-next"; exit 0; fi
    if [ "$1" = unmonitor ]; then echo 'Not monitored' >"$state/$2.pending"; else echo Initializing >"$state/$2.pending"; fi ;;
  -B)
    # Its CLI socket is gone for a moment while it reloads.
    if [ -s "$HOME/socket-gone" ]; then
      left=$(cat "$HOME/socket-gone"); echo $((left - 1)) >"$HOME/socket-gone"
      if [ "$left" -gt 0 ]; then echo 'Unix socket /run/monit.sock connection error -- No such file or directory' >&2; exit 1; fi
    fi
    if [ -z "\${3:-}" ]; then
      for file in "$state"/*; do
        case $file in *.pending) continue ;; esac
        printf "Program '%s'\\n  status                       OK\\n  monitoring status            %s\\n\\n" "\${file##*/}" "$(cat "$file")"
      done
      exit 0
    fi
    [ -e "$state/$3" ] || { echo "Service '$3' not found" >&2; exit 1; }
    printf "Program '%s'\\n  monitoring status            %s\\n" "$3" "$(cat "$state/$3")"
    if [ -e "$state/$3.pending" ]; then mv "$state/$3.pending" "$state/$3"; fi ;;
esac`;

function withChecks(host: StubShell, checks: Record<string, string>): void {
  mkdirSync(join(host.dir, 'monit'));
  for (const [name, state] of Object.entries(checks)) writeFileSync(join(host.dir, 'monit', name), `${state}\n`);
  host.stub('monit', monit);
  host.stub('sleep', '');
}

const states = (host: StubShell, ...names: string[]) => names.map(name => readFileSync(join(host.dir, 'monit', name), 'utf8').trim());
const values = {file: '', lock_dir: '', token: ''};

describe.each(shells)('the Monit script under %s', (_, shell) => {
  it('status: Monit’s own listing, which parses into its checks', async () => {
    const host = stubShell(shell);
    withChecks(host, {web: 'Monitored', 'web-container': 'Not monitored'});
    const result = await host.run(monitScript, {...values, mode: 'status'});
    expect(parseMonitStatus(result.code ?? 1, result.stdout)).toEqual({
      kind: 'answers',
      checks: [
        {name: 'web', type: 'Program', monitoring: 'Monitored'},
        {name: 'web-container', type: 'Program', monitoring: 'Not monitored'},
      ],
    });
  });

  it('unmonitor: asks once for each check and waits until Monit says it did', async () => {
    const host = stubShell(shell);
    withChecks(host, {web: 'Monitored', 'web-container': 'Monitored', other: 'Monitored'});
    const result = await host.run(monitScript, {...values, mode: 'unmonitor'}, {rest: ['web', 'web-container']});
    expect(result).toMatchObject({code: 0, stderr: ''});
    expect(states(host, 'web', 'web-container', 'other')).toEqual(['Not monitored', 'Not monitored', 'Monitored']);
    expect(host.calls('monit').filter(call => !call.startsWith('-B'))).toEqual(['unmonitor web', 'unmonitor web-container']);
    // The first look at each finds the request pending, the second done.
    expect(host.calls('monit').filter(call => call.startsWith('-B'))).toEqual([
      '-B status web',
      '-B status web-container',
      '-B status web',
      '-B status web-container',
    ]);
  });

  it('monitor: asks again each second when Monit dropped the request, as it does while reloading', async () => {
    const host = stubShell(shell);
    withChecks(host, {web: 'Not monitored'});
    writeFileSync(join(host.dir, 'drop-next'), '');
    const result = await host.run(monitScript, {...values, mode: 'monitor'}, {rest: ['web']});
    expect(result.code).toBe(0);
    expect(states(host, 'web')).toEqual(['Initializing']);
    expect(host.calls('monit').filter(call => !call.startsWith('-B'))).toEqual(['monitor web', 'monitor web']);
    expect(host.calls('monit').filter(call => call.startsWith('-B'))).toHaveLength(12);
  });

  it('gives up after 10 s, naming each check Monit has not switched and its state', async () => {
    const host = stubShell(shell);
    withChecks(host, {web: 'Monitored'});
    host.stub('monit', `[ "$1" = -B ] && printf "Program 'web'\\n  monitoring status            Monitored\\n"; true`);
    const result = await host.run(monitScript, {...values, mode: 'unmonitor'}, {rest: ['web']});
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Monit did not unmonitor web (Monitored) within 10 s\n');
    expect(host.calls('monit').filter(call => call === 'unmonitor web')).toHaveLength(10);
    // busybox sh runs its own sleep, not the stub: the 10 s are real there.
  }, 20_000);

  it('fails with Monit’s own words when it has no such check', async () => {
    const host = stubShell(shell);
    withChecks(host, {web: 'Monitored'});
    const result = await host.run(monitScript, {...values, mode: 'unmonitor'}, {rest: ['web', 'gone']});
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('There is no service named "gone"\n');
  });

  it('with a token, does nothing unless this run still holds the lock', async () => {
    const host = stubShell(shell);
    withChecks(host, {web: 'Not monitored'});
    const lock = join(host.dir, 'lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'token'), 'someone-else');
    const other = await host.run(monitScript, {mode: 'monitor', file: '', lock_dir: lock, token: 't1'}, {rest: ['web']});
    expect(other.stdout).toBe('not held\n');
    expect(host.calls('monit')).toEqual([]);
    writeFileSync(join(lock, 'token'), 't1');
    expect((await host.run(monitScript, {mode: 'monitor', file: '', lock_dir: lock, token: 't1'}, {rest: ['web']})).code).toBe(0);
    expect(states(host, 'web')).toEqual(['Initializing']);
  });

  const check = (container: string) =>
    `check host web with address 127.0.0.1\ncheck program web-container with path "/bin/sh -c 'docker inspect ${container}'"\n`;

  /** A host whose Monit has `checks`, and whose check file (`checks`, the service's state dir `web/`) holds `before`. */
  const checkFileHost = (checks: Record<string, string>, before?: string) => {
    const host = stubShell(shell);
    withChecks(host, checks);
    mkdirSync(join(host.dir, 'web'));
    if (before !== undefined) writeFileSync(join(host.dir, 'checks'), before);
    return {host, file: join(host.dir, 'checks')};
  };
  const write = (host: StubShell, content: string, names: string[]) =>
    host.run(monitScript, {...values, mode: 'write', file: join(host.dir, 'checks'), lock_dir: join(host.dir, 'web/lock')}, {stdin: content, rest: names});
  const between = (calls: string[], call: string) => calls.slice(calls.indexOf(call) + 1, calls.lastIndexOf(call));

  it('write: puts a first check file in place, checks the control file, reloads until Monit lists its checks', async () => {
    const {host, file} = checkFileHost({db: 'Monitored'});
    expect(await write(host, check('web-v1'), ['web', 'web-container'])).toMatchObject({code: 0, stderr: ''});
    expect(readFileSync(file, 'utf8')).toBe(check('web-v1'));
    expect(host.calls('monit').filter(call => !call.startsWith('-B'))).toEqual(['-t', 'reload']);
    expect(states(host, 'web', 'web-container')).toEqual(['Monitored', 'Monitored']);
    expect(existsSync(join(host.dir, 'web/monit-check.previous')) || existsSync(join(host.dir, 'web/monit-check.new'))).toBe(false);
  });

  it('write: a changed file goes in only once Monit has dropped the checks it replaces', async () => {
    const {host, file} = checkFileHost({web: 'Not monitored', 'web-container': 'Not monitored'}, check('web-v1'));
    expect(await write(host, check('web-v2'), ['web', 'web-container'])).toMatchObject({code: 0, stderr: ''});
    expect(readFileSync(file, 'utf8')).toBe(check('web-v2'));
    const calls = host.calls('monit');
    // Reloaded empty, looked (at the whole listing) until both were gone, reloaded with the new file, looked until both were there.
    expect(calls.filter(call => !call.startsWith('-B'))).toEqual(['-t', 'reload', 'reload']);
    expect(between(calls, 'reload')).toEqual(['-B status']);
    expect(states(host, 'web', 'web-container')).toEqual(['Monitored', 'Monitored']);
  });

  it('write: waits out the moment Monit’s CLI socket is gone while it reloads, never taking it for a check gone', async () => {
    const {host} = checkFileHost({web: 'Not monitored'}, check('web-v1'));
    writeFileSync(join(host.dir, 'socket-gone'), '3\n');
    expect(await write(host, check('web-v2'), ['web'])).toMatchObject({code: 0, stderr: ''});
    expect(between(host.calls('monit'), 'reload')).toEqual(Array(4).fill('-B status'));
  });

  it('write: leaves Monit alone when the file is as it was', async () => {
    const {host} = checkFileHost({}, check('web-v1'));
    expect((await write(host, check('web-v1'), ['web'])).code).toBe(0);
    expect(host.calls('monit')).toEqual([]);
  });

  it('write: puts the previous file back when monit -t rejects the new one, and reloads nothing', async () => {
    const {host, file} = checkFileHost({}, 'the one before\n');
    writeFileSync(join(host.dir, 'invalid'), '');
    const result = await write(host, 'chek host web\n', ['web']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("/etc/monit/conf.d/x:2: syntax error 'chek'\n");
    expect(readFileSync(file, 'utf8')).toBe('the one before\n');
    expect(host.calls('monit')).toEqual(['-t']);
  });

  it('write: puts the previous file back and reloads Monit with it when a reload fails', async () => {
    const {host, file} = checkFileHost({web: 'Not monitored', 'web-container': 'Not monitored'}, check('web-v1'));
    writeFileSync(join(host.dir, 'reload-fails'), '');
    const result = await write(host, check('web-v2'), ['web', 'web-container']);
    expect(result).toMatchObject({code: 1, stderr: 'monit: cannot create socket\n'});
    expect(readFileSync(file, 'utf8')).toBe(check('web-v1'));
    expect(host.calls('monit')).toEqual(['-t', 'reload', 'reload']);
    expect(states(host, 'web', 'web-container')).toEqual(['Not monitored', 'Not monitored']);
    expect(existsSync(join(host.dir, 'web/monit-check.previous')) || existsSync(join(host.dir, 'web/monit-check.new'))).toBe(false);
    // The next write finds the original to compare with, and keeps it as the previous.
    expect(await write(host, check('web-v1'), ['web'])).toMatchObject({code: 0});
    expect(host.calls('monit')).toHaveLength(3);
  });

  it('write: removes a first file again when its reload fails', async () => {
    const {host, file} = checkFileHost({});
    writeFileSync(join(host.dir, 'reload-fails'), '');
    expect((await write(host, check('web-v1'), ['web', 'web-container'])).code).toBe(1);
    expect(existsSync(file)).toBe(false);
    expect(host.calls('monit')).toEqual(['-t', 'reload', 'reload']);
  });

  it('write: a previous file left by a write that was cut off goes back before anything else', async () => {
    const {host, file} = checkFileHost({web: 'Not monitored', 'web-container': 'Not monitored'}, '');
    writeFileSync(join(host.dir, 'web/monit-check.previous'), check('web-v1'));
    expect(await write(host, check('web-v1'), ['web', 'web-container'])).toMatchObject({code: 0, stderr: ''});
    expect(readFileSync(file, 'utf8')).toBe(check('web-v1'));
    expect(existsSync(join(host.dir, 'web/monit-check.previous'))).toBe(false);
  });
});
