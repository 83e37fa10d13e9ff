import {type ChildProcess, spawn} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {maintenanceScript} from '../src/remote-scripts.js';
import {type StubShell, shells, stubShell} from './stub-shell.js';

// The maintenance script under the shells hosts have: haproxy, socat and ss are stubs, HAProxy's master a shell whose
// command line names the config files and which counts its reloads; the admin socket answers as the files in ctl/ say.
const masters: ChildProcess[] = [];
afterEach(() => {
  for (const master of masters.splice(0)) master.kill('SIGKILL');
});

const page = '<!doctype html><h1>Back soon</h1>\n';
const section = (host: StubShell) => join(host.dir, 'conf.d', 'svc.maintenance.cfg');
const fragment = (host: StubShell) => join(host.dir, 'conf.d', 'svc.cfg');
const root = (host: StubShell) => join(host.dir, 'state', 'svc');
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
const livePort = (host: StubShell) => /^ {2}server live 127\.0\.0\.1:(\d+)$/m.exec(read(fragment(host)) ?? '')?.[1];
const appPort = (host: StubShell) => /^ {2}server app 127\.0\.0\.1:(\d+)$/m.exec(read(section(host)) ?? '')?.[1];
// What HAProxy was asked: reloads, checks and admin socket commands, in order; the polls of show info once each.
const asked = (host: StubShell) =>
  [...host.calls('haproxy').map(call => `haproxy ${call}`), ...host.calls('socat-command'), ...host.calls('reload')].filter(
    (call, index, all) => call !== all[index - 1],
  );

/** A host where the service was deployed: its HAProxy section sends `live` to the container on 20001. */
function deployedHost(shell: readonly string[], {haproxyRuns = true} = {}): StubShell {
  const host = stubShell(shell);
  const ctl = join(host.dir, 'ctl');
  for (const path of [join(host.dir, 'conf.d'), ctl]) mkdirSync(path, {recursive: true});
  writeFileSync(
    fragment(host),
    'listen cv-svc\n  bind 127.0.0.1:15001\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n  server live 127.0.0.1:20001\n',
  );
  writeFileSync(join(ctl, 'pid'), '100\n');
  host.stub('haproxy', `if [ -e '${ctl}/haproxy-c-fails' ]; then echo '[ALERT] config : file exceeds the buffer size' >&2; exit 1; fi`);
  host.stub('ss', 'exit 0');
  host.stub(
    'socat',
    `read -r command
printf '%s\\n' "$command" >>'${host.dir}/socat-command.calls'
case "$command" in
  'show info') echo "Pid: $(cat '${ctl}/pid')" ;;
  'set server '*) if [ -e '${ctl}/socat-refuses' ]; then echo 'No such server.'; else echo "no need to change the addr, port changed from '1' to '2' by 'stats socket command'"; fi ;;
esac`,
  );
  if (haproxyRuns) {
    // A reload is a new worker: show info then answers with another pid.
    const master = spawn(
      'sh',
      [
        '-c',
        `trap 'echo reload >>${host.dir}/reload.calls; echo $(( $(cat ${ctl}/pid) + 1 )) >${ctl}/pid.new; mv ${ctl}/pid.new ${ctl}/pid' USR2; while :; do sleep 0.02; done`,
        'haproxy',
        '-W',
        '-f',
        '/etc/haproxy/haproxy.cfg',
        '-f',
        join(host.dir, 'conf.d'),
      ],
      {stdio: 'ignore'},
    );
    masters.push(master);
    writeFileSync(join(host.dir, 'haproxy.pid'), `${master.pid}\n`);
  }
  return host;
}

function maintenance(host: StubShell, mode: 'status' | 'on' | 'off', stdin = page) {
  return host.run(
    maintenanceScript,
    {
      service: 'svc',
      mode,
      fragment: fragment(host),
      section_file: section(host),
      admin: join(host.dir, 'admin.sock'),
      listen_ports: '16001 16002',
      root: root(host),
      health: '/up',
      haproxy_pid_file: join(host.dir, 'haproxy.pid'),
    },
    {stdin},
  );
}

/** Forgets the calls so far, so that a test sees only its own step's. */
function forgetCalls(host: StubShell) {
  for (const name of readdirSync(host.dir).filter(name => name.endsWith('.calls'))) writeFileSync(join(host.dir, name), '');
}

describe.each(shells)('maintenanceScript under %s', (_, shell) => {
  it('reads off on a host that never had maintenance, and asks HAProxy nothing', async () => {
    const host = deployedHost(shell);
    expect(await maintenance(host, 'status')).toEqual({code: 0, stdout: 'was off\n', stderr: ''});
    expect(await maintenance(host, 'off')).toEqual({code: 0, stdout: 'was off\n', stderr: ''});
    expect(asked(host)).toEqual([]);
  });

  it('on, the first time: places the page and the section, points live at it in the file, and reloads once, checked', async () => {
    const host = deployedHost(shell);
    const result = await maintenance(host, 'on');
    expect(result).toEqual({code: 0, stdout: 'was off\n', stderr: ''});
    expect(asked(host)).toEqual([`haproxy -c -q -f /etc/haproxy/haproxy.cfg -f ${join(host.dir, 'conf.d')}`, 'show info', 'reload']);
    expect(read(join(root(host), 'maintenance.html'))).toBe(page);
    const text = read(section(host)) ?? '';
    expect(text).toContain('listen cv-svc.maintenance\n  bind 127.0.0.1:16001\n  mode http\n');
    expect(text).toContain(
      `  http-request return status 503 content-type "text/html; charset=utf-8" file ${root(host)}/maintenance.html hdr Retry-After 60 hdr Cache-Control no-store unless { path /up }\n`,
    );
    expect({live: livePort(host), app: appPort(host)}).toEqual({live: '16001', app: '20001'});
    expect(readdirSync(root(host)).filter(name => name.endsWith('.new') || name.endsWith('.previous'))).toEqual([]);
    expect((await maintenance(host, 'status')).stdout).toBe('was on\n');
  });

  it('on again with the same page changes nothing; off switches live back to the container at run time, with no reload', async () => {
    const host = deployedHost(shell);
    await maintenance(host, 'on');
    forgetCalls(host);
    expect(await maintenance(host, 'on')).toEqual({code: 0, stdout: 'was on\n', stderr: ''});
    expect(asked(host)).toEqual([]);
    expect(await maintenance(host, 'off')).toEqual({code: 0, stdout: 'was on\n', stderr: ''});
    expect(asked(host)).toEqual(['set server cv-svc/live addr 127.0.0.1 port 20001']);
    expect({live: livePort(host), status: (await maintenance(host, 'status')).stdout}).toEqual({live: '20001', status: 'was off\n'});
  });

  it('on after a cutover moved the container: points the section’s app at it and live at the section, at run time', async () => {
    const host = deployedHost(shell);
    await maintenance(host, 'on');
    await maintenance(host, 'off');
    // A cutover names the new container in the file, as the runtime switch did.
    writeFileSync(fragment(host), (read(fragment(host)) ?? '').replace('127.0.0.1:20001', '127.0.0.1:20002'));
    forgetCalls(host);
    expect(await maintenance(host, 'on')).toEqual({code: 0, stdout: 'was off\n', stderr: ''});
    expect(asked(host)).toEqual(['set server cv-svc.maintenance/app addr 127.0.0.1 port 20002', 'set server cv-svc/live addr 127.0.0.1 port 16001']);
    expect({live: livePort(host), app: appPort(host)}).toEqual({live: '16001', app: '20002'});
  });

  it('on with another page reloads, since HAProxy reads the page when it loads', async () => {
    const host = deployedHost(shell);
    await maintenance(host, 'on');
    forgetCalls(host);
    expect((await maintenance(host, 'on', '<h1>Migrating</h1>')).code).toBe(0);
    expect(asked(host).at(-1)).toBe('reload');
    expect(read(join(root(host), 'maintenance.html'))).toBe('<h1>Migrating</h1>');
  });

  it('when haproxy -c rejects the section, puts every file back and reloads nothing', async () => {
    const host = deployedHost(shell);
    const before = read(fragment(host));
    writeFileSync(join(host.dir, 'ctl', 'haproxy-c-fails'), '');
    const result = await maintenance(host, 'on');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('haproxy -c rejected');
    expect({fragment: read(fragment(host)), section: read(section(host)), page: read(join(root(host), 'maintenance.html'))}).toEqual({
      fragment: before,
      section: undefined,
      page: undefined,
    });
    expect(asked(host).filter(call => call === 'reload')).toEqual([]);
  });

  it('when the admin socket refuses to switch off, keeps the files saying on', async () => {
    const host = deployedHost(shell);
    await maintenance(host, 'on');
    const before = read(fragment(host));
    writeFileSync(join(host.dir, 'ctl', 'socat-refuses'), '');
    const result = await maintenance(host, 'off');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('did not switch cv-svc/live to 127.0.0.1:20001');
    expect(read(fragment(host))).toBe(before);
  });

  it('refuses on where the service has no HAProxy section, or HAProxy does not run', async () => {
    const host = deployedHost(shell, {haproxyRuns: false});
    writeFileSync(join(host.dir, 'haproxy.pid'), '999999\n');
    expect(await maintenance(host, 'on')).toMatchObject({code: 1, stderr: expect.stringContaining('needs HAProxy, which is not running')});
    const fresh = deployedHost(shell);
    writeFileSync(fragment(fresh), '');
    expect(await maintenance(fresh, 'on')).toMatchObject({code: 1, stderr: expect.stringContaining('svc has no HAProxy section on this host')});
  });
});
