import {ConfigError} from './errors.js';
import type {Environment} from './inputs.js';
import type {Logger} from './logger.js';

export type SpanAttributeValue = string | number | boolean | string[];
/** Attributes of a span or an event; `undefined` ones are left out. */
export type SpanAttributes = Record<string, SpanAttributeValue | undefined>;

/** The span a piece of work runs in: what it learns on the way goes on it. */
export interface Span {
  setAttributes(attributes: SpanAttributes): void;
  addEvent(name: string, attributes?: SpanAttributes): void;
}

/**
 * Where an action's run.ts says what it does as spans of one trace. The actions' code only sees this interface: with
 * no OTLP endpoint configured it is `noopTracer`, and no OpenTelemetry code is loaded at all.
 */
export interface Tracer {
  /**
   * Runs `work` in a new span, the child of the span it is called in. A throw ends the span with status ERROR and an
   * exception event, and goes on up.
   */
  span<T>(name: string, attributes: SpanAttributes, work: (span: Span) => Promise<T>): Promise<T>;
  /**
   * A span that is over already, timed elsewhere (the marks a remote script printed), under the current span; with
   * `error`, one that failed.
   */
  recordSpan(name: string, times: {startMs: number; endMs: number}, attributes?: SpanAttributes, error?: unknown): void;
  /** The current span's W3C `traceparent`, for a process that continues the trace; `undefined` when not tracing. */
  traceparent(): string | undefined;
}

const noopSpan: Span = {setAttributes: () => undefined, addEvent: () => undefined};

/** The tracer when nothing is exported: runs the work, records nothing. */
export const noopTracer: Tracer = {
  span: (_name, _attributes, work) => work(noopSpan),
  recordSpan: () => undefined,
  traceparent: () => undefined,
};

/** The run of one action as a trace: its root span around the work, then a flush that is bounded in time. */
export interface Tracing {
  tracer: Tracer;
  /** Runs `work` in the root span, a child of `parent` (a `traceparent`) when given; its result goes on the span. */
  root<T>(name: string, attributes: SpanAttributes, parent: string | undefined, work: () => Promise<T>): Promise<T>;
  /** Sends what is left, giving up after the flush bound; never throws. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `service.name` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. */
  serviceName: string;
  /** Said once at most, when the collector cannot be reached or refuses the spans. */
  warn: (message: string) => void;
  /** Hides masked secrets in every text that goes into the trace. */
  redact: (text: string) => string;
}

/** How long the end of a step may wait for the collector: the last export, and each export before it. */
export const flushTimeoutMs = 2000;

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
    throw new ConfigError('traceparent', `is not a W3C traceparent ("${value}")`, 'Pass the traceparent output of an earlier step, e.g. 00-<32 hex>-<16 hex>-01.');
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
