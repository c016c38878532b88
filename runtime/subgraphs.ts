/**
 * Graphs used as components (`graphs/<name>`, how Flowhub lists them) are inlined before
 * compiling: their nodes join the outer graph as `<node>/<inner node>`, and the edges and IIPs
 * that reached the subgraph node's ports are rewired to the inner ports those ports export.
 * The result compiles and fuses like any flat graph.
 */
import { errors } from './errors.ts';
import type { Connection, ExportedPort, GraphJson, PortRef } from './graph.ts';
import { ownValue } from './own-keys.ts';

export interface ResolvedGraph { graph: GraphJson; revision: string }
export type GraphResolver = (component: string) => ResolvedGraph | undefined;

/** Subgraphs nested deeper than this are refused (and a graph that contains itself). */
const MAX_DEPTH = 8;

export const GRAPH_COMPONENT_PREFIX = 'graphs/';

function fail(graph: string, problem: string): never {
  throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph, problem }, undefined, graph, problem);
}

/**
 * Returns `graph` with every subgraph node replaced by its contents. `used` collects
 * `component -> revision` of every graph inlined, so callers can tell when a plan is stale.
 */
export function inlineSubgraphs(name: string, graph: GraphJson, resolve: GraphResolver, used: Map<string, string>, stack: string[] = []): GraphJson {
  const subs = Object.entries(graph.processes).filter(([, p]) => resolve(p.component) !== undefined);
  if (subs.length === 0) return graph;
  if (stack.length >= MAX_DEPTH) fail(name, `subgraphs nested deeper than ${MAX_DEPTH}: ${[...stack, name].join(' -> ')}`);

  let processes = { ...graph.processes };
  let connections: Connection[] = [...graph.connections];
  let inports: Record<string, ExportedPort> = { ...graph.inports };
  let outports: Record<string, ExportedPort> = { ...graph.outports };

  for (const [nodeId, proc] of subs) {
    const component = proc.component;
    if (stack.includes(component)) fail(name, `graph ${component} contains itself: ${[...stack, component].join(' -> ')}`);
    const resolved = resolve(component)!;
    used.set(component, resolved.revision);
    const inner = inlineSubgraphs(component, resolved.graph, resolve, used, [...stack, component]);
    const id = (inner: string) => `${nodeId}/${inner}`;
    const mapInner = (ref: PortRef): PortRef => ({ ...ref, process: id(ref.process) });
    // Where a port of the subgraph node leads inside it.
    const inward = (port: string, what: string): PortRef => {
      const ref = ownValue(inner.inports, port);
      if (!ref) fail(name, `${what}: subgraph ${component} (node ${nodeId}) has no inport ${port}`);
      return mapInner(ref);
    };
    const outward = (port: string, what: string): PortRef => {
      const ref = ownValue(inner.outports, port) ?? (port === 'output' && inner.outports && Object.keys(inner.outports).length === 1 ? Object.values(inner.outports)[0] : undefined);
      if (!ref) fail(name, `${what}: subgraph ${component} (node ${nodeId}) has no outport ${port}`);
      return mapInner(ref);
    };

    delete processes[nodeId];
    processes = { ...processes, ...Object.fromEntries(Object.entries(inner.processes).map(([k, v]) => [id(k), v])) };
    // The subgraph's own IIPs come first, so an IIP the outer graph sends to the same port wins.
    connections = [
      ...inner.connections.map((c) => ({ ...c, tgt: mapInner(c.tgt), ...(c.src ? { src: mapInner(c.src) } : {}) })),
      ...connections.map((c) => ({
        ...c,
        tgt: c.tgt.process === nodeId ? inward(c.tgt.port, `edge into ${nodeId}.${c.tgt.port}`) : c.tgt,
        ...(c.src ? { src: c.src.process === nodeId ? outward(c.src.port, `edge from ${nodeId}.${c.src.port}`) : c.src } : {}),
      })),
    ];
    inports = Object.fromEntries(Object.entries(inports).map(([k, ref]) =>
      [k, ref.process === nodeId ? { ...inward(ref.port, `inport ${k}`), metadata: ref.metadata ?? ownValue(inner.inports, ref.port)?.metadata } : ref]));
    outports = Object.fromEntries(Object.entries(outports).map(([k, ref]) => [k, ref.process === nodeId ? { ...outward(ref.port, `outport ${k}`), metadata: ref.metadata } : ref]));
  }
  return { ...graph, processes, connections, inports, outports };
}
