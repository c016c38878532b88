/**
 * graph:* — the 20 edit commands, applied to the graph set (saved to the store after each) and
 * announced to every client. Replies echo what changed in the shapes fbp-test checks: full
 * merged metadata for changes, the removed IIP's data for removeinitial, removeedge/removeinitial
 * before removenode.
 */
import { setOwn, type Connection, type GraphJson } from '../../runtime/index.ts';
import type { Handler, RequestContext } from '../dispatch.ts';
import { edgeId, isEdge, samePort, toPortRef, toProtocolPort, type ProtocolPort } from '../edges.ts';
import { emptyGraph, ProtocolError } from '../graphs.ts';
import { findComponent } from '../components.ts';
import { sendPorts } from './runtime.ts';

type Payload = Record<string, unknown>;

export const GRAPH_COMMANDS = [
  'clear', 'addnode', 'removenode', 'renamenode', 'changenode', 'addedge', 'removeedge', 'changeedge',
  'addinitial', 'removeinitial', 'addinport', 'removeinport', 'renameinport', 'addoutport', 'removeoutport',
  'renameoutport', 'addgroup', 'removegroup', 'renamegroup', 'changegroup',
] as const;
export type GraphCommand = (typeof GRAPH_COMMANDS)[number];

function text(payload: Payload, key: string): string {
  const v = payload[key];
  if (typeof v !== 'string' || v === '') throw new ProtocolError(`Missing ${key}: expected a non-empty string`);
  return v;
}

function port(payload: Payload, key: string): ProtocolPort {
  const v = payload[key] as ProtocolPort | undefined;
  if (!v || typeof v !== 'object' || typeof v.node !== 'string' || typeof v.port !== 'string') {
    throw new ProtocolError(`Missing ${key}: expected {node, port}`);
  }
  return v.index === undefined ? { node: v.node, port: v.port } : { node: v.node, port: v.port, index: v.index };
}

/**
 * The metadata fields fbp-protocol types. Whatever a client sends is echoed to every client,
 * so a value outside the schema would make every reply about that node invalid.
 */
const TYPED_METADATA = {
  node: [['x', 'integer'], ['y', 'integer']],
  edge: [['route', 'integer'], ['schema', 'string'], ['secure', 'boolean']],
  group: [['description', 'string']],
} as const;

function metadataOf(payload: Payload, kind: keyof typeof TYPED_METADATA): Record<string, unknown> | undefined {
  const m = payload.metadata;
  if (m === undefined || m === null) return undefined;
  if (typeof m !== 'object' || Array.isArray(m)) throw new ProtocolError('metadata must be an object');
  const out = { ...(m as Record<string, unknown>) };
  for (const [field, type] of TYPED_METADATA[kind]) {
    const v = Object.hasOwn(out, field) ? out[field] : undefined;
    // null deletes the field in a change (mergeMetadata).
    if (v === undefined || v === null) continue;
    // Positions and routes may come fractional from an editor: rounded, they are what the schema says.
    if (type === 'integer' && typeof v === 'number' && Number.isFinite(v)) out[field] = Math.round(v);
    else if (type === 'integer' || typeof v !== type) throw new ProtocolError(`metadata.${field} must be ${type === 'integer' ? 'a number' : `a ${type}`}`);
  }
  return out;
}

/** noflo's rule: keys set to null are deleted, others merged. */
function mergeMetadata(current: Record<string, unknown> | undefined, change: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(change ?? {})) {
    if (v === null) delete out[k];
    else setOwn(out, k, v);
  }
  return out;
}

function needNode(graph: GraphJson, id: string): void {
  if (!Object.hasOwn(graph.processes, id)) throw new ProtocolError(`Node ${id} not found`);
}

const withGraph = (ctx: RequestContext, payload: Payload) => ctx.core.graphs.resolve(payload);

/** Edits the graph named in the payload and announces `reply` (computed from the edit). */
async function change(ctx: RequestContext, payload: Payload, edit: (g: GraphJson) => Payload | void, portsChanged = false): Promise<void> {
  const handle = withGraph(ctx, payload);
  const body = await ctx.core.graphs.edit(handle.id, edit);
  ctx.announce(ctx.command, { ...(body ?? {}), graph: handle.id });
  if (portsChanged) sendPorts(ctx.core, handle.id);
}

const edgePayload = (c: Connection, withMetadata: boolean): Payload => ({
  src: toProtocolPort(c.src!),
  tgt: toProtocolPort(c.tgt),
  ...(withMetadata && c.metadata ? { metadata: c.metadata } : {}),
});

function exportedPorts(kind: 'inports' | 'outports') {
  const add: Handler = (p: Payload, ctx) => change(ctx, p, (g) => {
    const pub = text(p, 'public'), node = text(p, 'node'), prt = text(p, 'port');
    needNode(g, node);
    const metadata = metadataOf(p, 'node');
    g[kind] = { ...(g[kind] ?? {}), [pub]: { process: node, port: prt, ...(metadata ? { metadata } : {}) } };
    return { public: pub, node, port: prt, ...(metadata ? { metadata } : {}) };
  }, true);
  const remove: Handler = (p: Payload, ctx) => change(ctx, p, (g) => {
    const pub = text(p, 'public');
    if (!g[kind] || !Object.hasOwn(g[kind]!, pub)) throw new ProtocolError(`Port ${pub} not found`);
    delete g[kind]![pub];
    return { public: pub };
  }, true);
  const rename: Handler = (p: Payload, ctx) => change(ctx, p, (g) => {
    const from = text(p, 'from'), to = text(p, 'to');
    const ports = g[kind] ?? {};
    if (!Object.hasOwn(ports, from)) throw new ProtocolError(`Port ${from} not found`);
    g[kind] = Object.fromEntries(Object.entries(ports).map(([k, v]) => [k === from ? to : k, v]));
    return { from, to };
  }, true);
  return { add, remove, rename };
}

const inports = exportedPorts('inports');
const outports = exportedPorts('outports');

export const graphHandlers = {
  async clear(p: Payload, ctx) {
    const id = text(p, 'id');
    const props: Record<string, unknown> = {};
    for (const k of ['name', 'description', 'icon'] as const) if (typeof p[k] === 'string') props[k] = p[k];
    const library = typeof p.library === 'string' ? p.library : undefined;
    await ctx.core.graphs.replace(id, emptyGraph(id, props), library);
    if (p.main === true) ctx.core.mainGraph = id;
    // Echo what was asked (fbp-test compares it exactly), minus noflo's baseDir.
    const body: Payload = { id };
    for (const k of ['name', 'library', 'main', 'icon', 'description'] as const) if (p[k] !== undefined) body[k] = p[k];
    ctx.announce('clear', body);
    sendPorts(ctx.core, id);
  },
  addnode: (p: Payload, ctx) => {
    withGraph(ctx, p);
    const id = text(p, 'id'), component = text(p, 'component');
    if (!findComponent(ctx.core, component)) throw new ProtocolError(`Component ${component} not found`);
    return change(ctx, p, (g) => {
      if (Object.hasOwn(g.processes, id)) throw new ProtocolError(`Node ${id} already exists`);
      const metadata = metadataOf(p, 'node');
      // The id is the client's: `__proto__` must become a node, not the record's prototype.
      setOwn(g.processes, id, { component, ...(metadata ? { metadata } : {}) });
      return { id, component, ...(p.metadata !== undefined ? { metadata: metadata ?? {} } : {}) };
    });
  },
  async removenode(p: Payload, ctx) {
    const handle = withGraph(ctx, p);
    const id = text(p, 'id');
    const removed = await ctx.core.graphs.edit(handle.id, (g) => {
      needNode(g, id);
      const touching = g.connections.filter((c) => c.tgt.process === id || c.src?.process === id);
      g.connections = g.connections.filter((c) => !touching.includes(c));
      const ports: { kind: 'inports' | 'outports'; pub: string }[] = [];
      for (const kind of ['inports', 'outports'] as const) {
        for (const [pub, ref] of Object.entries(g[kind] ?? {})) {
          if (ref.process === id) {
            delete g[kind]![pub];
            ports.push({ kind, pub });
          }
        }
      }
      const groups: { name: string; nodes: string[] }[] = [];
      for (const group of g.groups ?? []) {
        if (group.nodes.includes(id)) {
          group.nodes = group.nodes.filter((n) => n !== id);
          groups.push(group);
        }
      }
      delete g.processes[id];
      return { touching, ports, groups };
    });
    const graph = handle.id;
    for (const c of removed.touching) {
      if (isEdge(c)) ctx.announce('removeedge', { ...edgePayload(c, false), graph });
      else ctx.announce('removeinitial', { src: { data: c.data }, tgt: toProtocolPort(c.tgt), graph });
    }
    for (const { kind, pub } of removed.ports) ctx.announce(kind === 'inports' ? 'removeinport' : 'removeoutport', { public: pub, graph });
    ctx.announce('removenode', { id, graph });
    if (removed.ports.length) sendPorts(ctx.core, graph);
  },
  renamenode: (p: Payload, ctx) => change(ctx, p, (g) => {
    const from = text(p, 'from'), to = text(p, 'to');
    needNode(g, from);
    if (Object.hasOwn(g.processes, to)) throw new ProtocolError(`Node ${to} already exists`);
    g.processes = Object.fromEntries(Object.entries(g.processes).map(([k, v]) => [k === from ? to : k, v]));
    const rename = <T extends { process: string }>(r: T): T => (r.process === from ? { ...r, process: to } : r);
    g.connections = g.connections.map((c) => ({ ...c, tgt: rename(c.tgt), ...(c.src ? { src: rename(c.src) } : {}) }));
    for (const kind of ['inports', 'outports'] as const) {
      if (g[kind]) g[kind] = Object.fromEntries(Object.entries(g[kind]!).map(([k, v]) => [k, rename(v)]));
    }
    for (const group of g.groups ?? []) group.nodes = group.nodes.map((n) => (n === from ? to : n));
    return { from, to };
  }),
  changenode: (p: Payload, ctx) => change(ctx, p, (g) => {
    const id = text(p, 'id');
    needNode(g, id);
    const metadata = mergeMetadata(g.processes[id].metadata, metadataOf(p, 'node'));
    g.processes[id] = { ...g.processes[id], metadata };
    return { id, metadata };
  }),
  addedge: (p: Payload, ctx) => change(ctx, p, (g) => {
    const src = port(p, 'src'), tgt = port(p, 'tgt');
    needNode(g, src.node);
    needNode(g, tgt.node);
    const metadata = metadataOf(p, 'edge');
    const c: Connection = { src: toPortRef(src), tgt: toPortRef(tgt), ...(metadata ? { metadata } : {}) };
    if (g.connections.some((e) => e.src && samePort(e.src, c.src!) && samePort(e.tgt, c.tgt))) throw new ProtocolError(`Edge ${edgeId(src, tgt)} already exists`);
    g.connections.push(c);
    return { src, tgt, ...(metadata ? { metadata } : {}) };
  }),
  removeedge: (p: Payload, ctx) => change(ctx, p, (g) => {
    const src = port(p, 'src'), tgt = port(p, 'tgt');
    const i = g.connections.findIndex((c) => c.src && samePort(c.src, toPortRef(src)) && samePort(c.tgt, toPortRef(tgt)));
    if (i < 0) throw new ProtocolError(`Edge ${edgeId(src, tgt)} not found`);
    g.connections.splice(i, 1);
    return { src, tgt };
  }),
  changeedge: (p: Payload, ctx) => change(ctx, p, (g) => {
    const src = port(p, 'src'), tgt = port(p, 'tgt');
    const c = g.connections.find((e) => e.src && samePort(e.src, toPortRef(src)) && samePort(e.tgt, toPortRef(tgt)));
    if (!c) throw new ProtocolError(`Edge ${edgeId(src, tgt)} not found`);
    c.metadata = mergeMetadata(c.metadata, metadataOf(p, 'edge'));
    return { src, tgt, metadata: c.metadata };
  }),
  addinitial: (p: Payload, ctx) => change(ctx, p, (g) => {
    const src = p.src as { data?: unknown } | undefined;
    if (!src || typeof src !== 'object' || !('data' in src)) throw new ProtocolError('Missing src: expected {data}');
    const tgt = port(p, 'tgt');
    needNode(g, tgt.node);
    const metadata = metadataOf(p, 'edge');
    g.connections.push({ data: src.data, tgt: toPortRef(tgt), ...(metadata ? { metadata } : {}) });
    return { src: { data: src.data }, tgt, ...(p.metadata !== undefined ? { metadata: metadata ?? {} } : {}) };
  }),
  removeinitial: (p: Payload, ctx) => change(ctx, p, (g) => {
    const tgt = port(p, 'tgt');
    const i = g.connections.findIndex((c) => !c.src && samePort(c.tgt, toPortRef(tgt)));
    if (i < 0) throw new ProtocolError(`No IIP to port ${tgt.port} of ${tgt.node}`);
    const [removed] = g.connections.splice(i, 1);
    return { src: { data: removed.data }, tgt };
  }),
  addinport: inports.add,
  removeinport: inports.remove,
  renameinport: inports.rename,
  addoutport: outports.add,
  removeoutport: outports.remove,
  renameoutport: outports.rename,
  addgroup: (p: Payload, ctx) => change(ctx, p, (g) => {
    const name = text(p, 'name');
    const nodes = p.nodes;
    if (!Array.isArray(nodes) || !nodes.every((n) => typeof n === 'string')) throw new ProtocolError('Missing nodes: expected an array of node ids');
    for (const n of nodes) needNode(g, n);
    if ((g.groups ?? []).some((gr) => gr.name === name)) throw new ProtocolError(`Group ${name} already exists`);
    const metadata = metadataOf(p, 'group');
    g.groups = [...(g.groups ?? []), { name, nodes: [...nodes], ...(metadata ? { metadata } : {}) }];
    return { name, nodes, ...(metadata ? { metadata } : {}) };
  }),
  removegroup: (p: Payload, ctx) => change(ctx, p, (g) => {
    const name = text(p, 'name');
    if (!(g.groups ?? []).some((gr) => gr.name === name)) throw new ProtocolError(`Group ${name} not found`);
    g.groups = g.groups!.filter((gr) => gr.name !== name);
    return { name };
  }),
  renamegroup: (p: Payload, ctx) => change(ctx, p, (g) => {
    const from = text(p, 'from'), to = text(p, 'to');
    const group = (g.groups ?? []).find((gr) => gr.name === from);
    if (!group) throw new ProtocolError(`Group ${from} not found`);
    group.name = to;
    return { from, to };
  }),
  changegroup: (p: Payload, ctx) => change(ctx, p, (g) => {
    const name = text(p, 'name');
    const group = (g.groups ?? []).find((gr) => gr.name === name);
    if (!group) throw new ProtocolError(`Group ${name} not found`);
    group.metadata = mergeMetadata(group.metadata, metadataOf(p, 'group'));
    return { name, metadata: group.metadata };
  }),
} satisfies { [C in GraphCommand]: Handler };
