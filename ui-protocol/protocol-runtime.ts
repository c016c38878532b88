/**
 * The protocol runtime without a transport: `connect(send)` per client, `receive(text)` per
 * message. The WebSocket adapter (ws-transport.ts) and in-memory specs both use it.
 */
import { createCore, type Core } from './core.ts';
import { dispatch } from './dispatch.ts';
import { createNetworks } from './protocol/network.ts';
import { createTracer } from './protocol/trace.ts';
import type { ProtocolOptions } from './types.ts';

export interface ProtocolConnection {
  /** Handles one text message; resolves when it (and those before it) are handled. */
  receive(text: string): Promise<void>;
  close(): void;
}

export interface ProtocolRuntime {
  connect(send: (text: string) => void): ProtocolConnection;
  /** Number of connected clients. */
  clients(): number;
  /** Stops networks and writes the graph edits not yet on disk. */
  close(): Promise<void>;
  /** @internal for specs */
  readonly core: Core;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createProtocolRuntime(options: ProtocolOptions): ProtocolRuntime {
  const core = createCore(options);
  core.tracer = createTracer();
  core.networks = createNetworks(core);
  return {
    core,
    connect(send) {
      const session = core.addSession(send);
      return {
        receive(text) {
          // One message per turn of the event loop: a socket read can hold hundreds of messages,
          // and handling them all in one go would keep HTTP requests and timers (graph saves)
          // waiting. A departed client's backlog is not worked through at all.
          session.queue = session.queue.then(nextTurn).then(() => (session.closed ? undefined : dispatch(core, session, text))).catch((err) => {
            core.logger.error({ err }, 'protocol message failed');
          });
          return session.queue;
        },
        close: () => core.removeSession(session),
      };
    },
    clients: () => core.sessions.size,
    async close() {
      core.networks.close();
      core.graphs.close();
      await core.graphs.flush();
    },
  };
}
