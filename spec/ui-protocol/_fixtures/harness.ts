/**
 * The real thing on 127.0.0.1: the HTTP server (buildApp) with the protocol attached to its
 * http.Server at /runtime, a temp graph directory, and a local origin serving a sharp-made sample.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { createRuntime, type GraphJson, type Runtime } from '../../../runtime/index.ts';
import { buildApp } from '../../../server/app.ts';
import { loadConfig } from '../../../server/config.ts';
import { fetchSource } from '../../../server/input/fetch-source.ts';
import { attachProtocol, type AttachedProtocol } from '../../../ui-protocol/index.ts';
import { TestClient } from './client.ts';
import { recordingLogger, testComponents } from './test-components.ts';

export const FULL = 'full-secret';
export const READ = 'read-secret';
export const RUNTIME_ID = '3f1c2a4e-8b7d-4c6e-9a10-2b3c4d5e6f70';

/** main: input -> grey (grayscale) -> output */
export const mainGraph: GraphJson = {
  properties: { name: 'main', description: 'Greyscale' },
  inports: { input: { process: 'grey', port: 'input' } },
  outports: { output: { process: 'grey', port: 'output' } },
  processes: { grey: { component: 'imgflow/grayscale', metadata: { x: 100, y: 100 } } },
  connections: [],
};

export interface Harness {
  dir: string;
  runtime: Runtime;
  app: FastifyInstance;
  protocol: AttachedProtocol;
  wsUrl: string;
  httpUrl: string;
  sampleUrl: string;
  sample: { width: number; height: number };
  problems: ReturnType<typeof recordingLogger>['problems'];
  clients: TestClient[];
  /** `null`: no secret at all. */
  connect(secret?: string | null, protocols?: string[]): Promise<TestClient>;
  close(): Promise<void>;
}

export async function startHarness(graphs: Record<string, GraphJson> = { main: mainGraph }): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'imgflow-ui-protocol-'));
  for (const [name, g] of Object.entries(graphs)) await writeFile(join(dir, `${name}.json`), JSON.stringify(g));
  const runtime = await createRuntime({ graphsDir: dir, watch: false, concurrency: 2 });
  const app = await buildApp(loadConfig({ graphsDir: dir, allowPrivateSources: true, logLevel: 'silent' }), { runtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { problems, logger } = recordingLogger();
  const protocol = attachProtocol(app.server, {
    runtime, path: '/runtime', secrets: { full: FULL, read: READ }, runtimeId: RUNTIME_ID, label: 'spec', mainGraph: 'main',
    logger, packetComponents: testComponents, validateOutput: 'throw', heartbeatMs: 60_000,
    fetchInput: async (url, signal) => (await fetchSource(url, { timeoutMs: 5000, maxBytes: 10 << 20, maxRedirects: 0, allowPrivate: true, userAgent: 'imgflow-spec', signal })).bytes,
  });
  const sample = { width: 400, height: 300 };
  const sampleBytes = await sharp({ create: { ...sample, channels: 3, background: '#c03020' } })
    .composite([{ input: { create: { width: 200, height: 150, channels: 3, background: '#20a0f0' } }, left: 100, top: 75 }])
    .png().toBuffer();
  const origin: Server = createServer((req, res) => {
    if (req.url === '/sample.png') res.writeHead(200, { 'content-type': 'image/png' }).end(sampleBytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  const originPort = (origin.address() as AddressInfo).port;
  const clients: TestClient[] = [];
  const h: Harness = {
    dir, runtime, app, protocol, problems, clients, sample,
    wsUrl: `ws://127.0.0.1:${port}/runtime`,
    httpUrl: `http://127.0.0.1:${port}`,
    sampleUrl: `http://127.0.0.1:${originPort}/sample.png`,
    async connect(secret: string | null = FULL, protocols) {
      const c = await TestClient.connect(h.wsUrl, secret ?? undefined, protocols);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await protocol.close();
      await app.close();
      origin.closeAllConnections();
      await new Promise<void>((resolve) => origin.close(() => resolve()));
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}
