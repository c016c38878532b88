/**
 * runtime:* — getruntime (type imgflow, protocol 0.7: fbp-client refuses anything above 0.9),
 * the main graph's exported ports, and packets to and from exported ports.
 */
import { ALL_CAPABILITIES } from '../capabilities.ts';
import { graphPorts } from '../components.ts';
import type { Core } from '../core.ts';
import type { Handler } from '../dispatch.ts';
import { ProtocolError } from '../graphs.ts';

type Payload = Record<string, unknown>;

export const RUNTIME_COMMANDS = ['getruntime', 'packet'] as const;
export type RuntimeCommand = (typeof RUNTIME_COMMANDS)[number];

export const PROTOCOL_VERSION = '0.7';
export const RUNTIME_TYPE = 'imgflow';

const PACKET_EVENTS = new Set(['connect', 'begingroup', 'data', 'endgroup', 'disconnect']);

function portsPayload(core: Core, graphId: string): Payload | undefined {
  const handle = core.graphs.get(graphId);
  return handle ? { graph: graphId, ...graphPorts(core, handle.graph) } : undefined;
}

/** The graph Flowhub opens: the chosen one, else `main`, else the first stored graph. */
export function mainGraphOf(core: Core): string | undefined {
  if (core.mainGraph && core.graphs.get(core.mainGraph)) return core.mainGraph;
  const names = core.runtime.store.list().map((e) => e.name);
  return names.includes('main') ? 'main' : names[0];
}

/** Announces a graph's exported ports after they change (noflo does the same). */
export function sendPorts(core: Core, graphId: string): void {
  const payload = portsPayload(core, graphId);
  if (payload) core.broadcast('runtime', 'ports', payload);
}

export const runtimeHandlers = {
  getruntime(_p: Payload, ctx) {
    const { core } = ctx;
    const main = mainGraphOf(core);
    ctx.reply('runtime', {
      type: RUNTIME_TYPE,
      version: PROTOCOL_VERSION,
      capabilities: [...ctx.session.capabilities],
      allCapabilities: [...ALL_CAPABILITIES],
      id: core.options.runtimeId,
      ...(core.options.label ? { label: core.options.label } : {}),
      ...(main ? { graph: main } : {}),
    });
    if (main && ctx.session.capabilities.has('protocol:runtime')) {
      const ports = portsPayload(core, main);
      if (ports) ctx.reply('ports', ports);
    }
  },
  packet(p: Payload, ctx) {
    const handle = ctx.core.graphs.resolve(p);
    const port = typeof p.port === 'string' ? p.port : '';
    const event = typeof p.event === 'string' ? p.event : '';
    if (!port || !PACKET_EVENTS.has(event)) throw new ProtocolError('runtime:packet needs port and event (connect, begingroup, data, endgroup, disconnect)');
    // `input` always takes the preview's sample image, exported or not.
    if (port !== 'input' && !Object.hasOwn(handle.graph.inports ?? {}, port)) throw new ProtocolError(`Graph ${handle.id} has no exported inport ${port}`);
    const echo: Payload = { port, event, graph: handle.id };
    for (const k of ['type', 'schema', 'payload'] as const) if (p[k] !== undefined) echo[k] = p[k];
    ctx.reply('packetsent', echo);
    if (event === 'data') ctx.core.networks.packet(handle.id, port, p.payload);
  },
} satisfies { [C in RuntimeCommand]: Handler };
