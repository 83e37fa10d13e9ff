import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseMemoryReport, parsePlanFacts} from '../src/deploy-host.js';
import {
  finishScript,
  inspectScript,
  lockScript,
  memoryScript,
  planScript,
  preDeployScript,
  pullScript,
  remoteScript,
  startScript,
  stopScript,
  unlockScript,
  writePrivateFileScript,
} from '../src/remote-scripts.js';
import {shells, stubShell} from './stub-shell.js';

describe.each(shells)('remote scripts under %s', (_, shell) => {
  it('name their leading parameters and pass the rest on as "$@"', async () => {
    const host = stubShell(shell);
    const script = remoteScript(['first', 'second'], 'printf "%s|" "$first" "$second" "$@"');
    expect((await host.run(script, {first: 'a b', second: '$(id)'}, {rest: ['c', '']})).stdout).toBe('a b|$(id)|c||');
  });

  it('pull: logs in with the password on stdin, in a throwaway config that is gone afterwards', async () => {
    const host = stubShell(shell);
    host.stub('docker', `[ "$1" = login ] && cat >"$DOCKER_CONFIG/password" && echo "$DOCKER_CONFIG" >'${host.dir}/config-path'; true`);
    const result = await host.run(pullScript, {registry: 'registry.test', user: 'deployer', image: 'registry.test/app:v1'}, {stdin: 'hunter2'});
    expect(result.code).toBe(0);
    expect(host.calls('docker')).toEqual(['login --username deployer --password-stdin registry.test', 'pull -q registry.test/app:v1']);
    expect(existsSync(readFileSync(join(host.dir, 'config-path'), 'utf8').trim())).toBe(false);
  });

  it('pull: neither logs in nor pulls an image pinned by digest that the host has', async () => {
    const host = stubShell(shell);
    host.stub('docker', '');
    const image = `registry.test/app:v1@sha256:${'a'.repeat(64)}`;
    expect((await host.run(pullScript, {registry: 'registry.test', user: 'deployer', image}, {stdin: 'hunter2'})).code).toBe(0);
    expect(host.calls('docker')).toEqual([`image inspect ${image}`]);
  });

  // SIGINT is left out: the test runner's children start with it ignored, and POSIX shells may not trap it then.
  it.each(['SIGHUP', 'SIGTERM'] as const)('pull: removes the registry login when %s ends it mid-pull', async signal => {
    const host = stubShell(shell);
    host.stub('pulling', '');
    host.stub('docker', `case $1 in login) echo "$DOCKER_CONFIG" >'${host.dir}/config-path' ;; pull) pulling; sleep 5 ;; esac`);
    const result = await host.run(pullScript, {registry: 'r', user: 'u', image: 'r/app:v1'}, {stdin: 'pw', signalWhen: {logged: 'pulling', signal}});
    expect(result.code).not.toBe(0);
    expect(existsSync(readFileSync(join(host.dir, 'config-path'), 'utf8').trim())).toBe(false);
  });

  it('lock: exactly one taker, who gets the state; the others get the holder', async () => {
    const host = stubShell(shell);
    host.stub('docker', "printf 'web-v1-abc\\tv1\\tapp:v1\\trunning\\t127.0.0.1:20001->3000/tcp\\t\\n'");
    writeFileSync(join(host.dir, 'upstream'), 'upstream web { server 127.0.0.1:20001; }\n');
    writeFileSync(join(host.dir, 'history'), '2026-12-01T00:00:00.000Z\tv1\tapp:v1\n');
    const values = {
      lock_dir: join(host.dir, 'web/lock'),
      token: 't1',
      service: 'web',
      upstream_file: join(host.dir, 'upstream'),
      history: join(host.dir, 'history'),
    };
    const first = await host.run(lockScript, values, {stdin: '{"actor":"octocat"}'});
    expect(first.stdout).toBe(
      [
        'acquired',
        '## containers',
        'web-v1-abc\tv1\tapp:v1\trunning\t127.0.0.1:20001->3000/tcp\t',
        '## upstream',
        'upstream web { server 127.0.0.1:20001; }',
        '## upstream-file',
        '',
        '## history',
        '2026-12-01T00:00:00.000Z\tv1\tapp:v1',
        '',
      ].join('\n'),
    );
    const second = await host.run(lockScript, {...values, token: 't2'}, {stdin: '{"actor":"someone else"}'});
    expect(second.stdout).toBe('{"actor":"octocat"}');
    expect(readFileSync(join(values.lock_dir, 'token'), 'utf8')).toBe('t1');
    // Its holder taking it again, as after an unlock that failed while it waited for another host: still its own.
    expect((await host.run(lockScript, values, {stdin: '{"actor":"octocat"}'})).stdout).toMatch(/^acquired\n## containers\n/);
  });

  it('lock: reads the upstream file the last deploy wrote when the one named is not there yet', async () => {
    const host = stubShell(shell);
    host.stub('docker', 'true');
    const state = join(host.dir, 'web');
    mkdirSync(state);
    writeFileSync(join(host.dir, 'old-upstream'), '# container: 127.0.0.1:20001\n');
    writeFileSync(join(state, 'upstream-file'), `${join(host.dir, 'old-upstream')}\n`);
    const values = {lock_dir: join(state, 'lock'), token: 't', service: 'web', upstream_file: join(host.dir, 'new-upstream'), history: join(state, 'history')};
    const {stdout} = await host.run(lockScript, values, {stdin: '{}'});
    expect(stdout).toContain(`## upstream\n# container: 127.0.0.1:20001\n## upstream-file\n${join(host.dir, 'old-upstream')}\n## history\n`);
  });

  it('unlock: releases only the holder’s lock, removing the stopped containers', async () => {
    const host = stubShell(shell);
    host.stub('docker', '[ "$1" = ps ] && echo stopped-one; true');
    const lock = join(host.dir, 'lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'token'), 't1');
    expect((await host.run(unlockScript, {lock_dir: lock, token: 't2', service: 'web'})).stdout).toBe('');
    expect(existsSync(lock)).toBe(true);
    expect((await host.run(unlockScript, {lock_dir: lock, token: 't1', service: 'web'})).stdout).toBe('released\n');
    expect(existsSync(lock)).toBe(false);
    expect(host.calls('docker')).toEqual([
      'ps -aq --filter label=circuitverse.deploy.service=web --filter status=exited --filter status=created',
      'rm stopped-one',
    ]);
  });

  it('pre-deploy: runs the container detached and labelled, waits, prints its log, removes it, ends with its exit code', async () => {
    const host = stubShell(shell);
    host.stub('docker', 'case $1 in wait) echo 3 ;; logs) echo "== 20261203 CreateUsers: migrating"; echo "exit 1 is not the last line" >&2 ;; esac');
    const result = await host.run(
      preDeployScript,
      {
        name: 'web-pre-deploy-abc',
        service_label: 'circuitverse.deploy.service=web',
        role_label: 'circuitverse.deploy.role=pre-deploy',
        env_file: '/var/lib/circuitverse-deploy/web/env/v2.env',
        image: 'app:v2',
        command: 'bin/rails db:migrate',
      },
      {rest: ['--memory', '536870912', '--network', 'host']},
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('== 20261203 CreateUsers: migrating\nexit 3\n');
    expect(result.stderr).toBe('exit 1 is not the last line\n');
    expect(host.calls('docker')).toEqual([
      'run --detach --name web-pre-deploy-abc --label circuitverse.deploy.service=web --label circuitverse.deploy.role=pre-deploy --env-file /var/lib/circuitverse-deploy/web/env/v2.env --pull never --memory 536870912 --network host app:v2 sh -c bin/rails db:migrate',
      'wait web-pre-deploy-abc',
      'logs web-pre-deploy-abc',
      'rm web-pre-deploy-abc',
    ]);
  });

  it('start: writes the env file 0600 and publishes on the first free host port', async () => {
    const host = stubShell(shell);
    host.stub('docker', 'case "$*" in *20001:3000*) echo "Bind for 127.0.0.1:20001 failed: port is already allocated" >&2; exit 125 ;; esac; echo id');
    const envFile = join(host.dir, 'env/v2.env');
    const result = await host.run(
      startScript,
      {name: 'web-v2-abc', port: '3000', env_file: envFile, host_ports: '20001 20002'},
      {rest: ['app:v2'], stdin: 'A=1\n'},
    );
    expect(result).toMatchObject({code: 0, stdout: '20002\n'});
    expect(readFileSync(envFile, 'utf8')).toBe('A=1\n');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(host.calls('docker')).toEqual([
      'run --detach --name web-v2-abc --publish 127.0.0.1:20001:3000 app:v2',
      'rm --force web-v2-abc',
      'run --detach --name web-v2-abc --publish 127.0.0.1:20002:3000 app:v2',
    ]);
  });

  it('finish: removes stopped containers and releases no longer kept, then the lock', async () => {
    const host = stubShell(shell);
    host.stub('docker', '[ "$1" = ps ] && echo old-container; true');
    const envDir = join(host.dir, 'env');
    mkdirSync(envDir);
    for (const version of ['v1', 'v2', 'v3']) writeFileSync(join(envDir, `${version}.env`), '');
    const lock = join(host.dir, 'lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'token'), 't1');
    await host.run(finishScript, {lock_dir: lock, token: 't1', service: 'web', env_dir: envDir}, {rest: ['v2.env', 'v3.env', '--', 'app:v1']});
    expect(['v1', 'v2', 'v3'].map(version => existsSync(join(envDir, `${version}.env`)))).toEqual([false, true, true]);
    expect(host.calls('docker')).toEqual([
      'ps -aq --filter label=circuitverse.deploy.service=web --filter status=exited --filter status=created',
      'rm old-container',
      'image rm app:v1',
    ]);
    expect(existsSync(lock)).toBe(false);
  });

  it('write private file: 0600 from the first byte', async () => {
    const host = stubShell(shell);
    const file = join(host.dir, 'a/b/secret.env');
    await host.run(writePrivateFileScript, {file}, {stdin: 'SECRET=1\n'});
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('SECRET=1\n');
  });

  it('inspect: one line of state, with the oom events of a container that is not running as it should', async () => {
    const host = stubShell(shell);
    host.stub('docker', `case $1 in inspect) echo 'restarting||137|2|false|268435456|2026-12-03T00:00:00.5Z' ;; events) echo x; echo x ;; esac`);
    const result = await host.run(inspectScript, {name: 'web-v2-abc'});
    expect(result.stdout).toBe('restarting||137|2|false|268435456|2\n');
    expect(host.calls('docker')[1]).toMatch(/^events --since 2026-12-03T00:00:00\.5Z --until \d+ --filter container=web-v2-abc --filter event=oom --format x$/);
  });

  it('inspect: asks for no events while the container runs with no restart', async () => {
    const host = stubShell(shell);
    host.stub('docker', `echo 'running|healthy|0|0|false|0|2026-12-03T00:00:00Z'`);
    expect((await host.run(inspectScript, {name: 'web-v2-abc'})).stdout).toBe('running|healthy|0|0|false|0|0\n');
    expect(host.calls('docker')).toHaveLength(1);
  });

  it('stop: quiets the container with its signal first, then stops it within the timeout', async () => {
    const host = stubShell(shell);
    host.stub('docker', '');
    await host.run(stopScript, {name: 'web-sidekiq-v1-abc', quiet: 'SIGTSTP', seconds: '30'});
    expect(host.calls('docker')).toEqual(['kill --signal SIGTSTP web-sidekiq-v1-abc', 'stop --time 30 web-sidekiq-v1-abc']);
  });

  it('memory: gives MemAvailable in bytes and what each container uses', async () => {
    const host = stubShell(shell);
    // A pid with no cgroup to read: docker stats tells instead.
    host.stub('docker', `case $1 in inspect) echo 999999999 ;; stats) printf 'web-v1-abc\\t85.5MiB / 23.5GiB\\n' ;; esac`);
    const report = parseMemoryReport((await host.run(memoryScript, {}, {rest: ['web-v1-abc']})).stdout);
    expect(report.availableBytes).toBeGreaterThan(1024 ** 2);
    expect(report.usage).toEqual(new Map([['web-v1-abc', Math.round(85.5 * 1024 ** 2)]]));
  });

  describe('plan', () => {
    // The docker of a host that has app:v1 and not app:v2, whose registry has app:v2 in two layers. Its root dir is the
    // test's, for the real df: busybox sh runs its own df applet whatever PATH says.
    const docker = (dir: string) => `case "$1 $2" in
  'image inspect') [ "$5" = app:v1 ] && echo 'present sha256:img1 r/app@sha256:d1' || exit 1 ;;
  'version --format') echo linux/amd64 ;;
  'info --format') echo '${dir}' ;;
  'login --username') cat >"$DOCKER_CONFIG/password"; echo "$DOCKER_CONFIG" >'${dir}/config-path' ;;
  'manifest inspect') echo '{"Descriptor":{"digest":"sha256:m2","platform":{"os":"linux","architecture":"amd64"}},"SchemaV2Manifest":{"layers":[{"size":1000},{"size":234}]}}' ;;
esac`;
    const values = (dir: string) => ({
      image: 'app:v2',
      serving_image: 'app:v1',
      serving_env: join(dir, 'v1.env'),
      target_env: '',
      lock_dir: join(dir, 'lock'),
      pull: 'yes',
      registry: '127.0.0.1:5000',
      user: 'deployer',
      insecure: 'yes',
    });

    it('plan: reads keys and never values, the disk, the platform, and the size of an image not present, logging in as the pull does', async () => {
      const host = stubShell(shell);
      host.stub('docker', docker(host.dir));
      writeFileSync(join(host.dir, 'v1.env'), 'RAILS_ENV=production\nSECRET_KEY_BASE=hunter2=x\n not a key line=leak\n');
      mkdirSync(join(host.dir, 'lock'));
      writeFileSync(join(host.dir, 'lock/holder'), '{"actor":"octocat"}');
      const result = await host.run(planScript, values(host.dir), {stdin: 'pw'});
      expect(result.code).toBe(0);
      expect(result.stdout).not.toMatch(/production|hunter2|leak/);
      expect(parsePlanFacts(result.stdout)).toEqual({
        image: undefined,
        servingImage: {id: 'sha256:img1', repoDigests: ['r/app@sha256:d1']},
        platform: 'linux/amd64',
        disk: {dockerRoot: host.dir, availableBytes: expect.any(Number)},
        servingEnv: {keys: ['RAILS_ENV', 'SECRET_KEY_BASE']},
        targetEnv: undefined,
        lockHolder: {actor: 'octocat'},
        manifest: {digest: 'sha256:m2', layerBytes: 1234},
      });
      expect(host.calls('docker').filter(call => /^(login|manifest)/.test(call))).toEqual([
        'login --username deployer --password-stdin 127.0.0.1:5000',
        'manifest inspect --verbose --insecure app:v2',
      ]);
      expect(existsSync(readFileSync(join(host.dir, 'config-path'), 'utf8').trim())).toBe(false);
      expect(parsePlanFacts(result.stdout).disk?.availableBytes).toBeGreaterThan(0);
    });

    it('plan: asks no registry for an image present, or for a rollback, and says when an env file is missing', async () => {
      const host = stubShell(shell);
      host.stub('docker', docker(host.dir));
      const present = await host.run(planScript, {...values(host.dir), image: 'app:v1', target_env: join(host.dir, 'v0.env')});
      const rollback = await host.run(planScript, {...values(host.dir), pull: ''});
      expect(parsePlanFacts(present.stdout)).toMatchObject({
        image: {id: 'sha256:img1'},
        servingEnv: {missing: 'missing'},
        targetEnv: {missing: 'missing'},
        lockHolder: undefined,
        manifest: undefined,
      });
      expect(parsePlanFacts(rollback.stdout)).toMatchObject({image: undefined, manifest: undefined});
      expect(host.calls('docker').filter(call => /^(login|manifest)/.test(call))).toEqual([]);
    });

    it('plan: reports the size as unknown when the registry refuses the login', async () => {
      const host = stubShell(shell);
      host.stub('docker', `[ "$1" = login ] && exit 1; ${docker(host.dir)}`);
      const result = await host.run(planScript, values(host.dir), {stdin: 'wrong'});
      expect(result.code).toBe(0);
      expect(parsePlanFacts(result.stdout)).toMatchObject({manifest: undefined, platform: 'linux/amd64'});
    });
  });
});
