/**
 * `imgflow runtime --port N`: the FBP runtime on its own port (WebSocket on `/`), sharing the
 * graph directory with the server. GET / answers with the Flowhub link (without the secret).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRuntime, type RuntimeOptions } from '../runtime/index.ts';
import { flowhubLiveUrl } from './flowhub.ts';
import { attachProtocol } from './ws-transport.ts';
import type { FetchInput, InputCheck, Logger, PacketComponent } from './types.ts';

export interface StandaloneOptions {
  port: number;
  /** Default 127.0.0.1 */
  host?: string;
  graphsDir: string;
  /** Full-access secret; a random one is made (and put in liveUrl) when unset. */
  secret?: string;
  readSecret?: string;
  /** Default: a new UUID per start (set it so Flowhub keeps one entry). */
  runtimeId?: string;
  label?: string;
  mainGraph?: string;
  logger?: Logger;
  fetchInput?: FetchInput;
  inputCheck: InputCheck;
  /** Graph limits, evaluation concurrency and save delay of the runtime it creates. */
  runtimeLimits?: Omit<RuntimeOptions, 'graphsDir'>;
  maxPayloadBytes?: number;
  maxPendingMessages?: number;
  previewInput?: Buffer;
  /** Test collections only. */
  packetComponents?: readonly PacketComponent[];
  validateOutput?: 'off' | 'log' | 'throw';
}

export interface StandaloneRuntime {
  /** `ws://host:port/` */
  url: string;
  /** The Flowhub live-mode link, secret included. */
  liveUrl: string;
  secret: string;
  port: number;
  close(): Promise<void>;
}

export async function startStandaloneRuntime(opts: StandaloneOptions): Promise<StandaloneRuntime> {
  const runtime = await createRuntime({ ...opts.runtimeLimits, graphsDir: opts.graphsDir });
  const secret = opts.secret || randomBytes(16).toString('hex');
  const runtimeId = opts.runtimeId || randomUUID();
  const host = opts.host ?? '127.0.0.1';
  let publicLink = '';
  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/' || req.url === '')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>imgflow runtime</title><p>imgflow FBP runtime. Open it in <a href="${publicLink}">Flowhub</a> (you will need the secret).</p>\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  });
  const protocol = attachProtocol(server, {
    runtime,
    path: '/',
    secrets: { full: secret, read: opts.readSecret },
    runtimeId,
    label: opts.label ?? 'imgflow runtime',
    mainGraph: opts.mainGraph,
    logger: opts.logger,
    fetchInput: opts.fetchInput,
    inputCheck: opts.inputCheck,
    maxPayloadBytes: opts.maxPayloadBytes,
    maxPendingMessages: opts.maxPendingMessages,
    previewInput: opts.previewInput,
    packetComponents: opts.packetComponents,
    validateOutput: opts.validateOutput,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const linkHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `ws://${linkHost}:${port}/`;
  publicLink = flowhubLiveUrl({ address: url.slice(0, -1), id: runtimeId });
  return {
    url,
    liveUrl: flowhubLiveUrl({ address: url.slice(0, -1), id: runtimeId, secret }),
    secret,
    port,
    async close() {
      await protocol.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await runtime.close();
    },
  };
}
