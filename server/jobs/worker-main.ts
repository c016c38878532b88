/**
 * `imgflow worker`: a process that consumes job queues from Redis (IMGFLOW_REDIS_URL), with a
 * health line in the log every IMGFLOW_WORKER_HEALTH_LOG_SECONDS and /healthz + /metrics on
 * IMGFLOW_WORKER_METRICS_PORT. SIGTERM/SIGINT: finish running jobs within
 * IMGFLOW_WORKER_SHUTDOWN_SECONDS, hand the rest back, exit. The same stop, exit code 0, when
 * the worker has lived --max-lifetime or been idle --exit-when-idle seconds: a safety net for
 * workers on machines made for a burst (a Fly Machine with auto_destroy is removed when its
 * process exits, even when the autoscaler that made it is gone).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import sharp from 'sharp';
import { configureGpu, gpuFallbackNotice, type GpuMode } from '../../operations/kernels/index.ts';
import { logEngine } from '../../runtime/offload/compute-pool.ts';
import { createRuntime } from '../../runtime/index.ts';
import { loadConfig, type Config } from '../config.ts';
import { closeSourceAgents } from '../input/fetch-source.ts';
import { createImageCache } from '../image-cache.ts';
import { createAppRegistry } from '../auth/apps.ts';
import { runtimeLimitsFrom } from '../runtime-options.ts';
import { version } from '../version.ts';
import { startHeartbeat, workerIdOf, type HeartbeatCommands, type HeartbeatWriter } from './heartbeat.ts';
import { redisConnection } from './redis.ts';
import { startJobWorkers } from './worker.ts';
import { closeUploadStore } from '../uploads/store.ts';

export interface WorkerArgs {
  queues?: string[];
  concurrency?: number;
  /** Seconds; over IMGFLOW_WORKER_MAX_LIFETIME_SECONDS. */
  maxLifetime?: number;
  /** Seconds; over IMGFLOW_WORKER_EXIT_WHEN_IDLE_SECONDS. */
  exitWhenIdle?: number;
}

export async function startWorker(args: WorkerArgs, overrides: Partial<Config> = {}): Promise<void> {
  let config: Config;
  try {
    config = loadConfig({ ...overrides, ...(args.queues ? { workerQueues: args.queues.join(',') } : {}), ...(args.concurrency ? { jobConcurrency: args.concurrency } : {}),
      ...(args.maxLifetime !== undefined ? { workerMaxLifetimeSeconds: args.maxLifetime } : {}),
      ...(args.exitWhenIdle !== undefined ? { workerExitWhenIdleSeconds: args.exitWhenIdle } : {}) });
    if (!config.redisUrl) throw new Error('imgflow worker needs IMGFLOW_REDIS_URL (without Redis, the server runs jobs itself)');
  } catch (err) {
    console.error(`imgflow: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
  const log = pino({ level: config.logLevel });
  sharp.cache(false);
  if (config.vipsThreads !== undefined) sharp.concurrency(config.vipsThreads);
  const queues = config.workerQueues.split(',').map((q) => q.trim()).filter((q) => q !== '');
  const runtime = await createRuntime({
    graphsDir: config.graphsDir,
    ...runtimeLimitsFrom(config),
    computeThreads: config.computeThreads,
    gpu: config.gpu as GpuMode,
    onStoreError: (err, file) => log.warn({ err, file }, 'graph not loaded'),
    onComputeEngine: logEngine(log),
  });
  const gpu = await configureGpu(config.gpu as 'auto');
  const imageCache = createImageCache(config, { logger: log });
  if (imageCache.storeName !== 's3') {
    log.warn({ store: imageCache.storeName }, `results go to the ${imageCache.storeName} store: web processes on other machines cannot read them; use S3 (IMGFLOW_S3_BUCKET) unless they share this machine's store`);
  }
  // Callbacks are signed with the app's secret: the worker reads the same applications.
  const apps = await createAppRegistry(config);
  const workers = startJobWorkers({ runtime, config, imageCache, log, queues, concurrency: config.jobConcurrency, appSecret: (key) => apps.get(key)?.secrets[0] });
  const started = Date.now();
  const health = () => ({ ...workers.health(), version, uptimeSeconds: Math.round((Date.now() - started) / 1000), cache: imageCache.describe().store, gpu: gpu.kernelClass, compute: runtime.compute?.stats() });

  const metricsQueues = queues.map((q) => new Queue(q, { connection: redisConnection(config, false), prefix: config.redisPrefix }));
  for (const q of metricsQueues) q.on('error', () => { /* the workers log Redis errors */ });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      const body = health();
      res.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    } else if (path === '/metrics') {
      void Promise.all(metricsQueues.map((q) => q.exportPrometheusMetrics({ instance: `${process.pid}` }))).then(
        (parts) => { res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }); res.end(parts.join('\n')); },
        () => { res.writeHead(503); res.end('redis unavailable\n'); },
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 404, code: 'IMGFLOW_ERR_NOT_FOUND' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(config.workerMetricsPort, config.host, resolve));
  const port = (server.address() as AddressInfo).port;
  const beat = setInterval(() => log.info(health(), 'worker health'), config.workerHealthLogSeconds * 1000);
  beat.unref();

  const workerId = workerIdOf();
  let heartbeat: HeartbeatWriter | undefined;
  let stopping = false;
  let lifetimeTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const stop = (reason: Record<string, unknown>) => {
    if (stopping) return;
    stopping = true;
    clearTimeout(lifetimeTimer);
    clearTimeout(idleTimer);
    log.info({ ...reason, deadlineSeconds: config.workerShutdownSeconds }, 'worker stopping');
    // The heartbeat goes first: a stopping worker is no longer a ready one.
    void Promise.resolve(heartbeat?.stop()).then(() => workers.close(config.workerShutdownSeconds * 1000)).then(async () => {
      clearInterval(beat);
      server.close();
      await Promise.allSettled(metricsQueues.map((q) => q.close()));
      await imageCache.close();
      closeUploadStore(config);
      await runtime.close();
      closeSourceAgents();
      log.info(health(), 'worker stopped');
      log.flush?.();
      process.exit(0);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop({ signal }));
  heartbeat = await startHeartbeat(async () => (await metricsQueues[0].client) as unknown as HeartbeatCommands, config.redisPrefix,
    { id: workerId, queues, pid: process.pid, startedAt: started }, config.workerHeartbeatSeconds,
    (err) => log.warn({ err: err.message }, 'worker heartbeat not written'), config.redisTimeoutMs);
  if (stopping) await heartbeat.stop(); // a signal came while the first beat was written
  if (config.workerMaxLifetimeSeconds > 0) {
    lifetimeTimer = setTimeout(() => stop({ reason: 'max-lifetime', maxLifetimeSeconds: config.workerMaxLifetimeSeconds }), config.workerMaxLifetimeSeconds * 1000);
  }
  if (config.workerExitWhenIdleSeconds > 0) {
    const idleLimitMs = config.workerExitWhenIdleSeconds * 1000;
    const check = () => {
      const idle = workers.idleMs();
      if (idle >= idleLimitMs) stop({ reason: 'idle', idleSeconds: Math.round(idle / 1000) });
      else if (!stopping) idleTimer = setTimeout(check, Math.min(1000, idleLimitMs - idle + 10));
    };
    idleTimer = setTimeout(check, idleLimitMs);
  }
  log.info({ queues, concurrency: config.jobConcurrency, metricsPort: port, lockMs: config.jobLockMs, store: imageCache.storeName, workerId,
    ...(config.workerMaxLifetimeSeconds > 0 ? { maxLifetimeSeconds: config.workerMaxLifetimeSeconds } : {}),
    ...(config.workerExitWhenIdleSeconds > 0 ? { exitWhenIdleSeconds: config.workerExitWhenIdleSeconds } : {}) }, 'worker ready');
  const gpuNotice = gpuFallbackNotice(gpu);
  if (gpuNotice) log[gpuNotice.level]({ gpu: gpu.mode, requested: gpu.requested }, gpuNotice.message);
}
