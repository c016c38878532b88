/**
 * graph:delete and graph:rename, imgflow's additions to fbp-protocol (which can create a graph,
 * with graph:clear, but neither remove nor rename one): so an editor's graph list can do both
 * over the same socket. Announced to every client like the other graph:* commands. A graph
 * another graph uses as a subgraph is refused: those graphs would stop compiling.
 */
import { GRAPH_COMPONENT_PREFIX, isValidGraphName } from '../../runtime/index.ts';
import type { Core } from '../core.ts';
import type { Handler } from '../dispatch.ts';
import { GRAPH_NOT_FOUND, ProtocolError } from '../graphs.ts';

type Payload = Record<string, unknown>;

export const GRAPH_FILE_COMMANDS = ['delete', 'rename'] as const;

function text(payload: Payload, key: string): string {
  const v = payload[key];
  if (typeof v !== 'string' || v === '') throw new ProtocolError(`Missing ${key}: expected a non-empty string`);
  return v;
}

function refuseIfUsed(core: Core, id: string, doing: string): void {
  const component = `${GRAPH_COMPONENT_PREFIX}${id}`;
  const users = core.graphs.ids().filter((other) => other !== id && Object.values(core.graphs.get(other)?.graph.processes ?? {}).some((p) => p.component === component));
  if (users.length) throw new ProtocolError(`Cannot ${doing} graph ${id}: ${users.join(', ')} use${users.length === 1 ? 's' : ''} it as a subgraph`);
}

export const graphFileHandlers = {
  async delete(p: Payload, ctx) {
    const id = text(p, 'id');
    if (!ctx.core.graphs.get(id)) throw new ProtocolError(GRAPH_NOT_FOUND);
    refuseIfUsed(ctx.core, id, 'delete');
    ctx.core.networks.stop(id);
    await ctx.core.graphs.remove(id);
    ctx.announce('delete', { id });
  },
  async rename(p: Payload, ctx) {
    const from = text(p, 'from'), to = text(p, 'to');
    const handle = ctx.core.graphs.get(from);
    if (!handle) throw new ProtocolError(GRAPH_NOT_FOUND);
    if (!isValidGraphName(to)) throw new ProtocolError(`Invalid graph name ${to}: letters, digits, _ . - only`);
    if (ctx.core.graphs.get(to)) throw new ProtocolError(`Graph ${to} already exists`);
    refuseIfUsed(ctx.core, from, 'rename');
    const graph = structuredClone(handle.graph);
    if (graph.properties?.name === from) graph.properties = { ...graph.properties, name: to };
    ctx.core.networks.stop(from);
    await ctx.core.graphs.replace(to, graph, handle.library);
    await ctx.core.graphs.flush();
    await ctx.core.graphs.remove(from);
    ctx.announce('rename', { from, to });
  },
} satisfies { [C in (typeof GRAPH_FILE_COMMANDS)[number]]: Handler };
