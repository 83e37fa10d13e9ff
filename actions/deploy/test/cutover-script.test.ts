import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeEach, describe, expect, it} from 'vitest';
import {parseUpstreamPort} from '../src/release.js';
import {cutoverScript, scriptArgv} from '../src/remote-scripts.js';
import {shells} from './stub-shell.js';

// The cutover script under the shells hosts have, as an unprivileged user: nginx, HAProxy, socat, docker and ss are
// stubs that log each call and answer as the test says through files in ctl/.
const dir = mkdtempSync(join(tmpdir(), 'cutover-'));
const bin = join(dir, 'bin');
const ctl = join(dir, 'ctl');
const log = join(dir, 'calls.log');
const conf = join(dir, 'haproxy-conf.d');
const upstream = join(dir, 'nginx-conf.d', 'svc-upstream.conf');
const fragment = join(conf, 'svc.cfg');
const root = join(dir, 'state', 'svc');
mkdirSync(bin);

const stubs: Record<string, string> = {
  nginx: `echo "nginx $*" >>${log}
case "$1" in
  -t) if [ -e ${ctl}/nginx-t-fails ]; then echo 'nginx: [emerg] host not found in upstream' >&2; exit 1; fi ;;
  -s) if [ -e ${ctl}/nginx-reload-fails ]; then echo 'nginx: [error] invalid PID number' >&2; exit 1; fi ;;
esac`,
  haproxy: `echo "haproxy $*" >>${log}
if [ -e ${ctl}/haproxy-c-fails ]; then echo '[ALERT] config : parsing [svc.cfg:4] : unknown keyword' >&2; exit 1; fi`,
  // HAProxy's answers: a reload (USR2 to the master) loads the section file as it then is.
  socat: `read -r command
echo "socat $command" >>${log}
case "$command" in
  'show servers state '*)
    if [ -e ${ctl}/reloaded ]; then
      port=$(sed -n 's/^  server live 127\\.0\\.0\\.1:\\([0-9]*\\)$/\\1/p' ${fragment})
      echo '1'
      echo "2 cv-svc 1 live 127.0.0.1 2 0 1 1 0 1 0 2 0 0 0 0 - $port - 0 0 - - 0"
    fi ;;
  'set server '*)
    if [ -e ${ctl}/socat-silent ]; then exit 1; fi
    if [ -e ${ctl}/socat-refuses ]; then echo 'No such server.'; else echo "no need to change the addr, port changed from '1' to '2' by 'stats socket command'"; fi ;;
esac`,
  docker: `echo "docker $*" >>${log}
if [ "$1" = stop ] && [ -e ${ctl}/docker-stop-fails ]; then echo 'Error response from daemon: cannot stop container: permission denied' >&2; exit 1; fi`,
  // Listening sockets: none. Connections to the old container: as many polls as ctl/connections says.
  ss: `case "$1" in -Hltn) exit 0 ;; esac
left=$(cat ${ctl}/connections 2>/dev/null || echo 0)
if [ "$left" -gt 0 ]; then
  echo $((left - 1)) >${ctl}/connections
  echo "ss busy" >>${log}
  echo 'ESTAB 0 0 127.0.0.1:40000 127.0.0.1:20001'
else
  echo "ss idle" >>${log}
fi`,
  'haproxy-master': `trap 'touch ${ctl}/reloaded' USR2
while :; do sleep 0.02; done`,
};
for (const [name, body] of Object.entries(stubs)) {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

const masters: ChildProcess[] = [];
function startMaster(pidFile: string, command: string, ...args: string[]) {
  const child = spawn(command, args, {stdio: 'ignore'});
  masters.push(child);
  writeFileSync(pidFile, `${child.pid}\n`);
}
const haproxyPid = join(dir, 'haproxy.pid');
const nginxPid = join(dir, 'nginx.pid');
startMaster(haproxyPid, 'sh', join(bin, 'haproxy-master'), '-W', '-f', join(dir, 'haproxy.cfg'), '-f', conf);
// A master with no workers: the nginx reload's old workers are tested end to end.
startMaster(nginxPid, 'sleep', '120');

afterAll(() => {
  for (const master of masters) master.kill('SIGKILL');
  rmSync(dir, {recursive: true, force: true});
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  marks: string[];
  calls: string[];
}

interface CutoverOptions {
  drain?: number;
  /** docker stop's grace; the drain's when not given. */
  stopTimeout?: number;
  old?: string;
  movedFrom?: string;
}

/** The argv of a cutover to `port` on the test's host, under `shell`. */
function cutoverArgv(
  shell: readonly string[],
  port: number,
  {drain = 5, stopTimeout = drain, old = 'svc-v1-aaaaaa', movedFrom = ''}: CutoverOptions,
): string[] {
  const [, , source, ...args] = scriptArgv(cutoverScript, {
    service: 'svc',
    port: String(port),
    version: `v${port}`,
    upstream,
    fragment,
    admin: join(dir, 'admin.sock'),
    listen_ports: '15001 15002',
    root,
    drain: String(drain),
    old,
    quiet: '',
    stop_timeout: String(stopTimeout),
    history: join(root, 'history'),
    line: `2026-12-03T12:00:00.000Z\tv${port}\timage:v${port}`,
    nginx_pid_file: nginxPid,
    haproxy_pid_file: haproxyPid,
    moved_from: movedFrom,
  });
  return [...shell, '-c', source as string, ...args];
}

const marksOf = (stdout: string) => [...stdout.matchAll(/^(\w+) \d+$/gm)].map(match => match[1] as string);

function cutover(shell: readonly string[], port: number, options: CutoverOptions = {}): Run {
  rmSync(log, {force: true});
  const [command, ...args] = cutoverArgv(shell, port, options);
  const result = spawnSync(command as string, args, {
    encoding: 'utf8',
    env: {PATH: `${bin}:/usr/bin:/bin`},
    timeout: 20_000,
  });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    marks: marksOf(result.stdout),
    calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [],
  };
}

// The calls but ss's, each run of the same call once: the script polls HAProxy until its reload is done.
const steps = (run: Run) => run.calls.filter((call, index) => !call.startsWith('ss') && call !== run.calls[index - 1]);
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
const haproxyServerPort = () => /^ {2}server live 127\.0\.0\.1:(\d+)$/m.exec(read(fragment) ?? '')?.[1];
const leftovers = () => readdirSync(root).filter(name => name.endsWith('.new'));
// What an earlier release of the action left: nginx pointing straight at the old container.
const directUpstream = '# Written by circuitverse/actions deploy: svc v1.\nupstream svc {\n  server 127.0.0.1:20001;\n}\n';

describe.each(shells)('cutoverScript under %s', (_, shell) => {
  beforeEach(() => {
    for (const path of [join(dir, 'state'), join(dir, 'nginx-conf.d'), conf, ctl]) rmSync(path, {recursive: true, force: true});
    for (const path of [join(dir, 'nginx-conf.d'), conf, ctl]) mkdirSync(path, {recursive: true});
  });

  /** A host after the service's first deploy with this release: nginx → HAProxy's listener → port 20001. */
  function deployedOnce() {
    const first = cutover(shell, 20001, {old: ''});
    expect(first.code).toBe(0);
    rmSync(log, {force: true});
  }

  it("on a service's first deploy, loads its HAProxy section with a reload, then points nginx at it with a reload", () => {
    const run = cutover(shell, 20001, {old: ''});
    expect(run.stderr).toBe('');
    expect({code: run.code, marks: run.marks}).toEqual({code: 0, marks: ['begin', 'switched', 'drained', 'stopped']});
    expect(steps(run)).toEqual(['nginx -t', `haproxy -c -q -f ${join(dir, 'haproxy.cfg')} -f ${conf}`, 'socat show servers state cv-svc', 'nginx -s reload']);
    const nginxFile = read(upstream) ?? '';
    expect(nginxFile).toMatch(/^upstream svc \{\n {2}server 127\.0\.0\.1:1500[12];\n\}$/m);
    expect(read(fragment)).toMatch(/^ {2}bind 127\.0\.0\.1:1500[12]$/m);
    expect(parseUpstreamPort(nginxFile)).toBe(20001);
    expect(haproxyServerPort()).toBe('20001');
    expect(read(join(root, 'history'))).toBe('2026-12-03T12:00:00.000Z\tv20001\timage:v20001\n');
  });

  it("switches a deployed service through HAProxy's admin socket, with no reload, and keeps both files on the new port", () => {
    deployedOnce();
    const listener = read(upstream)?.match(/server (127\.0\.0\.1:\d+);/)?.[1];
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks, stderr: run.stderr}).toEqual({code: 0, marks: ['begin', 'switched', 'drained', 'stopped'], stderr: ''});
    expect(run.calls).toEqual(['socat set server cv-svc/live addr 127.0.0.1 port 20002', 'ss idle', 'docker stop --time 5 svc-v1-aaaaaa']);
    expect(parseUpstreamPort(read(upstream) ?? '')).toBe(20002);
    expect(read(upstream)?.match(/server (127\.0\.0\.1:\d+);/)?.[1]).toBe(listener);
    expect(haproxyServerPort()).toBe('20002');
    expect(leftovers()).toEqual([]);
  });

  it('waits until the old container has no connection left, then stops it', () => {
    deployedOnce();
    writeFileSync(join(ctl, 'connections'), '3\n');
    const run = cutover(shell, 20002);
    expect(run.marks).toEqual(['begin', 'switched', 'drained', 'stopped']);
    expect(run.calls.slice(1)).toEqual(['ss busy', 'ss busy', 'ss busy', 'ss idle', 'docker stop --time 5 svc-v1-aaaaaa']);
  });

  it('gives up draining at the drain timeout, says so, and stops the old container', () => {
    deployedOnce();
    writeFileSync(join(ctl, 'connections'), '100000\n');
    // No timing bound: the connections never end within the run's 20 s limit, so only giving up yields these marks.
    const run = cutover(shell, 20002, {drain: 1});
    expect(run.marks).toEqual(['begin', 'switched', 'timeout', 'stopped']);
    expect(run.calls.at(-1)).toBe('docker stop --time 1 svc-v1-aaaaaa');
  });

  it('moves a host that an earlier release pointed straight at a container, draining that container', () => {
    writeFileSync(upstream, directUpstream);
    writeFileSync(`${upstream}.cv-previous`, directUpstream);
    writeFileSync(join(ctl, 'connections'), '2\n');
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks}).toEqual({code: 0, marks: ['begin', 'switched', 'drained', 'stopped']});
    expect(steps(run)).toEqual([
      'nginx -t',
      `haproxy -c -q -f ${join(dir, 'haproxy.cfg')} -f ${conf}`,
      'socat show servers state cv-svc',
      'nginx -s reload',
      'docker stop --time 5 svc-v1-aaaaaa',
    ]);
    expect(run.calls.filter(call => call.startsWith('ss'))).toEqual(['ss busy', 'ss busy', 'ss idle']);
    expect(parseUpstreamPort(read(upstream) ?? '')).toBe(20002);
    expect(readdirSync(join(dir, 'nginx-conf.d'))).toEqual(['svc-upstream.conf']);
  });

  it.each([
    ['nginx -t rejects the file', 'nginx-t-fails', 'nginx -t rejected'],
    ['the nginx reload fails', 'nginx-reload-fails', 'nginx -s reload failed'],
    ['haproxy -c rejects the section', 'haproxy-c-fails', 'haproxy -c rejected'],
  ])('when %s, puts the previous files back and reports nothing switched', (_, failure, message) => {
    writeFileSync(upstream, directUpstream);
    writeFileSync(join(ctl, failure), '');
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks}).toEqual({code: 3, marks: ['begin']});
    expect(run.stderr).toContain(message);
    expect(read(upstream)).toBe(directUpstream);
    expect(existsSync(fragment)).toBe(false);
    expect(run.calls.some(call => call.startsWith('docker'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  // A host where this release's HAProxy section is in place but nginx's upstream names the container, as when a deploy
  // of the release before HAProxy came after one of this release.
  function deployedThenDirect() {
    deployedOnce();
    writeFileSync(upstream, directUpstream);
  }

  it('when nginx -t fails on such a host, leaves HAProxy alone', () => {
    deployedThenDirect();
    writeFileSync(join(ctl, 'nginx-t-fails'), '');
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks, calls: run.calls}).toEqual({code: 3, marks: ['begin'], calls: ['nginx -t']});
    expect(read(upstream)).toBe(directUpstream);
    expect(haproxyServerPort()).toBe('20001');
  });

  it("when the nginx reload fails after HAProxy's switch on such a host, switches HAProxy back", () => {
    deployedThenDirect();
    writeFileSync(join(ctl, 'nginx-reload-fails'), '');
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks}).toEqual({code: 3, marks: ['begin']});
    expect(run.calls).toEqual([
      'nginx -t',
      'socat set server cv-svc/live addr 127.0.0.1 port 20002',
      'nginx -s reload',
      'socat set server cv-svc/live addr 127.0.0.1 port 20001',
    ]);
    expect(read(upstream)).toBe(directUpstream);
    expect(haproxyServerPort()).toBe('20001');
  });

  it("when HAProxy's admin socket refuses the switch, puts the previous files back and reports nothing switched", () => {
    deployedOnce();
    const before = {nginx: read(upstream), haproxy: read(fragment)};
    writeFileSync(join(ctl, 'socat-refuses'), '');
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks}).toEqual({code: 3, marks: ['begin']});
    expect(run.stderr).toContain('refused to switch cv-svc/live to 127.0.0.1:20002: No such server.');
    expect({nginx: read(upstream), haproxy: read(fragment)}).toEqual(before);
  });

  it('when the old container cannot be stopped after the switch, records the release and warns', () => {
    deployedOnce();
    writeFileSync(join(ctl, 'docker-stop-fails'), '');
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks}).toEqual({code: 0, marks: ['begin', 'switched', 'drained', 'stopped']});
    expect(run.stdout).toMatch(/^warning could not stop svc-v1-aaaaaa, which no longer takes traffic: .*permission denied; the next deploy removes it\.$/m);
    expect(read(join(root, 'history'))?.trim().split('\n').at(-1)).toBe('2026-12-03T12:00:00.000Z\tv20002\timage:v20002');
  });

  it("when HAProxy's answer to the switch is lost and so is the one to switching back, keeps the new container as serving", () => {
    deployedOnce();
    writeFileSync(join(ctl, 'socat-silent'), '');
    const run = cutover(shell, 20002);
    // Exit 1 with the switch mark: the deploy moves this host back rather than removing what may take the traffic.
    expect({code: run.code, marks: run.marks}).toEqual({code: 1, marks: ['begin', 'switched']});
    expect(run.stderr).toContain('did not switch cv-svc/live back to 127.0.0.1:20001');
  });

  it('when the disk is full writing the new files, changes nothing, leaves no temp file and reports nothing switched', () => {
    deployedOnce();
    const before = {nginx: read(upstream), haproxy: read(fragment)};
    symlinkSync('/dev/full', join(root, 'nginx-upstream.new'));
    const run = cutover(shell, 20002);
    expect({code: run.code, marks: run.marks}).toEqual({code: 3, marks: ['begin']});
    expect({nginx: read(upstream), haproxy: read(fragment)}).toEqual(before);
    expect(run.calls).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  /** Runs `work` with HAProxy's pid file naming no live process, as on a host without HAProxy set up. */
  function withoutHaproxy(work: () => void) {
    const run = spawnSync('sh', ['-c', `cp ${haproxyPid} ${haproxyPid}.kept && echo 999999 >${haproxyPid}`]);
    expect(run.status).toBe(0);
    try {
      work();
    } finally {
      spawnSync('mv', [`${haproxyPid}.kept`, haproxyPid]);
    }
  }

  it('without HAProxy, switches as the release before did: nginx straight at the container, one reload, and says so', () => {
    writeFileSync(upstream, directUpstream);
    withoutHaproxy(() => {
      const run = cutover(shell, 20002);
      expect({code: run.code, marks: run.marks}).toEqual({code: 0, marks: ['begin', 'switched', 'drained', 'stopped']});
      expect(run.stdout).toMatch(/^warning HAProxy is not running \(no live master in \S+\): switched with an nginx reload, which can drop a request/m);
      expect(parseUpstreamPort(read(upstream) ?? '')).toBe(20002);
      expect(read(upstream)).toContain('  server 127.0.0.1:20002;');
      expect(steps(run)).toEqual(['nginx -t', 'nginx -s reload', 'docker stop --time 5 svc-v1-aaaaaa']);
      expect(read(fragment)).toBeUndefined();
    });
  });

  it('without HAProxy, when nginx -t fails, puts the upstream back and leaves HAProxy’s section alone', () => {
    deployedOnce();
    const before = {nginx: read(upstream), haproxy: read(fragment)};
    writeFileSync(join(ctl, 'nginx-t-fails'), '');
    withoutHaproxy(() => {
      const run = cutover(shell, 20002);
      expect({code: run.code, marks: run.marks}).toEqual({code: 3, marks: ['begin']});
      expect({nginx: read(upstream), haproxy: read(fragment)}).toEqual(before);
      expect(leftovers()).toEqual([]);
    });
  });

  /** A host the last deploy left with its upstream in another file than `upstream`, as when the input changed. */
  function deployedToOtherFile(): string {
    deployedOnce();
    const other = join(dir, 'nginx-conf.d', 'svc-old-path.conf');
    spawnSync('mv', [upstream, other]);
    writeFileSync(join(root, 'upstream-file'), `${other}\n`);
    return other;
  }

  it('records the upstream file it wrote', () => {
    deployedOnce();
    expect(read(join(root, 'upstream-file'))).toBe(`${upstream}\n`);
  });

  it('moves the upstream file when nginx-upstream-file names another: the old one goes in the same checked reload', () => {
    const other = deployedToOtherFile();
    const run = cutover(shell, 20002, {movedFrom: other});
    expect({code: run.code, marks: run.marks}).toEqual({code: 0, marks: ['begin', 'switched', 'drained', 'stopped']});
    expect(read(other)).toBeUndefined();
    expect(parseUpstreamPort(read(upstream) ?? '')).toBe(20002);
    expect(read(join(root, 'upstream-file'))).toBe(`${upstream}\n`);
    expect(steps(run).filter(call => call.startsWith('nginx'))).toEqual(['nginx -t', 'nginx -s reload']);
  });

  it('when nginx -t fails on a moved upstream file, puts the old one back and reports nothing switched', () => {
    const other = deployedToOtherFile();
    const before = read(other);
    writeFileSync(join(ctl, 'nginx-t-fails'), '');
    const run = cutover(shell, 20002, {movedFrom: other});
    expect({code: run.code, marks: run.marks}).toEqual({code: 3, marks: ['begin']});
    expect({other: read(other), upstream: read(upstream), recorded: read(join(root, 'upstream-file'))}).toEqual({
      other: before,
      upstream: undefined,
      recorded: `${other}\n`,
    });
    expect(leftovers()).toEqual([]);
  });

  it('once switched, stops the old container and records the release though the SSH channel has closed', async () => {
    deployedOnce();
    writeFileSync(join(ctl, 'connections'), '5');
    const [command, ...args] = cutoverArgv(shell, 20002, {});
    const child = spawn(command as string, args, {env: {PATH: `${bin}:/usr/bin:/bin`}, stdio: ['ignore', 'pipe', 'pipe']});
    // The runner's connection goes as the switch is reported, as when the job is killed mid-cutover.
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('switched ')) child.stdout.destroy();
    });
    child.stderr.resume();
    await new Promise(resolve => child.on('close', resolve));
    expect(readFileSync(log, 'utf8')).toContain('docker stop --time 5 svc-v1-aaaaaa');
    expect(read(join(root, 'history'))?.trim().split('\n').at(-1)).toBe('2026-12-03T12:00:00.000Z\tv20002\timage:v20002');
  });

  it('waits for a cutover of the service that still runs on the host before it starts', () => {
    deployedOnce();
    // An earlier cutover, given up on by its deploy, holding the service's cutover lock for a second more.
    const held = join(dir, 'earlier-cutover-holds-the-lock');
    rmSync(held, {force: true});
    const holder = spawn('flock', [join(root, 'cutover.lock'), 'sh', '-c', `touch ${held}; sleep 1; echo 'earlier cutover ended' >>${log}`], {
      stdio: 'ignore',
    });
    const started = spawnSync('sh', ['-c', `until [ -e ${held} ]; do sleep 0.02; done`], {timeout: 5000});
    expect(started.status).toBe(0);
    const run = cutover(shell, 20002);
    holder.kill();
    expect(run.code).toBe(0);
    expect(run.calls[0]).toBe('earlier cutover ended');
  });

  it('for a worker, switches nothing, quiets the old container, stops it within its stop timeout, and records the release once', () => {
    rmSync(log, {force: true});
    const line = '2026-12-03T12:00:00.000Z\tv2\timage:v2';
    const run = () =>
      spawnSync(
        shell[0] as string,
        [
          ...shell.slice(1),
          '-c',
          cutoverScript.source,
          'deploy',
          ...scriptArgv(cutoverScript, {
            service: 'svc',
            port: '',
            version: '',
            upstream: '',
            fragment: '',
            admin: '',
            listen_ports: '',
            root,
            drain: '5',
            old: 'svc-v1-aaaaaa',
            quiet: 'SIGTSTP',
            stop_timeout: '30',
            history: join(root, 'history'),
            line,
            nginx_pid_file: '',
            haproxy_pid_file: '',
            moved_from: '',
          }).slice(4),
        ],
        {encoding: 'utf8', env: {PATH: `${bin}:/usr/bin:/bin`}},
      );
    const result = run();
    expect(result.status).toBe(0);
    expect([...result.stdout.matchAll(/^(\w+) \d+$/gm)].map(match => match[1])).toEqual(['begin', 'stopped']);
    expect(readFileSync(log, 'utf8')).toBe('docker kill --signal SIGTSTP svc-v1-aaaaaa\ndocker stop --time 30 svc-v1-aaaaaa\n');
    // The host's second role moving to the same release adds no line.
    expect(run().status).toBe(0);
    expect(read(join(root, 'history'))).toBe(`${line}\n`);
  });
});
