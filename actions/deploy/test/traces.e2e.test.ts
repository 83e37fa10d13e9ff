import {createHash} from 'node:crypto';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
  type ActionRun,
  findSandbox,
  hostRun,
  type OtlpReceiver,
  type ReceivedSpan,
  railsAppDeployInputs,
  resetAppDatabase,
  runAction,
  runActionJob,
  type SandboxHost,
  startOtlpReceiver,
} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {deployInputs, serveFresh} from './sandbox-service.js';

const actions = join(import.meta.dirname, '..', '..');
const sandbox = findSandbox();
const service = 'traced';
const port = 8101;
const database = 'cv_traced';
// The token a collector would ask for: it reaches the collector and nothing else.
const collectorToken = 'otlp-token-8c1f2b';
const sha = '0123456789abcdef0123456789abcdef01234567';

/** What each span is in the tests' words: its name, and the host it ran on when it ran on one. */
function describeSpan(span: ReceivedSpan): string {
  const host = span.attributes['server.address'];
  return typeof host === 'string' && span.name !== 'push' ? `${span.name} ${host}` : span.name;
}

/** The children of `parent`, described and sorted: hosts work in parallel, so start order says nothing. */
function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): string[] {
  return spans
    .filter(span => span.parentSpanId === parent.spanId)
    .map(describeSpan)
    .sort();
}

function only(spans: ReceivedSpan[], name: string, host?: string): ReceivedSpan {
  const found = spans.filter(span => span.name === name && (host === undefined || span.attributes['server.address'] === host));
  expect(found, `${name} ${host ?? ''}`).toHaveLength(1);
  return found[0] as ReceivedSpan;
}

async function waitForSpans(receiver: OtlpReceiver, traceId: string, root: string): Promise<ReceivedSpan[]> {
  // The bundles flush before they exit; a request still in the receiver's hands is done within moments.
  for (let attempt = 0; attempt < 50; attempt++) {
    const spans = receiver.spans.filter(span => span.traceId === traceId);
    if (spans.some(span => span.name === root && span.parentSpanId === '')) return spans;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return receiver.spans.filter(span => span.traceId === traceId);
}

async function containerEnv(host: SandboxHost, name: string): Promise<string | undefined> {
  const stdout = await hostRun(host, [
    'sh',
    '-c',
    `docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' $(docker ps -q --filter label=circuitverse.deploy.service=${service})`,
  ]);
  return stdout
    .split('\n')
    .find(line => line.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

describe.skipIf(!sandbox)('traces of a build → deploy → verify run', () => {
  if (!sandbox) return;
  const [host1] = sandbox.hosts as [SandboxHost];
  const app = railsAppDeployInputs(sandbox, {database});
  const deploy = {
    ...deployInputs(sandbox, service),
    env: app.env,
    secrets: app.secrets,
    'health-timeout': '90s',
  };
  let receiver: OtlpReceiver;
  const otel = () => ({OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${collectorToken}`});

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    await resetAppDatabase(sandbox, database);
    const v1 = sandbox.railsApp.releases.v1;
    // What serves before: the pipeline's deploy then replaces a running release, so its trace has drains and stops.
    await serveFresh(join(actions, 'deploy'), sandbox, service, port, {...deploy, 'pre-deploy': 'bin/rails db:migrate'}, v1.ref);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('is one trace with the specified spans, attributes and context handed from step to step', async () => {
    const registry = {'registry-username': sandbox.registry.username, 'registry-password': sandbox.registry.password};
    const build = await runActionJob(join(actions, 'build-image'), {
      inputs: {
        image: `${sandbox.registry.address}/${service}`,
        context: join(actions, '..', 'sandbox', 'railsapp'),
        'build-args': `BASE=${sandbox.railsApp.baseImage}\nRELEASE=2`,
        ...registry,
      },
      env: otel(),
    });
    expect(build.main.errors).toEqual([]);
    const {traceparent, 'trace-id': traceId} = build.main.outputs;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceId).toBe(traceparent?.split('-')[1]);

    const image = `${sandbox.registry.address}/${service}:${build.main.outputs.version}@${build.main.outputs.digest}`;
    const deployed = await runActionJob(join(actions, 'deploy'), {
      inputs: {
        ...deploy,
        image,
        // The migration's own telemetry would read TRACEPARENT: here it says what it got.
        'pre-deploy': 'echo "pre-deploy TRACEPARENT=$TRACEPARENT" && bin/rails db:migrate',
        'deployment-environment': 'staging',
        traceparent: traceparent as string,
      },
      env: otel(),
    });
    expect(deployed.main.errors).toEqual([]);
    expect(deployed.main.outputs['trace-id']).toBe(traceId);

    const work = await mkdtemp(join(tmpdir(), 'traced-'));
    const bucket = 'traced-attachments';
    const body = Buffer.from('a traced avatar');
    await fetch(`${sandbox.s3.endpoint}/${bucket}`, {method: 'PUT'});
    await fetch(`${sandbox.s3.endpoint}/${bucket}/avatar`, {method: 'PUT', body});
    const blob = {
      key: 'avatar',
      byte_size: body.length,
      checksum: createHash('md5').update(body).digest('base64'),
      service_name: 'amazon',
      content_type: 'image/png',
      created_at: new Date().toISOString(),
    };
    await writeFile(join(work, 'blobs.ndjson'), `${JSON.stringify(blob)}\n`);
    const verified = await runAction(join(actions, 'verify-attachments'), {
      inputs: {
        'blobs-file': join(work, 'blobs.ndjson'),
        services: `amazon=${bucket}`,
        endpoint: sandbox.s3.endpoint,
        region: sandbox.s3.region,
        traceparent: deployed.main.outputs.traceparent as string,
      },
      env: {...otel(), AWS_ACCESS_KEY_ID: sandbox.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.s3.secretAccessKey},
    });
    expect(verified.errors).toEqual([]);

    const spans = await waitForSpans(receiver, traceId as string, 'build-image');
    const roots = Object.fromEntries(['build-image', 'deploy', 'verify-attachments'].map(name => [name, only(spans, name)]));
    const [buildRoot, deployRoot, verifyRoot] = [roots['build-image'], roots.deploy, roots['verify-attachments']] as ReceivedSpan[];
    expect(buildRoot?.parentSpanId).toBe('');
    expect(deployRoot?.parentSpanId).toBe(buildRoot?.spanId);
    expect(verifyRoot?.parentSpanId).toBe(deployRoot?.spanId);

    expect(childrenOf(spans, buildRoot as ReceivedSpan)).toEqual(['build', 'deploy', 'digest check', 'preflight', 'push']);
    const hosts = sandbox.hosts.map(host => host.address);
    const perHost = (name: string) => hosts.map(host => `${name} ${host}`);
    expect(childrenOf(spans, deployRoot as ReceivedSpan)).toEqual(
      [
        ...perHost('connect'),
        'check memory',
        'check disk',
        ...perHost('pull'),
        ...perHost('lock'),
        ...perHost('env'),
        `pre-deploy ${host1.address}`,
        'rollout',
        ...perHost('finish'),
        'verify-attachments',
      ].sort(),
    );
    expect(childrenOf(spans, only(spans, 'rollout'))).toEqual(
      [...perHost('start'), ...perHost('health'), ...perHost('switch'), ...perHost('drain'), ...perHost('stop')].sort(),
    );
    expect(childrenOf(spans, verifyRoot as ReceivedSpan)).toEqual(['buckets', 'check', 'open', 'plan', 'report']);
    expect(spans).toHaveLength(1 + 4 + 1 + 19 + 15 + 1 + 5);

    // The CI/CD conventions on every root, from the runner's context.
    for (const [name, root] of Object.entries(roots)) {
      expect(root.attributes).toMatchObject({
        'cicd.pipeline.name': 'test',
        'cicd.pipeline.run.id': '4242',
        'cicd.pipeline.run.url.full': 'https://github.com/circuitverse/circuitverse/actions/runs/4242/attempts/1',
        'cicd.pipeline.task.name': name,
        'cicd.pipeline.result': 'success',
        'vcs.repository.url.full': 'https://github.com/circuitverse/circuitverse',
        'vcs.ref.head.revision': sha,
        'vcs.ref.head.name': 'main',
      });
      expect(root.resource['service.name']).toBe(name);
    }
    expect(deployRoot?.attributes).toMatchObject({'deployment.environment.name': 'staging', 'cicd.pipeline.task.type': 'deploy'});
    expect(spans.every(span => span.statusCode === 0)).toBe(true);
    for (const host of hosts) {
      const health = only(spans, 'health', host);
      expect(health.events.length).toBeGreaterThan(0);
      expect(health.events.at(-1)).toMatchObject({name: 'health check', attributes: {'http.response.status_code': 200}});
      expect(health.events.map(event => event.attributes.attempt)).toEqual(health.events.map((_, index) => index + 1));
    }
    expect(only(spans, 'check').attributes).toMatchObject({'verify.checked': 1, 'verify.ok': 1, 'verify.missing': 0});

    // The migration saw the pre-deploy span's context; the app sees its release.
    const preDeploySpan = only(spans, 'pre-deploy');
    expect(deployed.main.log).toContain(`pre-deploy TRACEPARENT=00-${traceId}-${preDeploySpan.spanId}-01`);
    const version = build.main.outputs.version as string;
    for (const host of sandbox.hosts) {
      expect(await containerEnv(host, 'OTEL_RESOURCE_ATTRIBUTES')).toBe(
        `service.version=${version},deployment.environment.name=staging,vcs.ref.head.revision=${version}`,
      );
    }

    // The headers reached the collector, and no log.
    const runs: ActionRun[] = [build.main, deployed.main, verified];
    expect(receiver.requests.every(request => request.headers.authorization === `Bearer ${collectorToken}`)).toBe(true);
    expect(receiver.requests.every(request => request.contentType === 'application/x-protobuf')).toBe(true);
    for (const run of runs) expect(run.rawLog).not.toContain(collectorToken);
  });

  it('marks the host and phase a failed deploy failed on', async () => {
    const run = await runAction(join(actions, 'deploy'), {
      inputs: {...deploy, image: sandbox.railsApp.releases.v2.ref, 'health-path': '/no-such-page', 'health-timeout': '3s', 'batch-size': '1'},
      env: {...otel(), OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json'},
    });
    expect(run.exitCode).toBe(1);
    const spans = await waitForSpans(receiver, run.outputs['trace-id'] as string, 'deploy');
    const failed = spans.filter(span => span.statusCode === 2).map(describeSpan);
    // The first batch is the first host: its health check failed, and so did the run; no other host started.
    const first = host1.address;
    expect(failed.sort()).toEqual(['deploy', `health ${first}`]);
    const health = only(spans, 'health', first);
    expect(health.events.at(-1)).toMatchObject({name: 'exception', attributes: {'exception.type': 'RemoteError'}});
    expect(health.statusMessage).toMatch(/failed its health check at \/no-such-page/);
    expect(only(spans, 'deploy').attributes).toMatchObject({'cicd.pipeline.result': 'failure', 'error.type': 'RemoteError'});
    expect(spans.filter(span => span.name === 'start').map(span => span.attributes['server.address'])).toEqual([first]);
    expect(receiver.requests.at(-1)?.contentType).toBe('application/json');
  });

  it('lets build-image and deploy finish as before, with one warning, when the collector is down', async () => {
    const down = {OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9'};
    const registry = {'registry-username': sandbox.registry.username, 'registry-password': sandbox.registry.password};
    const runs = {
      'build-image': (env: Record<string, string>) =>
        runAction(join(actions, 'build-image'), {
          inputs: {
            image: `${sandbox.registry.address}/${service}`,
            context: join(actions, '..', 'sandbox', 'railsapp'),
            'build-args': `BASE=${sandbox.railsApp.baseImage}\nRELEASE=2`,
            push: 'false',
            ...registry,
          },
          env,
        }),
      // A plan reads every host and changes nothing: the whole connect path, traced.
      deploy: (env: Record<string, string>) =>
        runAction(join(actions, 'deploy'), {inputs: {...deploy, image: sandbox.railsApp.releases.v2.ref, plan: 'true'}, env}),
    };
    for (const [name, run] of Object.entries(runs)) {
      const plainStarted = Date.now();
      const plain = await run({});
      const plainMs = Date.now() - plainStarted;
      const started = Date.now();
      const traced = await run(down);
      const tookMs = Date.now() - started;
      expect(traced.exitCode, name).toBe(plain.exitCode);
      expect(traced.errors, name).toEqual(plain.errors);
      expect(
        traced.warnings.filter(warning => warning.startsWith('OpenTelemetry:')),
        name,
      ).toHaveLength(1);
      expect(traced.warnings.length, name).toBe(plain.warnings.length + 1);
      // For the record, not a bound: the flush gives up after 2 s.
      console.log(`${name} with the collector down: ${tookMs} ms, ${plainMs} ms without tracing`);
    }
  });
});
