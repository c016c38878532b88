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
import { loadConfig, type Config } from '../../../server/config.ts';
import { protocolLimitsFrom, runtimeLimitsFrom } from '../../../server/runtime-options.ts';
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
  /** More files the local origin serves: path -> body and Content-Type. */
  originFiles: Map<string, { body: Buffer; type: string }>;
  originUrl(path: string): string;
  problems: ReturnType<typeof recordingLogger>['problems'];
  clients: TestClient[];
  /** `null`: no secret at all. */
  connect(secret?: string | null, protocols?: string[]): Promise<TestClient>;
  close(): Promise<void>;
}

/** Wired as server/start.ts wires them: runtime and protocol limits come from `config`. */
export async function startHarness(graphs: Record<string, GraphJson> = { main: mainGraph }, config: Partial<Config> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'imgflow-ui-protocol-'));
  for (const [name, g] of Object.entries(graphs)) await writeFile(join(dir, `${name}.json`), JSON.stringify(g));
  const cfg = loadConfig({ concurrency: 2, ...config, graphsDir: dir, allowPrivateSources: true, logLevel: 'silent' });
  const runtime = await createRuntime({ ...runtimeLimitsFrom(cfg), graphsDir: dir, watch: false });
  const app = await buildApp(cfg, { runtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { problems, logger } = recordingLogger();
  const protocol = attachProtocol(app.server, {
    runtime, path: '/runtime', secrets: { full: FULL, read: READ }, runtimeId: RUNTIME_ID, label: 'spec', mainGraph: 'main',
    logger, packetComponents: testComponents, validateOutput: 'throw', heartbeatMs: 60_000,
    ...protocolLimitsFrom(cfg),
  });
  const sample = { width: 400, height: 300 };
  const sampleBytes = await sharp({ create: { ...sample, channels: 3, background: '#c03020' } })
    .composite([{ input: { create: { width: 200, height: 150, channels: 3, background: '#20a0f0' } }, left: 100, top: 75 }])
    .png().toBuffer();
  const originFiles = new Map<string, { body: Buffer; type: string }>([['/sample.png', { body: sampleBytes, type: 'image/png' }]]);
  const origin: Server = createServer((req, res) => {
    const file = originFiles.get(req.url ?? '');
    if (file) res.writeHead(200, { 'content-type': file.type }).end(file.body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  const originPort = (origin.address() as AddressInfo).port;
  const clients: TestClient[] = [];
  const h: Harness = {
    dir, runtime, app, protocol, problems, clients, sample, originFiles,
    originUrl: (path) => `http://127.0.0.1:${originPort}${path}`,
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
