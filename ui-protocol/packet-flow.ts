/**
 * A network of packet components (test collections such as fbp-test's Repeat/Drop/Output):
 * IIPs are sent when it starts, each packet travels every edge from its port, and packets on
 * exported ports go in and out through runtime:packet.
 */
import { ownValue, type GraphJson } from '../runtime/index.ts';
import { toProtocolPort, type ProtocolPort } from './edges.ts';
import type { PacketComponent } from './types.ts';

export interface PacketEvents {
  data(src: ProtocolPort | undefined, tgt: ProtocolPort, data: unknown): void;
  exported(port: string, data: unknown): void;
  output(message: string): void;
  processError(node: string, message: string): void;
}

/** Enough for any test graph; stops a cycle of Repeats from spinning forever. */
const MAX_DELIVERIES = 10_000;

export function isPacketGraph(graph: GraphJson, components: ReadonlyMap<string, PacketComponent>): boolean {
  const procs = Object.values(graph.processes);
  return procs.length > 0 && procs.every((p) => components.has(p.component));
}

export function createPacketNetwork(graph: GraphJson, components: ReadonlyMap<string, PacketComponent>, events: PacketEvents) {
  let budget = MAX_DELIVERIES;
  const deliver = (node: string, port: string, data: unknown): void => {
    const component = components.get(ownValue(graph.processes, node)?.component ?? '');
    if (!component) return;
    if (--budget < 0) {
      if (budget === -1) events.processError(node, `More than ${MAX_DELIVERIES} packets: stopped (a cycle?)`);
      return;
    }
    try {
      component.process(port, data, {
        send: (outPort, out) => {
          for (const c of graph.connections) {
            if (c.src?.process !== node || c.src.port !== outPort) continue;
            events.data(toProtocolPort(c.src), toProtocolPort(c.tgt), out);
            deliver(c.tgt.process, c.tgt.port, out);
          }
          for (const [pub, ref] of Object.entries(graph.outports ?? {})) if (ref.process === node && ref.port === outPort) events.exported(pub, out);
        },
        output: (message) => events.output(message),
      });
    } catch (err) {
      events.processError(node, (err as Error)?.message ?? String(err));
    }
  };
  return {
    start() {
      budget = MAX_DELIVERIES;
      for (const c of graph.connections) {
        if (c.src) continue;
        events.data(undefined, toProtocolPort(c.tgt), c.data);
        deliver(c.tgt.process, c.tgt.port, c.data);
      }
    },
    packet(port: string, data: unknown) {
      budget = MAX_DELIVERIES;
      const ref = ownValue(graph.inports, port);
      if (ref) deliver(ref.process, ref.port, data);
    },
  };
}
