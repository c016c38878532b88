/**
 * The size limits every graph must meet wherever it comes from: the HTTP side (compiled before
 * serving), the admin upload and each FBP-protocol edit all call this one check, so a graph the
 * runtime saves is never one that HTTP then refuses.
 */
import { errors } from './errors.ts';
import type { GraphJson } from './graph.ts';

export interface GraphLimits {
  /** Most nodes, counted after subgraphs are inlined (what actually runs). */
  maxNodes?: number;
  /** Largest graph document, as compact JSON in UTF-8 (bounds edges, IIPs and metadata too). */
  maxGraphBytes?: number;
}

/**
 * @param graph the graph as stored (its bytes are counted)
 * @param inlined the same graph with subgraphs inlined (its nodes are counted); default `graph`
 * @throws IMGFLOW_ERR_GRAPH_TOO_LARGE (413) too many nodes
 * @throws IMGFLOW_ERR_GRAPH_FILE_TOO_LARGE (413) document too big
 */
export function checkGraphLimits(name: string, graph: GraphJson, limits: GraphLimits, inlined: GraphJson = graph): void {
  const nodes = Object.keys(inlined.processes).length;
  if (limits.maxNodes !== undefined && nodes > limits.maxNodes) {
    throw errors.IMGFLOW_ERR_GRAPH_TOO_LARGE({ graph: name, nodes, limit: limits.maxNodes }, undefined, name, nodes, limits.maxNodes);
  }
  if (limits.maxGraphBytes !== undefined) {
    const bytes = Buffer.byteLength(JSON.stringify(graph));
    if (bytes > limits.maxGraphBytes) {
      throw errors.IMGFLOW_ERR_GRAPH_FILE_TOO_LARGE({ graph: name, bytes, limit: limits.maxGraphBytes }, undefined, name, bytes, limits.maxGraphBytes);
    }
  }
}
