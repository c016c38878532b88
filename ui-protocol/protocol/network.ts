/**
 * network:* — start/stop/getstatus/debug/edges/persist. Starting an image graph evaluates it on
 * its sample and sends each selected edge's image as a small PNG (network:data); while started,
 * every edit re-runs it. A failing node is a network:processerror, never a crash. Graphs made of
 * packet components (test collections) run as a packet network instead.
 */
import type { Params } from '../../operations/index.ts';
import { bytesKey, coerceParam, compileGraph, ImgflowError, type Connection, type GraphJson } from '../../runtime/index.ts';
import type { Core, Session } from '../core.ts';
import type { Handler } from '../dispatch.ts';
import { edgeId, sameProtocolPort, toProtocolPort, type EdgeRef, type ProtocolPort } from '../edges.ts';
import { ProtocolError } from '../graphs.ts';
import { createPacketNetwork, isPacketGraph } from '../packet-flow.ts';
import { createPreviewMemory } from '../preview-memory.ts';
import { previewGraph, runPreview, type Preview } from '../previews.ts';
import { createSampleLoader, graphSample, loadCheckedReference } from '../sample.ts';

type Payload = Record<string, unknown>;

export const NETWORK_COMMANDS = ['start', 'stop', 'getstatus', 'debug', 'edges', 'persist'] as const;
export type NetworkCommand = (typeof NETWORK_COMMANDS)[number];

/** Edits arriving within this window re-run the preview once. */
const RERUN_DELAY_MS = 150;
/** IMGFLOW_RUNTIME_PREVIEW_MEMORY_BYTES's default, for protocol users that do not set previewMemoryBytes. */
const DEFAULT_PREVIEW_MEMORY_BYTES = 128 * 1024 * 1024;

interface NetworkState {
  readonly graph: string;
  started: boolean;
  running: boolean;
  startedAt: number;
  debug: boolean;
  runId: number;
  abort?: AbortController;
  rerun?: NodeJS.Timeout;
  /** Last run's previews by node id. */
  previews: Map<string, Preview>;
  /** Last image sent to the `input` port. */
  sample?: unknown;
  /** Values sent to exported parameter ports. */
  params: Params;
  packets?: ReturnType<typeof createPacketNetwork>;
  /** The ignored-property notes last shown, so an edit that keeps them does not repeat them. */
  notes?: string;
}

export interface Networks {
  get(graph: string): NetworkState;
  status(graph: string): Payload;
  start(graph: string): void;
  stop(graph: string): NetworkState;
  /** A runtime:packet data event to an exported inport. */
  packet(graph: string, port: string, data: unknown): void;
  /** Sends the last previews of `session`'s selected edges (after network:edges). */
  sendSelected(session: Session, graph: string): void;
  close(): void;
}

function selects(session: Session, graph: string, src: ProtocolPort | undefined, tgt: ProtocolPort): boolean {
  const chosen = session.edges.get(graph);
  if (!chosen) return true;
  return src !== undefined && chosen.some((e) => sameProtocolPort(e.src, src) && sameProtocolPort(e.tgt, tgt));
}

function dataPayload(graph: string, src: ProtocolPort | undefined, tgt: ProtocolPort, data: unknown): Payload {
  return { id: edgeId(src, tgt), ...(src ? { src } : {}), tgt, graph, data };
}

export function createNetworks(core: Core): Networks {
  const states = new Map<string, NetworkState>();
  const samples = createSampleLoader({
    fetchInput: core.options.fetchInput,
    inputCheck: core.options.inputCheck,
    previewInput: core.options.previewInput,
    maxSide: core.options.previewInputMaxSide ?? 1024,
  });
  const size = core.options.previewSize ?? 256;
  const memory = createPreviewMemory(core.options.previewMemoryBytes ?? DEFAULT_PREVIEW_MEMORY_BYTES);

  const get = (graph: string): NetworkState => {
    let s = states.get(graph);
    if (!s) {
      s = { graph, started: false, running: false, startedAt: 0, debug: false, runId: 0, previews: new Map(), params: {} };
      states.set(graph, s);
    }
    return s;
  };
  const status = (graph: string): Payload => {
    const s = get(graph);
    return { graph, running: s.running, started: s.started, ...(s.debug ? { debug: true } : {}) };
  };
  const finished = (s: NetworkState) => {
    s.running = false;
    core.broadcast('network', 'status', status(s.graph));
  };

  const sendEdges = (s: NetworkState, graph: GraphJson, only?: Session) => {
    const to = (src: ProtocolPort | undefined, tgt: ProtocolPort) => (session: Session) => (!only || session === only) && selects(session, s.graph, src, tgt);
    for (const c of graph.connections as Connection[]) {
      const tgt = toProtocolPort(c.tgt);
      if (!c.src) {
        if (!only) core.broadcast('network', 'data', dataPayload(s.graph, undefined, tgt, c.data), to(undefined, tgt));
        continue;
      }
      const preview = s.previews.get(c.src.process);
      const src = toProtocolPort(c.src);
      if (preview) core.broadcast('network', 'data', dataPayload(s.graph, src, tgt, preview), to(src, tgt));
    }
  };

  const reportError = (graph: string, error: { node?: string; message: string }) => {
    if (error.node) core.broadcast('network', 'processerror', { id: error.node, error: error.message, graph });
    else core.broadcast('network', 'error', { message: error.message, graph });
  };

  const runPackets = (s: NetworkState, graph: GraphJson) => {
    s.packets = createPacketNetwork(graph, core.packetComponents, {
      data: (src, tgt, data) => core.broadcast('network', 'data', dataPayload(s.graph, src, tgt, data), (session) => selects(session, s.graph, src, tgt)),
      exported: (port, data) => core.broadcast('runtime', 'packet', { port, event: 'data', graph: s.graph, payload: data }),
      output: (message) => core.broadcast('network', 'output', { message, type: 'message' }),
      processError: (node, message) => reportError(s.graph, { node, message }),
    });
    s.packets.start();
    finished(s);
  };

  const runImage = async (s: NetworkState, announceOutput: boolean) => {
    const handle = core.graphs.get(s.graph);
    if (!handle) return;
    s.abort?.abort(new Error('superseded by a newer run'));
    const abort = new AbortController();
    s.abort = abort;
    const runId = ++s.runId;
    s.running = true;
    try {
      const graph = handle.graph;
      const input = await samples.load(s.sample ?? graphSample(graph), abort.signal);
      const memo = memory.begin(s.graph, bytesKey(input));
      const result = await runPreview({
        runtime: core.runtime, graphId: s.graph, graph, input, params: s.params, size, signal: abort.signal,
        loadImage: (ref, signal) => loadCheckedReference(ref, core.options.fetchInput, core.options.inputCheck, signal, 'Image parameter'),
        limitInputPixels: core.options.inputCheck.maxPixels,
        onProgress: progressReporter((message) => core.broadcast('network', 'output', { message, type: 'message' })),
        memo,
      });
      if (runId !== s.runId) return;
      memo.commit();
      if (s.debug && result.reuse) {
        const { nodes, of } = result.reuse;
        core.broadcast('network', 'output', { message: `preview: ${of - nodes.length} of ${of} nodes run, ${nodes.length ? `${nodes.join(', ')} kept from the last run` : 'none kept from the last run'}`, type: 'message' });
      }
      s.previews = result.previews;
      sendEdges(s, graph);
      const notes = (result.notes ?? []).join('\n');
      if (notes && notes !== s.notes) for (const message of result.notes!) core.broadcast('network', 'output', { message, type: 'message' });
      s.notes = notes;
      if (result.error) reportError(s.graph, result.error);
      if (announceOutput && result.output) core.broadcast('runtime', 'packet', { port: 'output', event: 'data', graph: s.graph, payload: result.output });
    } catch (err) {
      if (abort.signal.aborted || runId !== s.runId) return;
      if (!(err instanceof ProtocolError) && !(err instanceof ImgflowError)) core.logger.error({ err, graph: s.graph }, 'preview run failed');
      reportError(s.graph, { message: err instanceof ProtocolError || err instanceof ImgflowError ? err.message : 'Preview failed: internal error' });
    } finally {
      if (runId === s.runId) finished(s);
    }
  };

  const run = (graphId: string, announceOutput = false) => {
    const s = get(graphId);
    const handle = core.graphs.get(graphId);
    if (!handle) return;
    if (isPacketGraph(handle.graph, core.packetComponents)) runPackets(s, handle.graph);
    else void runImage(s, announceOutput);
  };

  core.graphs.onChange((id) => {
    const s = states.get(id);
    if (!s?.started) return;
    const handle = core.graphs.get(id);
    if (!handle || isPacketGraph(handle.graph, core.packetComponents)) return;
    clearTimeout(s.rerun);
    s.rerun = setTimeout(() => run(id), RERUN_DELAY_MS);
    s.rerun.unref();
  });

  return {
    get,
    status,
    start(graphId) {
      const s = get(graphId);
      s.started = true;
      s.startedAt = Date.now();
      setImmediate(() => run(graphId));
    },
    stop(graphId) {
      const s = get(graphId);
      clearTimeout(s.rerun);
      s.abort?.abort(new Error('network stopped'));
      s.runId++;
      s.started = false;
      s.running = false;
      s.packets = undefined;
      memory.drop(graphId);
      return s;
    },
    packet(graphId, port, data) {
      const s = get(graphId);
      const handle = core.graphs.get(graphId);
      if (!handle) return;
      if (isPacketGraph(handle.graph, core.packetComponents)) {
        (s.packets ??= createPacketNetwork(handle.graph, core.packetComponents, {
          data: (src, tgt, d) => core.broadcast('network', 'data', dataPayload(graphId, src, tgt, d), (session) => selects(session, graphId, src, tgt)),
          exported: (p, d) => core.broadcast('runtime', 'packet', { port: p, event: 'data', graph: graphId, payload: d }),
          output: (message) => core.broadcast('network', 'output', { message, type: 'message' }),
          processError: (node, message) => reportError(graphId, { node, message }),
        })).packet(port, data);
        return;
      }
      if (port === 'input') s.sample = data;
      else {
        try {
          const plan = compileGraph(graphId, previewGraph(core.runtime, handle.graph), core.runtime.registry, core.runtime.limits);
          const param = plan.parameters.get(port);
          if (!param) throw new ProtocolError(`Port ${port} of graph ${graphId} is not a parameter`);
          s.params = { ...s.params, [port]: coerceParam(port, param.spec, data) };
        } catch (err) {
          reportError(graphId, { message: (err as Error).message });
          return;
        }
      }
      run(graphId, true);
    },
    sendSelected(session, graphId) {
      const s = states.get(graphId);
      const handle = core.graphs.get(graphId);
      if (s && handle && !isPacketGraph(handle.graph, core.packetComponents)) sendEdges(s, handle.graph, session);
    },
    close() {
      for (const s of states.values()) {
        clearTimeout(s.rerun);
        s.abort?.abort(new Error('runtime closing'));
        memory.drop(s.graph);
      }
    },
  };
}

function edgeList(raw: unknown): EdgeRef[] {
  if (!Array.isArray(raw)) throw new ProtocolError('Missing edges: expected an array of {src, tgt}');
  const port = (p: unknown): ProtocolPort => {
    const q = p as ProtocolPort;
    if (!q || typeof q.node !== 'string' || typeof q.port !== 'string') throw new ProtocolError('Each edge needs src and tgt {node, port}');
    return q.index === undefined ? { node: q.node, port: q.port } : { node: q.node, port: q.port, index: q.index };
  };
  return raw.map((e) => ({ src: port((e as EdgeRef)?.src), tgt: port((e as EdgeRef)?.tgt) }));
}

export const networkHandlers = {
  start(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    ctx.core.networks.start(id);
    ctx.announce('started', { graph: id, time: new Date().toISOString(), started: true, running: true });
  },
  stop(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    const s = ctx.core.networks.stop(id);
    const uptime = s.startedAt ? (Date.now() - s.startedAt) / 1000 : 0;
    ctx.announce('stopped', { graph: id, time: new Date().toISOString(), uptime, running: false, started: false });
  },
  getstatus(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    ctx.reply('status', ctx.core.networks.status(id));
  },
  debug(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    ctx.core.networks.get(id).debug = p.enable === true;
    ctx.reply('status', ctx.core.networks.status(id));
  },
  edges(p: Payload, ctx) {
    const { id } = ctx.core.graphs.resolve(p);
    const edges = edgeList(p.edges);
    ctx.session.edges.set(id, edges);
    ctx.reply('edges', { graph: id, edges });
    ctx.core.networks.sendSelected(ctx.session, id);
  },
  async persist(_p: Payload, ctx) {
    // Every edit is saved as it happens; persist waits for the writes in flight.
    await ctx.core.graphs.flush();
    ctx.reply('output', { message: 'All graphs are saved to the graph store', type: 'message' });
  },
} satisfies { [C in NetworkCommand]: Handler };

/**
 * Long operations (a DeepDream) report progress; Flowhub shows network:output in its console.
 * Only node-level progress is relayed, at most every half second, so a dream of a few hundred
 * steps does not flood the socket.
 */
function progressReporter(send: (message: string) => void): (fraction: number, detail: Record<string, unknown>) => void {
  let last = 0;
  return (fraction, detail) => {
    if (detail.node === undefined || (Date.now() - last < 500 && fraction < 1)) return;
    last = Date.now();
    const where = ['octave', 'iteration'].filter((k) => detail[k] !== undefined).map((k) => `${k} ${String(detail[k])}`).join(', ');
    send(`${String(detail.node)}: ${Math.round(fraction * 100)}%${where ? ` (${where})` : ''}`);
  };
}
