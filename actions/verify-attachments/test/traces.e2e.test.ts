import {readdir, readFile, writeFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {type OtlpReceiver, runAction, startOtlpReceiver} from '@circuitverse/testkit';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const action = join(import.meta.dirname, '..');
// A run that gets as far as its first stage and fails there, in well under a second, with nothing else running.
const inputs = {'blobs-file': join(tmpdir(), 'no-such-blobs.ndjson'), services: 'amazon=traced-bucket'};

/** A module hook that writes every module the step's Node resolves to a file, one URL a line. */
async function moduleLog(name: string): Promise<{env: Record<string, string>; loaded: () => Promise<string[]>}> {
  const log = join(tmpdir(), `modules-${name}-${process.pid}.txt`);
  const hook = join(tmpdir(), `module-hook-${process.pid}.mjs`);
  await writeFile(log, '');
  await writeFile(
    hook,
    `import {registerHooks} from 'node:module';\nimport {appendFileSync} from 'node:fs';\nregisterHooks({resolve(specifier, context, next) {\n  const result = next(specifier, context);\n  appendFileSync(process.env.MODULE_LOG, result.url + '\\n');\n  return result;\n}});\n`,
  );
  return {
    env: {NODE_OPTIONS: `--import=${hook}`, MODULE_LOG: log},
    loaded: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean),
  };
}

/** The bundle's chunks that hold OpenTelemetry code: ncc splits the dynamic import off the entry. */
async function openTelemetryChunks(): Promise<string[]> {
  const dist = join(action, 'dist');
  const chunks: string[] = [];
  for (const file of await readdir(dist)) {
    if (file.endsWith('.js') && /OTLPTraceExporter|BatchSpanProcessor/.test(await readFile(join(dist, file), 'utf8'))) chunks.push(file);
  }
  return chunks;
}

describe('verify-attachments traces', () => {
  let receiver: OtlpReceiver;
  // Accepts connections and never answers: a collector that hangs.
  let blackhole: Server;
  let blackholePort: number;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    blackhole = createServer(() => undefined);
    await new Promise<void>(resolve => blackhole.listen(0, '127.0.0.1', resolve));
    blackholePort = (blackhole.address() as {port: number}).port;
  });

  afterAll(async () => {
    await receiver?.close();
    blackhole?.close();
  });

  it('keeps OpenTelemetry in a chunk of its own, which a step without an endpoint never loads', async () => {
    const chunks = await openTelemetryChunks();
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks).not.toContain('index.js');

    const unset = await moduleLog('unset');
    const run = await runAction(action, {inputs, env: unset.env});
    expect(run.exitCode).toBe(1);
    expect(run.outputs['trace-id']).toBeUndefined();
    const loadedUnset = await unset.loaded();
    expect(loadedUnset.some(url => url.endsWith('/dist/index.js'))).toBe(true);
    expect(loadedUnset.filter(url => chunks.some(chunk => url.endsWith(`/${chunk}`)))).toEqual([]);

    // The same run with an endpoint does load them: the hook sees the chunks when they are read.
    const set = await moduleLog('set');
    // The signal's own endpoint variable, and the service name and resource as any SDK reads them.
    const traced = await runAction(action, {
      inputs,
      env: {
        ...set.env,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
        OTEL_SERVICE_NAME: 'attachments-check',
        OTEL_RESOURCE_ATTRIBUTES: 'team=storage,deployment.environment.name=production',
      },
    });
    expect(traced.exitCode).toBe(1);
    expect((await set.loaded()).filter(url => chunks.some(chunk => url.endsWith(`/${chunk}`))).length).toBeGreaterThan(0);
    const spans = receiver.spans.filter(span => span.traceId === traced.outputs['trace-id']);
    expect(spans[0]?.resource).toMatchObject({'service.name': 'attachments-check', team: 'storage', 'deployment.environment.name': 'production'});
    // The bucket check comes before the blobs are opened, and finds no traced-bucket.
    expect(spans.map(span => [span.name, span.statusCode]).sort()).toEqual([
      ['buckets', 2],
      ['verify-attachments', 2],
    ]);
  });

  it('traces a step that fails on a bad input: the root span carries the ConfigError', async () => {
    const run = await runAction(action, {inputs: {services: 'amazon=traced-bucket'}, env: {OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint}});
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/^Input "database-url" is required/);
    const spans = receiver.spans.filter(span => span.traceId === run.outputs['trace-id']);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({name: 'verify-attachments', statusCode: 2, attributes: {'error.type': 'ConfigError', 'cicd.pipeline.result': 'failure'}});
  });

  it.each([
    ['refuses connections', () => 'http://127.0.0.1:9'],
    ['never answers', () => `http://127.0.0.1:${blackholePort}`],
  ])('finishes as without tracing, with one warning, when the collector %s', async (_what, endpoint) => {
    const plainStarted = Date.now();
    const plain = await runAction(action, {inputs});
    const plainMs = Date.now() - plainStarted;
    const started = Date.now();
    const run = await runAction(action, {inputs, env: {OTEL_EXPORTER_OTLP_ENDPOINT: endpoint(), OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=never-logged-42'}});
    const tookMs = Date.now() - started;
    expect(run.exitCode).toBe(plain.exitCode);
    expect(run.errors).toEqual(plain.errors);
    expect(run.warnings).toHaveLength(plain.warnings.length + 1);
    expect(run.warnings.filter(warning => warning.startsWith('OpenTelemetry: could not send the trace'))).toHaveLength(1);
    expect(run.rawLog).not.toContain('never-logged-42');
    // For the record, not a bound: the flush gives up after 2 s.
    console.log(`collector that ${_what}: the step took ${tookMs} ms, ${plainMs} ms without tracing`);
  });
});
