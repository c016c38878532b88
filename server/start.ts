/** Starts the HTTP server from config; shuts down cleanly on SIGINT/SIGTERM. */
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { createRuntime } from '../runtime/index.ts';
import { buildApp } from './app.ts';
import { loadConfig, workClassOptions, type Config } from './config.ts';
import { closeSourceAgents } from './input/fetch-source.ts';
import { protocolLimitsFrom, runtimeLimitsFrom } from './runtime-options.ts';
import { configureGpu, gpuFallbackNotice, gpuInfo, type GpuMode } from '../operations/kernels/index.ts';
import { logEngine } from '../runtime/offload/compute-pool.ts';

export async function startServer(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  let config: Config;
  try {
    config = loadConfig(overrides);
  } catch (err) {
    console.error(`imgflow: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
  // libvips' operation cache keeps recently used inputs and operations (50 MB by default):
  // a server's inputs differ from request to request, so it only holds memory.
  sharp.cache(false);
  // Unset: sharp's own choice (1 thread with glibc's allocator, else the CPU count).
  if (config.vipsThreads !== undefined) sharp.concurrency(config.vipsThreads);
  const runtime = await createRuntime({
    graphsDir: config.graphsDir,
    ...runtimeLimitsFrom(config),
    computeThreads: config.computeThreads,
    gpu: config.gpu as GpuMode,
    workClasses: workClassOptions(config),
    onStoreError: (err, file) => app.log.warn({ err, file }, 'graph not loaded'),
    // Known after the first dream (its thread loads the engine): onnxruntime-node, or tfjs-wasm and why.
    // app is made below, from this runtime: read when the first engine is known
    onComputeEngine: (op, report) => logEngine(app.log)(op, report),
    onIgnoredProperties: (graph, ignored) => app.log.warn({ graph, ignored }, 'graph sets properties that are accepted but not honoured (listed in /graphs)'),
  });
  // One kernel device per process, chosen once; its real kernel class is what gets reported.
  const gpu = await configureGpu(config.gpu as 'auto');
  let app: FastifyInstance;
  try {
    app = await buildApp(config, { runtime, healthSections: () => ({ gpu: gpuInfo() ?? gpu }) });
  } catch (err) {
    // A bad apps file or JWT key is a configuration error, reported like the others.
    if ((err as { code?: string }).code !== 'IMGFLOW_ERR_CONFIG_INVALID') throw err;
    console.error(`imgflow: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
  const address = config.publicUrl ?? `http://localhost:${config.port}`;
  const wsAddress = `${address.replace(/^http/, 'ws').replace(/\/$/, '')}/runtime`;
  // The FBP protocol (and ws) is loaded only when it is switched on (bench/README.md, "Memory").
  const ui = config.runtimeSecret || config.runtimeReadSecret ? await import('../ui-protocol/index.ts') : undefined;
  const protocol = ui
    ? ui.attachProtocol(app.server, {
      runtime,
      path: '/runtime',
      secrets: { full: config.runtimeSecret, read: config.runtimeReadSecret },
      runtimeId: config.runtimeId ?? ui.runtimeIdFrom(wsAddress),
      // runtime:runtime's schema allows no extra fields: the kernel backend rides in the label.
      label: `${config.runtimeLabel} (kernels: ${gpu.kernelClass})`,
      logger: app.log,
      // Sample images and Flowhub's messages meet the same limits as HTTP requests.
      ...protocolLimitsFrom(config),
    })
    : undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down');
      // The protocol first: it writes Flowhub edits still waiting to reach their graph files.
      void (protocol?.close() ?? Promise.resolve()).then(() => app.close()).then(() => {
        closeSourceAgents();
        return runtime.close();
      });
    });
  }
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ graphs: runtime.store.list().length, graphsDir: config.graphsDir, gpu }, 'imgflow ready');
  const gpuNotice = gpuFallbackNotice(gpu);
  if (gpuNotice) app.log[gpuNotice.level]({ gpu: gpu.mode, requested: gpu.requested }, gpuNotice.message);
  if (protocol && ui) {
    const id = config.runtimeId ?? ui.runtimeIdFrom(wsAddress);
    app.log.info({ runtime: wsAddress }, 'FBP runtime ready');
    // The secret is the user's own; print the live link once so they can open Flowhub.
    console.error(`Open in Flowhub: ${ui.flowhubLiveUrl({ address: wsAddress, id, secret: config.runtimeSecret ?? config.runtimeReadSecret })}`);
    const warning = ui.flowhubLinkWarning(wsAddress);
    if (warning) app.log.warn({ runtime: wsAddress }, warning);
    // The editor asks for the secret itself: the link does not carry it.
    console.error(`Open the editor: ${address.replace(/\/$/, '')}/editor`);
  } else {
    app.log.info('FBP runtime off: set IMGFLOW_RUNTIME_SECRET to edit graphs live from Flowhub');
  }
  return app;
}
