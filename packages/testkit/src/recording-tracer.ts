import {AsyncLocalStorage} from 'node:async_hooks';

type Attributes = Record<string, string | number | boolean | string[] | undefined>;

/** A span as the recording tracer kept it: what a unit test of a run's trace looks at. */
export interface RecordedSpan {
  name: string;
  attributes: Attributes;
  events: Array<{name: string; attributes: Attributes}>;
  /** What the work threw, for a span that failed. */
  error: unknown;
  parent: RecordedSpan | undefined;
  children: RecordedSpan[];
  /** The W3C traceparent the span's context propagates as. */
  traceparent: string;
}

/**
 * A Tracer (shared's interface) that keeps every span in memory, nested as the work nests, for unit tests of what a
 * run records: no SDK, no network. `tree` renders it as `name key=value…` lines, two spaces a level.
 */
export function recordingTracer() {
  const current = new AsyncLocalStorage<RecordedSpan>();
  const roots: RecordedSpan[] = [];
  let count = 0;
  const open = (name: string, attributes: Attributes): RecordedSpan => {
    const parent = current.getStore();
    count += 1;
    const span: RecordedSpan = {
      name,
      attributes: {...attributes},
      events: [],
      error: undefined,
      parent,
      children: [],
      traceparent: `00-${'1'.repeat(32)}-${count.toString(16).padStart(16, '0')}-01`,
    };
    (parent ? parent.children : roots).push(span);
    return span;
  };
  const tracer = {
    roots,
    async span<T>(
      name: string,
      attributes: Attributes,
      work: (span: {setAttributes(a: Attributes): void; addEvent(n: string, a?: Attributes): void}) => Promise<T>,
    ): Promise<T> {
      const span = open(name, attributes);
      const handle = {
        setAttributes: (more: Attributes) => Object.assign(span.attributes, more),
        addEvent: (event: string, more: Attributes = {}) => span.events.push({name: event, attributes: more}),
      };
      try {
        return await current.run(span, () => work(handle));
      } catch (error) {
        span.error = error;
        throw error;
      }
    },
    recordSpan(name: string, _times: {startMs: number; endMs: number}, attributes: Attributes = {}, error?: unknown): void {
      open(name, attributes).error = error;
    },
    traceparent: (): string | undefined => current.getStore()?.traceparent,
    /** Every span, depth first. */
    all(): RecordedSpan[] {
      const walk = (spans: RecordedSpan[]): RecordedSpan[] => spans.flatMap(span => [span, ...walk(span.children)]);
      return walk(roots);
    },
    /** The spans as lines of `name` and the attributes named in `keys`, with `!` on a span that failed. */
    tree(keys: string[] = []): string[] {
      const lines: string[] = [];
      const walk = (spans: RecordedSpan[], depth: number) => {
        for (const span of spans) {
          const shown = keys.flatMap(key => (span.attributes[key] === undefined ? [] : [`${key}=${String(span.attributes[key])}`]));
          lines.push(`${'  '.repeat(depth)}${span.error === undefined ? '' : '!'}${[span.name, ...shown].join(' ')}`);
          walk(span.children, depth + 1);
        }
      };
      walk(roots, 0);
      return lines;
    },
  };
  return tracer;
}
