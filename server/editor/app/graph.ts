/**
 * The open graph as the runtime announces it: every graph:* message (ours and other clients')
 * is applied here, so the canvas shows the runtime's state and two editors stay in step.
 */
export interface PortRef { process: string; port: string; index?: number }
export interface Connection { src?: PortRef; tgt: PortRef; data?: unknown; metadata?: Record<string, unknown> }
export interface ExportedPort { process: string; port: string; metadata?: Record<string, unknown> }
export interface Process { component: string; metadata?: Record<string, unknown> }
export interface Group { name: string; nodes: string[]; metadata?: Record<string, unknown> }
export interface GraphJson {
  properties?: Record<string, unknown>;
  inports?: Record<string, ExportedPort>;
  outports?: Record<string, ExportedPort>;
  processes: Record<string, Process>;
  connections: Connection[];
  groups?: Group[];
}

interface ProtocolPort { node: string; port: string; index?: number }
const ref = (p: ProtocolPort): PortRef => (p.index === undefined ? { process: p.node, port: p.port } : { process: p.node, port: p.port, index: p.index });
const same = (a: PortRef | undefined, b: PortRef) => !!a && a.process === b.process && a.port === b.port && (a.index ?? null) === (b.index ?? null);

/** Node ids and port names come from users: records without a prototype. */
function record<T>(from?: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, from ?? {});
}

export function normalise(g: Partial<GraphJson>): GraphJson {
  return {
    properties: { ...(g.properties ?? {}) },
    inports: record(g.inports),
    outports: record(g.outports),
    processes: record(g.processes),
    connections: [...(g.connections ?? [])],
    groups: [...(g.groups ?? [])],
  };
}

/** A new graph with the change applied, or the same graph when the message is not an edit. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function applyGraphMessage(graph: GraphJson, command: string, p: any): GraphJson {
  const g = normalise(graph);
  switch (command) {
    case 'addnode':
      g.processes[p.id] = { component: p.component, ...(p.metadata ? { metadata: p.metadata } : {}) };
      return g;
    case 'removenode':
      delete g.processes[p.id];
      g.connections = g.connections.filter((c) => c.tgt.process !== p.id && c.src?.process !== p.id);
      // The runtime takes the node out of its groups without a message of its own.
      g.groups = g.groups!.map((x) => (x.nodes.includes(p.id) ? { ...x, nodes: x.nodes.filter((n) => n !== p.id) } : x));
      return g;
    case 'renamenode': {
      const processes = record<Process>();
      for (const [k, v] of Object.entries(g.processes)) processes[k === p.from ? p.to : k] = v;
      g.processes = processes;
      const r = (x: PortRef): PortRef => (x.process === p.from ? { ...x, process: p.to } : x);
      g.connections = g.connections.map((c) => ({ ...c, tgt: r(c.tgt), ...(c.src ? { src: r(c.src) } : {}) }));
      for (const kind of ['inports', 'outports'] as const) for (const [k, v] of Object.entries(g[kind]!)) g[kind]![k] = r(v) as ExportedPort;
      return g;
    }
    case 'changenode':
      if (g.processes[p.id]) g.processes[p.id] = { ...g.processes[p.id], metadata: p.metadata };
      return g;
    case 'addedge':
      g.connections.push({ src: ref(p.src), tgt: ref(p.tgt), ...(p.metadata ? { metadata: p.metadata } : {}) });
      return g;
    case 'removeedge':
      g.connections = g.connections.filter((c) => !(same(c.src, ref(p.src)) && same(c.tgt, ref(p.tgt))));
      return g;
    case 'changeedge':
      g.connections = g.connections.map((c) => (same(c.src, ref(p.src)) && same(c.tgt, ref(p.tgt)) ? { ...c, metadata: p.metadata } : c));
      return g;
    case 'addinitial':
      g.connections.push({ data: p.src?.data, tgt: ref(p.tgt) });
      return g;
    case 'removeinitial': {
      const i = g.connections.findIndex((c) => !c.src && same(c.tgt, ref(p.tgt)));
      if (i >= 0) g.connections.splice(i, 1);
      return g;
    }
    case 'addinport':
    case 'addoutport':
      g[command === 'addinport' ? 'inports' : 'outports']![p.public] = { process: p.node, port: p.port, ...(p.metadata ? { metadata: p.metadata } : {}) };
      return g;
    case 'removeinport':
    case 'removeoutport':
      delete g[command === 'removeinport' ? 'inports' : 'outports']![p.public];
      return g;
    case 'renameinport':
    case 'renameoutport': {
      const kind = command === 'renameinport' ? 'inports' : 'outports';
      const ports = record<ExportedPort>();
      for (const [k, v] of Object.entries(g[kind]!)) ports[k === p.from ? p.to : k] = v;
      g[kind] = ports;
      return g;
    }
    case 'addgroup':
      g.groups = [...g.groups!, { name: p.name, nodes: p.nodes, ...(p.metadata ? { metadata: p.metadata } : {}) }];
      return g;
    case 'removegroup':
      g.groups = g.groups!.filter((x) => x.name !== p.name);
      return g;
    case 'renamegroup':
      g.groups = g.groups!.map((x) => (x.name === p.from ? { ...x, name: p.to } : x));
      return g;
    case 'changegroup':
      g.groups = g.groups!.map((x) => (x.name === p.name ? { ...x, metadata: p.metadata } : x));
      return g;
    default:
      return graph;
  }
}

/** The IIP on a node's port, if any. */
export function initialOf(g: GraphJson, node: string, port: string): Connection | undefined {
  return g.connections.find((c) => !c.src && c.tgt.process === node && c.tgt.port === port);
}
