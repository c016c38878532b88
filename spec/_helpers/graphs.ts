/** Builds small graphs in code and runs them through the real runtime. */
import type { GraphJson } from '../../runtime/graph.ts';
import { compileGraph, bindParameters, evaluatePlan, createRegistry } from '../../runtime/index.ts';
import { aliases, operations } from '../../operations/index.ts';
import type { OutputFormat, Params } from '../../operations/define.ts';

export const registry = createRegistry(operations, aliases);

/** input -> component (with IIPs) -> output */
export function singleNodeGraph(component: string, iips: Record<string, unknown> = {}): GraphJson {
  return {
    inports: { input: { process: 'op', port: 'input' } },
    outports: { output: { process: 'op', port: 'output' } },
    processes: { op: { component } },
    connections: Object.entries(iips).map(([port, data]) => ({ data, tgt: { process: 'op', port } })),
  };
}

/** input -> a -> b -> ... -> output, each with its IIPs. */
export function chainGraph(steps: [component: string, iips?: Record<string, unknown>][]): GraphJson {
  const processes: GraphJson['processes'] = {};
  const connections: GraphJson['connections'] = [];
  steps.forEach(([component, iips = {}], i) => {
    const id = `n${i}`;
    processes[id] = { component };
    for (const [port, data] of Object.entries(iips)) connections.push({ data, tgt: { process: id, port } });
    if (i > 0) connections.push({ src: { process: `n${i - 1}`, port: 'output' }, tgt: { process: id, port: 'input' } });
  });
  return {
    inports: { input: { process: 'n0', port: 'input' } },
    outports: { output: { process: `n${steps.length - 1}`, port: 'output' } },
    processes,
    connections,
  };
}

export async function runGraph(graph: GraphJson, input: Buffer, format: OutputFormat = 'png', params: Params = {}, images: Record<string, Buffer> = {}) {
  const plan = bindParameters(compileGraph('test', graph, registry), params);
  return evaluatePlan(plan, registry, { input, format, images });
}
