// The OpenTelemetry SDK behind the Tracer seam. Only tracer.ts imports this module, dynamically, once the environment
// names an OTLP endpoint: the bundles keep it in a chunk of its own that a step without one never reads.
import {type Attributes, type Context, context, type Span as OtelSpan, ROOT_CONTEXT, SpanStatusCode} from '@opentelemetry/api';
import {AsyncLocalStorageContextManager} from '@opentelemetry/context-async-hooks';
import {type ExportResult, ExportResultCode, W3CTraceContextPropagator} from '@opentelemetry/core';
import {OTLPTraceExporter as JsonTraceExporter} from '@opentelemetry/exporter-trace-otlp-http';
import {OTLPTraceExporter as ProtobufTraceExporter} from '@opentelemetry/exporter-trace-otlp-proto';
import {detectResources, envDetector, resourceFromAttributes} from '@opentelemetry/resources';
import {BatchSpanProcessor, type ReadableSpan, type SpanExporter, TracerProvider} from '@opentelemetry/sdk-trace';
import {errorMessage, FailureWithOutputs} from './errors.js';
import type {Environment} from './inputs.js';
import {flushTimeoutMs, type Span, type SpanAttributes, type Tracer, type Tracing, type TracingOptions} from './span.js';

const propagator = new W3CTraceContextPropagator();
const carrierAccess = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};

/** Passes every export on, and says once that the collector failed: a step's log gets one warning, not one a batch. */
class WarnOnceExporter implements SpanExporter {
  private warned = false;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly warn: (error: unknown) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exporter.export(spans, result => {
      if (result.code !== ExportResultCode.SUCCESS) this.warnOnce(result.error ?? 'refused');
      done(result);
    });
  }

  warnOnce(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(error);
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/** Where the spans go, for the warning: scheme, host and path, never a user or password the URL may carry. */
function describeEndpoint(environment: Environment): string {
  const traces = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const raw = traces || `${(environment.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim().replace(/\/$/, '')}/v1/traces`;
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'the OTLP endpoint';
  }
}

function toAttributes(attributes: SpanAttributes, redact: (text: string) => string): Attributes {
  const result: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    result[key] = typeof value === 'string' ? redact(value) : Array.isArray(value) ? value.map(redact) : value;
  }
  return result;
}

/** What an error is, for error.type: the cause a failure with outputs carries, or the error's class. */
function errorType(error: unknown): string {
  const cause = error instanceof FailureWithOutputs ? error.cause : error;
  return cause instanceof Error ? cause.name : typeof cause;
}

/** Status ERROR with an exception event: the message hides masked secrets, and no stack goes out. */
function recordFailure(span: OtelSpan, error: unknown, redact: (text: string) => string): void {
  const message = redact(errorMessage(error));
  span.addEvent('exception', {'exception.type': errorType(error), 'exception.message': message});
  span.setAttribute('error.type', errorType(error));
  span.setStatus({code: SpanStatusCode.ERROR, message});
}

/** OTLP/HTTP with the SDK's environment variables (endpoint, headers, protocol, resource); see tracer.ts. */
export function createOtlpTracing(environment: Environment, options: TracingOptions): Tracing | undefined {
  const protocol = (environment.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || environment.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    options.warn(`OpenTelemetry: protocol ${protocol} is not supported here, only http/protobuf and http/json; this step sends no trace.`);
    return undefined;
  }
  const endpoint = describeEndpoint(environment);
  // The exporter reads the endpoint and the headers (which may hold a token, and are never logged) itself.
  const config = {timeoutMillis: flushTimeoutMs};
  const exporter = new WarnOnceExporter(protocol === 'http/json' ? new JsonTraceExporter(config) : new ProtobufTraceExporter(config), error =>
    options.warn(`OpenTelemetry: could not send the trace to ${endpoint} (${options.redact(errorMessage(error))}); the step goes on without it.`),
  );
  const resource = resourceFromAttributes({'service.name': options.serviceName}).merge(detectResources({detectors: [envDetector]}));
  const provider = new TracerProvider({
    resource,
    // The SDK keeps the last 128 events of a span; a health wait probes up to four times a second, one event each, and
    // the first attempts of a slow boot tell as much as the last. Longer waits keep their latest 2000.
    spanLimits: {eventCountLimit: 2000},
    spanProcessors: [new BatchSpanProcessor({exporter, exportTimeoutMillis: flushTimeoutMs})],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const otel = provider.getTracer('circuitverse-actions');
  const redact = options.redact;

  const run = async <T>(name: string, attributes: SpanAttributes, parent: Context, work: (span: OtelSpan) => Promise<T>): Promise<T> =>
    otel.startActiveSpan(name, {attributes: toAttributes(attributes, redact)}, parent, async span => {
      try {
        return await work(span);
      } catch (error) {
        recordFailure(span, error, redact);
        throw error;
      } finally {
        span.end();
      }
    });

  const asSpan = (span: OtelSpan): Span => ({
    setAttributes: attributes => span.setAttributes(toAttributes(attributes, redact)),
    addEvent: (name, attributes) => span.addEvent(name, toAttributes(attributes ?? {}, redact)),
  });

  const tracer: Tracer = {
    span: (name, attributes, work) => run(name, attributes, context.active(), span => work(asSpan(span))),
    recordSpan: (name, times, attributes = {}, error = undefined) => {
      const span = otel.startSpan(name, {attributes: toAttributes(attributes, redact), startTime: times.startMs}, context.active());
      if (error !== undefined) recordFailure(span, error, redact);
      span.end(times.endMs);
    },
    traceparent: () => {
      const carrier: Record<string, string> = {};
      propagator.inject(context.active(), carrier, carrierAccess);
      return carrier.traceparent;
    },
  };

  return {
    tracer,
    root: (name, attributes, parent, work) => {
      const parentContext = parent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, {traceparent: parent}, carrierAccess);
      return run(name, attributes, parentContext, async span => {
        try {
          const result = await work(asSpan(span));
          span.setAttribute('cicd.pipeline.result', 'success');
          return result;
        } catch (error) {
          span.setAttribute('cicd.pipeline.result', errorType(error) === 'Cancelled' ? 'cancellation' : 'failure');
          throw error;
        }
      });
    },
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'late'>(resolve => {
        timer = setTimeout(() => resolve('late'), flushTimeoutMs);
      });
      const finished = await Promise.race([
        provider.shutdown().then(
          () => 'done' as const,
          (error: unknown) => error,
        ),
        bound,
      ]);
      clearTimeout(timer);
      if (finished === 'late') exporter.warnOnce(`no answer within ${flushTimeoutMs / 1000} s`);
      else if (finished !== 'done') exporter.warnOnce(finished);
      context.disable();
    },
  };
}
