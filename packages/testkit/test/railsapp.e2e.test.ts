import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {keyValueLines, railsAppSettings, resetAppDatabase} from '../src/rails-app.js';
import {findSandbox, type SandboxHost} from '../src/sandbox.js';
import {sshRun} from '../src/ssh.js';

const sandbox = findSandbox();

// Its own database and Redis db, so deploy tests using the shared `railsapp` ones never see this file's rows or jobs.
const database = 'railsapp_e2e_sandbox';
const redisDb = 9;
// Files in the host's /root (its own), removed again at the end.
const envFile = '/root/railsapp-e2e.env';
const dockerConfig = '/root/.railsapp-e2e-docker';
const prefix = 'railsapp-e2e';

describe.skipIf(!sandbox?.railsApp)('the sandbox Rails app', () => {
  if (!sandbox?.railsApp) return;
  const [, host2, host3] = sandbox.hosts as [SandboxHost, SandboxHost, SandboxHost];
  const {v1, v3} = sandbox.railsApp.releases;
  const on = (host: SandboxHost, script: string, input?: string) => sshRun(sandbox, host, `set -eu\n${script}`, {input});
  const run = `docker run --rm --env-file ${envFile}`;

  beforeAll(async () => {
    await resetAppDatabase(sandbox, database);
    const {env, secrets} = railsAppSettings(sandbox, {database, redisDb});
    // Secrets and the registry password reach the hosts on stdin, never in argv.
    const input = `${sandbox.registry.password}\n${keyValueLines({...env, ...secrets})}`;
    await Promise.all(
      [host2, host3].map(host =>
        on(
          host,
          `docker rm -f $(docker ps -aq --filter name=^${prefix}-) >/dev/null 2>&1 || true
umask 077; read -r password; cat >${envFile}; mkdir -p ${dockerConfig}
printf '%s' "$password" | DOCKER_CONFIG=${dockerConfig} docker login -u ${sandbox.registry.username} --password-stdin ${sandbox.registry.address} >/dev/null 2>&1
DOCKER_CONFIG=${dockerConfig} docker pull -q ${v1.ref} >/dev/null
DOCKER_CONFIG=${dockerConfig} docker pull -q ${v3.ref} >/dev/null`,
          input,
        ),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(
      [host2, host3].map(host =>
        on(host, `docker rm -f $(docker ps -aq --filter name=^${prefix}-) >/dev/null 2>&1 || true; rm -rf ${envFile} ${dockerConfig}`),
      ),
    );
  });

  it("reaches host1's PostgreSQL and Redis from containers on host2 and host3", async () => {
    const check = `${run} ${v1.ref} ruby -rpg -rredis -e 'puts PG.connect(ENV["DATABASE_URL"]).exec("SELECT 1").getvalue(0, 0), Redis.new(url: ENV["REDIS_URL"]).ping'`;
    const answers = await Promise.all([host2, host3].map(host => on(host, check)));
    for (const {stdout} of answers) expect(stdout.trim().split('\n')).toEqual(['1', 'PONG']);
  });

  it("migrates v1, serves /up from the database, and runs a Sidekiq job once; v3's migration fails", async () => {
    const migrate = await on(host2, `${run} ${v1.ref} bin/rails db:migrate 2>&1`);
    expect(migrate.stdout).toContain('CreateJobRuns: migrated');

    // 127.0.0.1 on the host only; the job's token is unique per run, though the database is fresh anyway.
    const token = `e2e-${Date.now()}`;
    const {stdout} = await on(
      host2,
      `docker run -d --name ${prefix}-web --env-file ${envFile} -p 127.0.0.1:3901:3000 ${v1.ref} >/dev/null
docker run -d --name ${prefix}-worker --env-file ${envFile} ${v1.ref} bundle exec sidekiq >/dev/null
for i in $(seq 100); do curl -fs -o /dev/null localhost:3901/up && break; sleep 0.2; done
curl -s -D - localhost:3901/up | tr -d '\\r' | grep -E '^(HTTP|X-App-Version)'
curl -fs -XPOST 'localhost:3901/jobs?token=${token}&seconds=1' >/dev/null
for i in $(seq 100); do
  runs=$(curl -fs localhost:3901/jobs/${token})
  case $runs in *finished_at\\":\\"*) break;; esac
  sleep 0.2
done
echo "$runs"`,
    );
    const [status, version, runs] = stdout.trim().split('\n');
    expect(status).toMatch(/^HTTP\/1.1 200/);
    expect(version).toBe('X-App-Version: v1');
    const parsed = JSON.parse(runs ?? '[]') as {release: string; finished_at: string | null}[];
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({release: 'v1', finished_at: expect.any(String)});

    // Release 3 brings release 2's migration and then one that raises: the one-off container must exit non-zero.
    const failed = await on(
      host2,
      `${run} ${v3.ref} bin/rails db:migrate >/tmp/${prefix}-v3.log 2>&1 && echo "exit 0" || echo "exit $?"; grep -m1 'fails on purpose' /tmp/${prefix}-v3.log; rm -f /tmp/${prefix}-v3.log`,
    );
    const [exit, reason] = failed.stdout.trim().split('\n');
    expect(exit).not.toBe('exit 0');
    expect(reason).toContain("release 3's migration fails on purpose");
  });
});
