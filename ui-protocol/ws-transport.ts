/**
 * The WebSocket transport: upgrades on one path of an existing http.Server (fastify's, or the
 * standalone runtime's), with the `noflo` subprotocol when asked for (Flowhub retries without
 * one, so that is accepted too). Upgrades on other paths are left to other listeners.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createProtocolRuntime } from './protocol-runtime.ts';
import { silentLogger, type ProtocolOptions } from './types.ts';

export interface AttachOptions extends ProtocolOptions {
  /** WebSocket path, e.g. `/runtime`; `/` for the standalone runtime. */
  path: string;
  /** Largest message accepted (runtime:packet may carry an image); larger ones close the connection (1009). Default 32 MiB. */
  maxPayloadBytes?: number;
  /**
   * Messages of one client received but not yet handled; beyond this the runtime stops reading
   * from its socket until it catches up (TCP backpressure), so a flood costs the flooder, and at
   * most this many messages of maxPayloadBytes are held per client. Default 64.
   */
  maxPendingMessages?: number;
  /** Ping interval; a client that misses one pong is dropped. Default 30 s. */
  heartbeatMs?: number;
}

export interface AttachedProtocol {
  /** Closes every client connection and stops handling upgrades (the http.Server stays up). */
  close(): Promise<void>;
  /** Connected clients. */
  clients(): number;
}

export function attachProtocol(server: Server, opts: AttachOptions): AttachedProtocol {
  const logger = opts.logger ?? silentLogger;
  const runtime = createProtocolRuntime(opts);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayloadBytes ?? 32 * 1024 * 1024,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('noflo') ? 'noflo' : false),
  });
  const alive = new WeakMap<WebSocket, boolean>();
  const maxPending = opts.maxPendingMessages ?? 64;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== opts.path) {
      // Nobody else is listening: do not leave the socket hanging.
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const conn = runtime.connect((text) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    });
    alive.set(ws, true);
    logger.info({ remote: req.socket.remoteAddress, clients: runtime.clients() }, 'fbp client connected');
    ws.on('pong', () => alive.set(ws, true));
    let pending = 0;
    ws.on('message', (data) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      if (++pending >= maxPending) ws.pause();
      void conn.receive(text).finally(() => {
        if (--pending < maxPending && ws.isPaused && ws.readyState === ws.OPEN) ws.resume();
      });
    });
    ws.on('error', (err) => logger.warn({ err }, 'fbp client connection error'));
    ws.on('close', () => {
      conn.close();
      logger.info({ clients: runtime.clients() }, 'fbp client disconnected');
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, opts.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    clients: () => runtime.clients(),
    async close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'runtime closing');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of wss.clients) ws.terminate();
      await runtime.close();
    },
  };
}
