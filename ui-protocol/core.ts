/**
 * The transport-agnostic runtime: connected sessions, sending with schema checks, broadcasting
 * to the clients allowed to see a message, and the shared state (graphs, networks, traces).
 * A transport calls `connect(send)` per client and `receive(session, text)` per message.
 */
import type { Runtime } from '../runtime/index.ts';
import { allows, outputCapabilities } from './capabilities.ts';
import { createGraphSet, type GraphSet } from './graphs.ts';
import { loadMessageValidator, type MessageValidator } from './validate.ts';
import { silentLogger, type Capability, type Logger, type OutMessage, type PacketComponent, type ProtocolOptions } from './types.ts';
import type { Networks } from './protocol/network.ts';
import type { Tracer } from './protocol/trace.ts';
import type { EdgeRef } from './edges.ts';

export interface Session {
  readonly id: number;
  /** Capabilities granted by the secret of the client's latest message. */
  capabilities: ReadonlySet<Capability>;
  /** Edges selected with network:edges, per graph; absent: every edge. */
  readonly edges: Map<string, EdgeRef[]>;
  /** Messages are handled one at a time per client, in arrival order. */
  queue: Promise<void>;
  /** The client left: messages it sent that are still queued are dropped, not handled. */
  closed: boolean;
  readonly deliver: (text: string) => void;
}

export interface Core {
  readonly runtime: Runtime;
  readonly options: Readonly<ProtocolOptions>;
  readonly logger: Logger;
  readonly graphs: GraphSet;
  readonly packetComponents: ReadonlyMap<string, PacketComponent>;
  readonly validator: MessageValidator | null;
  networks: Networks;
  tracer: Tracer;
  readonly sessions: ReadonlySet<Session>;
  /** Set by options or graph:clear with main: true; see mainGraphOf(). */
  mainGraph: string | undefined;
  send(session: Session, message: OutMessage): void;
  /** Sends to every client allowed to see it (optionally only those `filter` accepts). */
  broadcast(protocol: string, command: string, payload: Record<string, unknown>, filter?: (s: Session) => boolean): void;
  addSession(deliver: (text: string) => void): Session;
  removeSession(session: Session): void;
}

export function createCore(options: ProtocolOptions): Core {
  const logger = options.logger ?? silentLogger;
  const sessions = new Set<Session>();
  const validator = options.validateOutput === 'off' ? null : loadMessageValidator();
  const packetComponents = new Map((options.packetComponents ?? []).map((c) => [c.name, c]));
  let nextId = 1;

  const core: Core = {
    runtime: options.runtime,
    options,
    logger,
    graphs: createGraphSet(options.runtime, options.maxMemoryGraphs),
    packetComponents,
    validator,
    networks: undefined as unknown as Networks,
    tracer: undefined as unknown as Tracer,
    sessions,
    mainGraph: options.mainGraph,
    send(session, message) {
      if (validator) {
        const problems = validator.output(message.protocol, message.command, message);
        if (problems.length) {
          if (options.validateOutput === 'throw') throw new Error(`invalid ${message.protocol}:${message.command} sent: ${problems.join('; ')}`);
          logger.warn({ protocol: message.protocol, command: message.command, problems }, 'sending a message fbp-protocol does not allow');
        }
      }
      session.deliver(JSON.stringify(message));
    },
    broadcast(protocol, command, payload, filter) {
      const needed = outputCapabilities(protocol, command);
      core.tracer?.record(protocol, command, payload);
      for (const s of sessions) {
        if (needed.length && !allows(s.capabilities, needed)) continue;
        if (filter && !filter(s)) continue;
        core.send(s, { protocol, command, payload });
      }
    },
    addSession(deliver) {
      const session: Session = { id: nextId++, capabilities: new Set(), edges: new Map(), queue: Promise.resolve(), closed: false, deliver };
      sessions.add(session);
      return session;
    },
    removeSession(session) {
      session.closed = true;
      sessions.delete(session);
    },
  };
  return core;
}
