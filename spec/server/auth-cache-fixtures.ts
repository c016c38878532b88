/**
 * A real imgflow server on 127.0.0.1 (port 0) with a real origin on 127.0.0.1 serving images
 * made with sharp, for the auth, cache and admin specs. Counts origin hits and graph evaluations.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp, type AppDeps } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { startOrigin, type Origin } from '../input/_origin.ts';

const REPO_GRAPHS = path.resolve(import.meta.dirname, '../../graphs');
export const GRAPH_FILES = ['gaussianblur.json', 'passthrough.fbp', 'resize.json'];

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `imgflow-${label}-`));
}

/** A noisy PNG (distinct per seed), so results differ and compress little. */
export async function makePng(seed = 1, width = 64, height = 48): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = ((i + seed * 7919) * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export interface ImageOrigin extends Origin {
  /** Requests for image paths so far (all of them). */
  imageHits(): number;
  /** Delay in ms before answering (to make concurrent requests overlap). */
  delayMs: number;
}

/** Serves /img<N>.png (N = seed) after `delayMs`. */
export async function startImageOrigin(): Promise<ImageOrigin> {
  const images = new Map<number, Buffer>();
  let imageHits = 0;
  const state = { delayMs: 0 };
  const origin = await startOrigin((req: http.IncomingMessage, res: http.ServerResponse) => {
    const m = /^\/img(\d+)\.png/.exec(req.url ?? '');
    if (!m) return res.writeHead(404).end();
    imageHits++;
    const seed = Number(m[1]);
    void (async () => {
      if (!images.has(seed)) images.set(seed, await makePng(seed));
      setTimeout(() => res.writeHead(200, { 'content-type': 'image/png' }).end(images.get(seed)), state.delayMs);
    })();
  });
  // defineProperty, not Object.assign: assign would copy the getter's value, not the accessor.
  return Object.defineProperties(origin, {
    imageHits: { value: () => imageHits },
    delayMs: { get: () => state.delayMs, set: (v: number) => { state.delayMs = v; } },
  }) as ImageOrigin;
}

export interface TestServer {
  app: FastifyInstance;
  base: string;
  config: Config;
  runtime: Runtime;
  graphsDir: string;
  /** Graph evaluations run so far (runtime.evaluateAdmitted, what the graph route calls, is wrapped). */
  evaluations(): number;
  url(pathAndQuery: string): string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse a graphs directory (otherwise a fresh copy of GRAPH_FILES). */
  graphsDir?: string;
  deps?: Partial<Omit<AppDeps, 'runtime'>>;
}

/** Config from overrides only (env is ignored), silent logs, no shared store unless asked. */
export async function startTestServer(overrides: Partial<Config> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  let graphsDir = options.graphsDir;
  const owned: string[] = [];
  if (!graphsDir) {
    graphsDir = await tempDir('graphs');
    owned.push(graphsDir);
    await mkdir(graphsDir, { recursive: true });
    for (const f of GRAPH_FILES) await copyFile(path.join(REPO_GRAPHS, f), path.join(graphsDir, f));
  }
  const config = loadConfig({ graphsDir, allowPrivateSources: true, logLevel: 'silent', cacheStore: 'none', ...overrides }, {});
  const runtime = await createRuntime({ graphsDir, watch: false, concurrency: 2, maxQueue: 64 });
  let evaluations = 0;
  const evaluate = runtime.evaluateAdmitted;
  runtime.evaluateAdmitted = (prepared, opts) => {
    evaluations++;
    return evaluate(prepared, opts);
  };
  const app = await buildApp(config, { runtime, ...options.deps });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    base,
    config,
    runtime,
    graphsDir,
    evaluations: () => evaluations,
    url: (p) => `${base}${p}`,
    async close() {
      await app.close();
      runtime.close();
      for (const d of owned) await rm(d, { recursive: true, force: true });
    },
  };
}

/** GET (or other) and read the body; never throws on status. */
export async function request(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Buffer; json: () => any }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) };
}
