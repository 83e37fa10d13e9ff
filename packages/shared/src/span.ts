// The tracing seam's types, apart from tracer.ts so that the SDK's module (otlp-tracing.ts) and the code that
// imports it on demand share them without importing each other.

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

/** The run of one action as a trace: its root span around the work, then a flush that is bounded in time. */
export interface Tracing {
  tracer: Tracer;
  /** Runs `work` in the root span, a child of `parent` (a `traceparent`) when given; its result goes on the span. */
  root<T>(name: string, attributes: SpanAttributes, parent: string | undefined, work: (root: Span) => Promise<T>): Promise<T>;
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
