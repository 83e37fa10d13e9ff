import {ConfigError} from './errors.js';
import type {Environment} from './inputs.js';
import type {Logger} from './logger.js';
import type {Span, SpanAttributes, Tracer, Tracing, TracingOptions} from './span.js';

/** The span when nothing is recorded. */
export const noopSpan: Span = {setAttributes: () => undefined, addEvent: () => undefined};

/** The tracer when nothing is exported: runs the work, records nothing. */
export const noopTracer: Tracer = {
  span: (_name, _attributes, work) => work(noopSpan),
  recordSpan: () => undefined,
  traceparent: () => undefined,
};

/** Whether the environment asks for traces: the OpenTelemetry SDK's own variables, the same as for any service. */
export function tracesRequested(environment: Environment): boolean {
  if (environment.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (environment.OTEL_TRACES_EXPORTER?.trim() === 'none') return false;
  return Boolean(environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || environment.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/**
 * Tracing over OTLP/HTTP when the environment configures an endpoint, else `undefined`. The SDK is imported only
 * here, on demand: a step without an endpoint loads none of it.
 */
export async function startTracing(environment: Environment, options: TracingOptions): Promise<Tracing | undefined> {
  if (!tracesRequested(environment)) return undefined;
  const {createOtlpTracing} = await import('./otlp-tracing.js');
  return createOtlpTracing(environment, options);
}

const traceparentPattern = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A `traceparent` input: blank is none (an earlier step that did not trace gives an empty output); else W3C's form. */
export function parseTraceparent(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!traceparentPattern.test(value)) {
    throw new ConfigError(
      'traceparent',
      `is not a W3C traceparent ("${value}")`,
      'Pass the traceparent output of an earlier step, e.g. 00-<32 hex>-<16 hex>-01.',
    );
  }
  return value;
}

/** The trace ID in a `traceparent`. */
export function traceIdOf(traceparent: string): string {
  return traceparent.split('-')[1] as string;
}

/** A phase both in the log (a group ending with its duration) and in the trace (a span named `span`). */
export function runPhase<T>(
  collaborators: {logger: Logger; tracer: Tracer},
  span: string,
  title: string,
  work: (span: Span) => Promise<T>,
  attributes: SpanAttributes = {},
): Promise<T> {
  return collaborators.tracer.span(span, attributes, current => collaborators.logger.group(title, () => work(current)));
}
