/**
 * How our operations, aliases, test components and graphs look to Flowhub: component:component
 * payloads with port types its inspector renders (int, number, boolean, string, color, enum with
 * `values`; `buffer` for images) and defaults, and a graph's exported ports for runtime:ports.
 */
import { GRAPH_COMPONENT_PREFIX, ownValue, type Component, type GraphJson } from '../runtime/index.ts';
import type { ParamSpec } from '../operations/index.ts';
import type { Core } from './core.ts';
import type { PacketComponent, PortDefinition } from './types.ts';

/** Graphs are listed as subgraph components `graphs/<id>`: the names the runtime resolves. */
export const GRAPH_LIBRARY = GRAPH_COMPONENT_PREFIX.slice(0, -1);

export type FoundComponent =
  | { kind: 'image'; component: Component }
  | { kind: 'packet'; component: PacketComponent }
  | { kind: 'graph'; id: string };

export function findComponent(core: Core, name: string): FoundComponent | undefined {
  const packet = core.packetComponents.get(name);
  if (packet) return { kind: 'packet', component: packet };
  const image = core.runtime.registry.get(name);
  if (image) return { kind: 'image', component: image };
  const id = name.startsWith(GRAPH_COMPONENT_PREFIX) ? name.slice(GRAPH_COMPONENT_PREFIX.length) : undefined;
  if (id !== undefined && core.graphs.get(id)) return { kind: 'graph', id };
  return undefined;
}

/** "Standard deviation ... (0 to 1000 px)": limits have no field of their own in fbp-protocol. */
function describeParam(spec: ParamSpec): string {
  const unit = spec.unit ? ` ${spec.unit}` : '';
  const range = spec.min !== undefined && spec.max !== undefined ? ` (${spec.min} to ${spec.max}${unit})`
    : spec.min !== undefined ? ` (at least ${spec.min}${unit})`
    : spec.max !== undefined ? ` (at most ${spec.max}${unit})`
    : unit ? ` (${unit.trim()})` : '';
  return `${spec.description}${range}`;
}

export function paramPort(id: string, spec: ParamSpec): PortDefinition {
  return {
    id,
    type: spec.type,
    description: describeParam(spec),
    ...(spec.required ? { required: true } : {}),
    ...(spec.values ? { values: [...spec.values] } : {}),
    ...(spec.default !== undefined ? { default: spec.default } : {}),
  };
}

export function imageComponentPorts(c: Component): { inPorts: PortDefinition[]; outPorts: PortDefinition[] } {
  const images = Object.entries(c.imageInputs).map(([id, spec]) => ({ id, type: 'buffer', description: spec.description, required: id === 'input' || spec.required === true }));
  const params = Object.entries(c.params).map(([id, spec]) => paramPort(id, spec));
  const output = c.op.encoder ? `The image encoded as ${c.op.encoder.format}` : 'The processed image';
  return { inPorts: [...images, ...params], outPorts: [{ id: 'output', type: 'buffer', description: output }] };
}

/** The port a node of `graph` exposes as `port`, as a definition named `publicName`. */
function nodePort(core: Core, graph: GraphJson, node: string, port: string, publicName: string, dir: 'in' | 'out'): PortDefinition {
  const component = ownValue(graph.processes, node)?.component;
  const found = component ? findComponent(core, component) : undefined;
  let def: PortDefinition | undefined;
  if (found?.kind === 'image') {
    const ports = imageComponentPorts(found.component);
    def = (dir === 'in' ? ports.inPorts : ports.outPorts).find((p) => p.id === port);
  } else if (found?.kind === 'packet') {
    def = (dir === 'in' ? found.component.inPorts : found.component.outPorts).find((p) => p.id === port);
  }
  return { ...(def ?? { type: 'all' }), id: publicName };
}

export function graphPorts(core: Core, graph: GraphJson): { inPorts: PortDefinition[]; outPorts: PortDefinition[] } {
  const list = (kind: 'inports' | 'outports') =>
    Object.entries(graph[kind] ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([pub, ref]) => nodePort(core, graph, ref.process, ref.port, pub, kind === 'inports' ? 'in' : 'out'));
  return { inPorts: list('inports'), outPorts: list('outports') };
}

export function componentPayload(core: Core, found: FoundComponent): Record<string, unknown> {
  if (found.kind === 'image') {
    const c = found.component;
    return { name: c.name, description: c.description, icon: c.icon, subgraph: false, ...imageComponentPorts(c) };
  }
  if (found.kind === 'packet') {
    const c = found.component;
    return { name: c.name, description: c.description, icon: c.icon ?? 'cog', subgraph: false, inPorts: c.inPorts, outPorts: c.outPorts };
  }
  const graph = core.graphs.get(found.id)!.graph;
  const description = `${typeof graph.properties?.description === 'string' ? graph.properties.description : `Graph ${found.id}`}${workClassNote(core, found.id)}`;
  const icon = typeof graph.properties?.icon === 'string' ? graph.properties.icon : 'sitemap';
  return { name: `${GRAPH_COMPONENT_PREFIX}${found.id}`, description, icon, subgraph: true, ...graphPorts(core, graph) };
}

/** Flowhub shows a component's description: say when requests for the graph become jobs. */
function workClassNote(core: Core, name: string): string {
  try {
    const work = core.runtime.workClass(name);
    return work.class === 'job' ? ` [job on queue ${work.queue}: ${work.reason}]` : '';
  } catch {
    return ''; // a graph that does not compile is described as it is
  }
}

/** Every component, in a stable order: operations and aliases, test components, then graphs. */
export function allComponents(core: Core): FoundComponent[] {
  return [
    ...core.runtime.registry.list().map((component) => ({ kind: 'image' as const, component })),
    ...[...core.packetComponents.values()].map((component) => ({ kind: 'packet' as const, component })),
    ...core.graphs.ids().map((id) => ({ kind: 'graph' as const, id })),
  ];
}
