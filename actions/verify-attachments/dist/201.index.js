export const id = 201;
export const ids = [201];
export const modules = {

/***/ 1582:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createOtlpTracing: () => (/* binding */ createOtlpTracing)
});

// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+api@1.10.0/node_modules/@opentelemetry/api/dist/trace/status.mjs
var trace_status = __webpack_require__(7308);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+api@1.10.0/node_modules/@opentelemetry/api/dist/context-api.mjs
var context_api = __webpack_require__(7634);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+api@1.10.0/node_modules/@opentelemetry/api/dist/context/context.mjs
var context = __webpack_require__(9825);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+context-async-hooks@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/context-async-hooks/dist/AsyncLocalStorageContextManager.mjs
var AsyncLocalStorageContextManager = __webpack_require__(9712);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+core@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/core/dist/trace/W3CTraceContextPropagator.mjs + 2 modules
var W3CTraceContextPropagator = __webpack_require__(4447);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+core@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/core/dist/ExportResult.mjs
var ExportResult = __webpack_require__(3613);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+exporter-trace-otlp-http@0.301.2_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/exporter-trace-otlp-http/dist/platform/node/OTLPTraceExporter.mjs + 6 modules
var OTLPTraceExporter = __webpack_require__(2767);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+exporter-trace-otlp-proto@0.301.2_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/exporter-trace-otlp-proto/dist/platform/node/OTLPTraceExporter.mjs + 11 modules
var node_OTLPTraceExporter = __webpack_require__(9850);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+resources@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/resources/dist/ResourceImpl.mjs + 5 modules
var ResourceImpl = __webpack_require__(7541);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+resources@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/resources/dist/detect-resources.mjs
var detect_resources = __webpack_require__(6647);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+resources@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/resources/dist/detectors/EnvDetector.mjs + 1 modules
var EnvDetector = __webpack_require__(5743);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+sdk-trace@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/sdk-trace/dist/TracerProvider.mjs + 13 modules
var TracerProvider = __webpack_require__(2746);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@opentelemetry+sdk-trace@3.1.1_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/sdk-trace/dist/platform/node/export/BatchSpanProcessor.mjs + 4 modules
var BatchSpanProcessor = __webpack_require__(1537);
// EXTERNAL MODULE: ../../packages/shared/dist/errors.js
var errors = __webpack_require__(6246);
;// CONCATENATED MODULE: ../../packages/shared/dist/span.js
// The tracing seam's types, apart from tracer.ts so that the SDK's module (otlp-tracing.ts) and the code that
// imports it on demand share them without importing each other.
/** How long the end of a step may wait for the collector: the last export, and each export before it. */
const flushTimeoutMs = 2000;
//# sourceMappingURL=span.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/otlp-tracing.js
// The OpenTelemetry SDK behind the Tracer seam. Only tracer.ts imports this module, dynamically, once the environment
// names an OTLP endpoint: the bundles keep it in a chunk of its own that a step without one never reads.









const propagator = new W3CTraceContextPropagator/* W3CTraceContextPropagator */.lm();
const carrierAccess = {
    get: (carrier, key) => carrier[key],
    set: (carrier, key, value) => {
        carrier[key] = value;
    },
    keys: (carrier) => Object.keys(carrier),
};
/** Passes every export on, and says once that the collector failed: a step's log gets one warning, not one a batch. */
class WarnOnceExporter {
    exporter;
    warn;
    warned = false;
    constructor(exporter, warn) {
        this.exporter = exporter;
        this.warn = warn;
    }
    export(spans, done) {
        this.exporter.export(spans, result => {
            if (result.code !== ExportResult/* ExportResultCode */.V.SUCCESS)
                this.warnOnce(result.error ?? 'refused');
            done(result);
        });
    }
    warnOnce(error) {
        if (this.warned)
            return;
        this.warned = true;
        this.warn(error);
    }
    shutdown() {
        return this.exporter.shutdown();
    }
    forceFlush() {
        return this.exporter.forceFlush?.() ?? Promise.resolve();
    }
}
/** Where the spans go, for the warning: scheme, host and path, never a user or password the URL may carry. */
function describeEndpoint(environment) {
    const traces = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
    const raw = traces || `${(environment.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim().replace(/\/$/, '')}/v1/traces`;
    try {
        const url = new URL(raw);
        return `${url.protocol}//${url.host}${url.pathname}`;
    }
    catch {
        return 'the OTLP endpoint';
    }
}
function toAttributes(attributes, redact) {
    const result = {};
    for (const [key, value] of Object.entries(attributes)) {
        if (value === undefined)
            continue;
        result[key] = typeof value === 'string' ? redact(value) : Array.isArray(value) ? value.map(redact) : value;
    }
    return result;
}
/** What an error is, for error.type: the cause a failure with outputs carries, or the error's class. */
function errorType(error) {
    const cause = error instanceof errors/* FailureWithOutputs */.tY ? error.cause : error;
    return cause instanceof Error ? cause.name : typeof cause;
}
/** Status ERROR with an exception event: the message hides masked secrets, and no stack goes out. */
function recordFailure(span, error, redact) {
    const message = redact((0,errors/* errorMessage */.gJ)(error));
    span.addEvent('exception', { 'exception.type': errorType(error), 'exception.message': message });
    span.setAttribute('error.type', errorType(error));
    span.setStatus({ code: trace_status/* SpanStatusCode */.s.ERROR, message });
}
/** OTLP/HTTP with the SDK's environment variables (endpoint, headers, protocol, resource); see tracer.ts. */
function createOtlpTracing(environment, options) {
    const protocol = (environment.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || environment.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
    if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
        options.warn(`OpenTelemetry: protocol ${protocol} is not supported here, only http/protobuf and http/json; this step sends no trace.`);
        return undefined;
    }
    const endpoint = describeEndpoint(environment);
    // The exporter reads the endpoint and the headers (which may hold a token, and are never logged) itself.
    const config = { timeoutMillis: flushTimeoutMs };
    const exporter = new WarnOnceExporter(protocol === 'http/json' ? new OTLPTraceExporter/* OTLPTraceExporter */.Q(config) : new node_OTLPTraceExporter/* OTLPTraceExporter */.Q(config), error => options.warn(`OpenTelemetry: could not send the trace to ${endpoint} (${options.redact((0,errors/* errorMessage */.gJ)(error))}); the step goes on without it.`));
    const resource = (0,ResourceImpl/* resourceFromAttributes */.QZ)({ 'service.name': options.serviceName }).merge((0,detect_resources/* detectResources */.$)({ detectors: [EnvDetector/* envDetector */.q] }));
    const provider = new TracerProvider/* TracerProvider */.d({
        resource,
        // The SDK keeps the last 128 events of a span; a health wait probes up to four times a second, one event each, and
        // the first attempts of a slow boot tell as much as the last. Longer waits keep their latest 2000.
        spanLimits: { eventCountLimit: 2000 },
        spanProcessors: [new BatchSpanProcessor/* BatchSpanProcessor */.J({ exporter, exportTimeoutMillis: flushTimeoutMs })],
    });
    context_api/* context */._.setGlobalContextManager(new AsyncLocalStorageContextManager/* AsyncLocalStorageContextManager */.H().enable());
    const otel = provider.getTracer('circuitverse-actions');
    const redact = options.redact;
    const run = async (name, attributes, parent, work) => otel.startActiveSpan(name, { attributes: toAttributes(attributes, redact) }, parent, async (span) => {
        try {
            return await work(span);
        }
        catch (error) {
            recordFailure(span, error, redact);
            throw error;
        }
        finally {
            span.end();
        }
    });
    const asSpan = (span) => ({
        setAttributes: attributes => span.setAttributes(toAttributes(attributes, redact)),
        addEvent: (name, attributes) => span.addEvent(name, toAttributes(attributes ?? {}, redact)),
    });
    const tracer = {
        span: (name, attributes, work) => run(name, attributes, context_api/* context */._.active(), span => work(asSpan(span))),
        recordSpan: (name, times, attributes = {}, error = undefined) => {
            const span = otel.startSpan(name, { attributes: toAttributes(attributes, redact), startTime: times.startMs }, context_api/* context */._.active());
            if (error !== undefined)
                recordFailure(span, error, redact);
            span.end(times.endMs);
        },
        traceparent: () => {
            const carrier = {};
            propagator.inject(context_api/* context */._.active(), carrier, carrierAccess);
            return carrier.traceparent;
        },
    };
    return {
        tracer,
        root: (name, attributes, parent, work) => {
            const parentContext = parent === undefined ? context/* ROOT_CONTEXT */.l : propagator.extract(context/* ROOT_CONTEXT */.l, { traceparent: parent }, carrierAccess);
            return run(name, attributes, parentContext, async (span) => {
                try {
                    const result = await work(asSpan(span));
                    span.setAttribute('cicd.pipeline.result', 'success');
                    return result;
                }
                catch (error) {
                    span.setAttribute('cicd.pipeline.result', errorType(error) === 'Cancelled' ? 'cancellation' : 'failure');
                    throw error;
                }
            });
        },
        shutdown: async () => {
            let timer;
            const bound = new Promise(resolve => {
                timer = setTimeout(() => resolve('late'), flushTimeoutMs);
            });
            const finished = await Promise.race([
                provider.shutdown().then(() => 'done', (error) => error),
                bound,
            ]);
            clearTimeout(timer);
            if (finished === 'late')
                exporter.warnOnce(`no answer within ${flushTimeoutMs / 1000} s`);
            else if (finished !== 'done')
                exporter.warnOnce(finished);
            context_api/* context */._.disable();
        },
    };
}
//# sourceMappingURL=otlp-tracing.js.map

/***/ })

};
