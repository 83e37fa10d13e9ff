import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';
import {findSandbox} from '../src/sandbox.js';
import {sshRun} from '../src/ssh.js';

const execFileAsync = promisify(execFile);
const sandbox = findSandbox();

describe.skipIf(!sandbox)('sandbox', () => {
  if (!sandbox) return;

  it('has three hosts, each reached over SSH with strict host key checking and running its own Docker Engine', async () => {
    expect(sandbox.hosts).toHaveLength(3);
    const engines = await Promise.all(sandbox.hosts.map(host => sshRun(sandbox, host, "docker info --format '{{.ID}} {{.Name}}'")));
    const rootEngine = (await execFileAsync('/usr/bin/docker', ['info', '--format', '{{.ID}}'])).stdout.trim();
    const ids = engines.map(engine => engine.stdout.trim().split(' ')[0]);
    expect(new Set([...ids, rootEngine]).size).toBe(4);
  });

  it('gives each host its own nginx', async () => {
    const names = await Promise.all(sandbox.hosts.map(async host => (await fetch(`http://${host.address}/__sandbox`)).text()));
    expect(names.map(name => name.trim())).toEqual(sandbox.hosts.map(host => host.name));
  });

  it("gives each host its own HAProxy, loading conf.d as the deploy README's host setup says", async () => {
    const script = `echo "show info" | socat -t 5 - /run/haproxy/admin.sock | sed -n 's/^Pid: //p'
tr '\\0' ' ' </proc/$(cat /run/haproxy.pid)/cmdline`;
    const answers = await Promise.all(sandbox.hosts.map(async host => (await sshRun(sandbox, host, script)).stdout.split('\n')));
    expect(new Set(answers.map(([workerPid]) => workerPid)).size).toBe(3);
    for (const [, command] of answers) expect(command).toContain('-f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d ');
  });

  it('gives each host its own Monit daemon, control file and log, which the CLI reaches over SSH', async () => {
    // The System check is named after the host: each CLI talks to its own host's daemon, through its own /run.
    const script = `monit -B summary | awk '$NF == "System" { print $1 }'
cat /run/monit.pid
grep -c . /var/log/monit.log >/dev/null && echo logged`;
    const answers = await Promise.all(sandbox.hosts.map(async host => (await sshRun(sandbox, host, script)).stdout.trim().split('\n')));
    expect(answers.map(([system]) => system)).toEqual(sandbox.hosts.map(host => host.name));
    expect(new Set(answers.map(([, pid]) => pid)).size).toBe(3);
    for (const [, , logged] of answers) expect(logged).toBe('logged');
  });

  it('refuses a host whose key is not in known_hosts', async () => {
    const host = sandbox.hosts[0];
    if (!host) throw new Error('The sandbox has no hosts.');
    // With an empty known_hosts the client must refuse, not ask or accept.
    await expect(sshRun({...sandbox, ssh: {...sandbox.ssh, knownHostsFile: '/dev/null'}}, host, 'true')).rejects.toThrow(/Host key verification failed/);
  });
});
