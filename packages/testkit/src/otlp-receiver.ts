import {createServer, type IncomingHttpHeaders} from 'node:http';
import {createRequire} from 'node:module';
import type {AddressInfo} from 'node:net';

// The OTLP protobuf definitions as the OpenTelemetry JS project generated them from opentelemetry-proto (protobufjs
// static code), from the last otlp-transformer release that shipped them: the receiver decodes with the official
// schema, not with a decoder of ours.
const require = createRequire(import.meta.url);
const otlpRoot = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as OtlpRoot;

interface ProtobufMessageType {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): unknown;
}
interface OtlpRoot {
  opentelemetry: {proto: {collector: {trace: {v1: {ExportTraceServiceRequest: ProtobufMessageType}}}}};
}

type AttributeValue = string | number | boolean | AttributeValue[] | undefined;

/** One span as a test reads it, whichever encoding it came in: ids in hex, attributes as a plain object. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  events: Array<{name: string; attributes: Record<string, AttributeValue>}>;
  /** 0 unset, 1 OK, 2 ERROR, as in OTLP. */
  statusCode: number;
  statusMessage: string;
  /** The resource the span came with. */
  resource: Record<string, AttributeValue>;
}

/** One export request: its encoding and headers, for tests of the protocol and header variables. */
export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
  spans: number;
}

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT: the exporter appends /v1/traces. */
  endpoint: string;
  spans: ReceivedSpan[];
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

interface WireValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: {values?: WireValue[]};
}
interface WireKeyValue {
  key: string;
  value?: WireValue;
}
interface WireSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: WireKeyValue[];
  events?: Array<{name: string; attributes?: WireKeyValue[]}>;
  status?: {code?: number | string; message?: string};
}
interface WireRequest {
  resourceSpans?: Array<{resource?: {attributes?: WireKeyValue[]}; scopeSpans?: Array<{spans?: WireSpan[]}>}>;
}

function attributeValue(value: WireValue | undefined): AttributeValue {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(attributeValue);
  return undefined;
}

function attributesOf(list: WireKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map(entry => [entry.key, attributeValue(entry.value)]));
}

const statusCodes: Record<string, number> = {STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2};

/** OTLP/JSON gives ids in hex; protobuf gives bytes, which toObject turns into hex here. */
function spansOf(request: WireRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap(resourceSpans => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap(scope =>
      (scope.spans ?? []).map(span => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        startMs: Number(BigInt(span.startTimeUnixNano) / 1_000_000n),
        endMs: Number(BigInt(span.endTimeUnixNano) / 1_000_000n),
        attributes: attributesOf(span.attributes),
        events: (span.events ?? []).map(event => ({name: event.name, attributes: attributesOf(event.attributes)})),
        statusCode: typeof span.status?.code === 'string' ? (statusCodes[span.status.code] ?? 0) : (span.status?.code ?? 0),
        statusMessage: span.status?.message ?? '',
        resource,
      })),
    );
  });
}

function decodeProtobuf(body: Buffer): WireRequest {
  const type = otlpRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const object = type.toObject(type.decode(body), {longs: String, defaults: false}) as WireRequest;
  // toObject keeps bytes as Uint8Array: the ids become the hex OTLP/JSON uses.
  for (const resourceSpans of object.resourceSpans ?? []) {
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const raw = span as unknown as {traceId: Uint8Array; spanId: Uint8Array; parentSpanId?: Uint8Array};
        span.traceId = hex(raw.traceId);
        span.spanId = hex(raw.spanId);
        span.parentSpanId = raw.parentSpanId && raw.parentSpanId.length > 0 ? hex(raw.parentSpanId) : '';
      }
    }
  }
  return object;
}

/**
 * An OTLP/HTTP trace receiver on the loopback, as a collector would be: POST /v1/traces in protobuf or JSON, answered
 * with an empty success; with `status`, every request gets that status instead, as from a collector that refuses.
 */
export async function startOtlpReceiver(options: {status?: number} = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = request.headers['content-type'] ?? '';
      try {
        const received = spansOf(contentType.includes('json') ? (JSON.parse(body.toString('utf8')) as WireRequest) : decodeProtobuf(body));
        requests.push({path: request.url ?? '', contentType, headers: request.headers, spans: received.length});
        if (options.status === undefined) spans.push(...received);
        response.writeHead(options.status ?? 200, {'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf'});
        response.end(contentType.includes('json') ? '{}' : '');
      } catch (error) {
        response.writeHead(400);
        response.end(String(error));
      }
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The spans of one trace as a tree of names, children in start order: what a README's trace tree shows. */
export function spanTree(spans: ReceivedSpan[], render: (span: ReceivedSpan) => string = span => span.name): string[] {
  const lines: string[] = [];
  const children = (parent: string) => spans.filter(span => span.parentSpanId === parent).sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(spans.map(span => span.spanId));
  const walk = (span: ReceivedSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${render(span)}`);
    for (const child of children(span.spanId)) walk(child, depth + 1);
  };
  for (const root of spans.filter(span => !ids.has(span.parentSpanId)).sort((a, b) => a.startMs - b.startMs)) walk(root, 0);
  return lines;
}
