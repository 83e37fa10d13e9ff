import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseMonitStatus} from '../src/monit.js';
import {monitScript} from '../src/remote-scripts.js';
import {shells, type StubShell, stubShell} from './stub-shell.js';

/**
 * A Monit CLI over a state dir, one file per check holding its monitoring status. As the daemon, it acts on a
 * request only at the next look at the status (between its cycles); with `$HOME/drop-next` it drops one request, as
 * one that comes while it reloads.
 */
const monit = `state=$HOME/monit
case $1 in
  -t) [ -e "$HOME/invalid" ] && { echo "/etc/monit/conf.d/x:2: syntax error 'chek'"; exit 1; }; echo 'Control file syntax OK' ;;
  reload) echo 'Reinitializing monit daemon' ;;
  unmonitor | monitor)
    [ -e "$state/$2" ] || { echo "There is no service named \\"$2\\"" >&2; exit 1; }
    if [ -e "$HOME/drop-next" ]; then rm "$HOME/drop-next"; exit 0; fi
    if [ "$1" = unmonitor ]; then echo 'Not monitored' >"$state/$2.pending"; else echo Initializing >"$state/$2.pending"; fi ;;
  -B)
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
    expect(host.calls('monit').filter(call => call.startsWith('-B'))).toEqual(['-B status web', '-B status web-container', '-B status web', '-B status web-container']);
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

  it('write: puts the check file in place, checks the control file, reloads', async () => {
    const host = stubShell(shell);
    withChecks(host, {});
    const file = join(host.dir, 'circuitverse-deploy-web');
    const result = await host.run(monitScript, {...values, mode: 'write', file}, {stdin: 'check host web with address 127.0.0.1\n'});
    expect(result.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('check host web with address 127.0.0.1\n');
    expect(host.calls('monit')).toEqual(['-t', 'reload']);
    expect(existsSync(`${file}.previous`) || existsSync(`${file}.new`)).toBe(false);
  });

  it('write: puts the previous file back when monit -t rejects the new one, and reloads nothing', async () => {
    const host = stubShell(shell);
    withChecks(host, {});
    const file = join(host.dir, 'circuitverse-deploy-web');
    writeFileSync(file, 'the one before\n');
    writeFileSync(join(host.dir, 'invalid'), '');
    const result = await host.run(monitScript, {...values, mode: 'write', file}, {stdin: 'chek host web\n'});
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("/etc/monit/conf.d/x:2: syntax error 'chek'\n");
    expect(readFileSync(file, 'utf8')).toBe('the one before\n');
    expect(host.calls('monit')).toEqual(['-t']);
  });
});
