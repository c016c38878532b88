/**
 * trace:* — while started for a graph, network events of that graph are kept (bounded) and
 * dumped as a Flowtrace (https://github.com/flowbased/flowtrace) JSON string.
 */
import type { Core } from '../core.ts';
import type { Handler } from '../dispatch.ts';

type Payload = Record<string, unknown>;

export const TRACE_COMMANDS = ['start', 'stop', 'dump', 'clear'] as const;
export type TraceCommand = (typeof TRACE_COMMANDS)[number];

/** Events kept per graph when the client gives no buffersize. */
const DEFAULT_EVENTS = 1000;
/** Rough bytes per event, to turn a buffersize into an event count. */
const BYTES_PER_EVENT = 1024;

interface Trace {
  recording: boolean;
  limit: number;
  started: string;
  events: { protocol: string; command: string; payload: Payload; time: string }[];
}

export interface Tracer {
  record(protocol: string, command: string, payload: Payload): void;
}

export function createTracer(): Tracer & { traces: Map<string, Trace> } {
  const traces = new Map<string, Trace>();
  return {
    traces,
    record(protocol, command, payload) {
      if (protocol !== 'network' || typeof payload.graph !== 'string') return;
      const t = traces.get(payload.graph);
      if (!t?.recording) return;
      t.events.push({ protocol, command, payload, time: new Date().toISOString() });
      if (t.events.length > t.limit) t.events.splice(0, t.events.length - t.limit);
    },
  };
}

const tracesOf = (core: Core) => (core.tracer as ReturnType<typeof createTracer>).traces;

export const traceHandlers = {
  start(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    const buffersize = typeof p.buffersize === 'number' && p.buffersize > 0 ? Math.floor(p.buffersize) : undefined;
    const limit = buffersize ? Math.max(1, Math.floor(buffersize / BYTES_PER_EVENT)) : DEFAULT_EVENTS;
    const existing = tracesOf(ctx.core).get(id);
    tracesOf(ctx.core).set(id, { recording: true, limit, started: new Date().toISOString(), events: existing?.events ?? [] });
    ctx.reply('start', { graph: id, ...(buffersize ? { buffersize } : {}) });
  },
  stop(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    const t = tracesOf(ctx.core).get(id);
    if (t) t.recording = false;
    ctx.reply('stop', { graph: id });
  },
  dump(p: Payload, ctx) {
    const handle = ctx.core.graphs.resolve(p);
    const t = tracesOf(ctx.core).get(handle.id);
    const flowtrace = {
      header: {
        metadata: { start: t?.started, end: new Date().toISOString(), runtime: ctx.core.options.runtimeId, type: 'imgflow', label: ctx.core.options.label },
        graphs: { [handle.id]: handle.graph },
        main: handle.id,
      },
      events: t?.events ?? [],
    };
    ctx.reply('dump', { graph: handle.id, type: 'flowtrace.json', flowtrace: JSON.stringify(flowtrace) });
  },
  clear(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    const t = tracesOf(ctx.core).get(id);
    if (t) t.events = [];
    ctx.reply('clear', { graph: id });
  },
} satisfies { [C in TraceCommand]: Handler };
