/** buildApp(config, deps): the fastify app without listen(), so specs can inject or listen on 127.0.0.1. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import http from 'node:http';
import { pino } from 'pino';
import type { Runtime } from '../runtime/index.ts';
import { adminRoutes } from './admin/routes.ts';
import { createAppRegistry, type AppRegistry } from './auth/apps.ts';
import { editorRoutes } from './editor/routes.ts';
import type { Config } from './config.ts';
import { installErrorHandling } from './errors-plugin.ts';
import { createImageCache, type ImageCache } from './image-cache.ts';
import { inputBudgetFor } from './input/input-budget.ts';
import { createMetrics, metricsRoutes, type Metrics } from './metrics.ts';
import { createRequestLog } from './request-log.ts';
import { createHotHits, type HotHits } from './hot-hits/index.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { graphRoutes } from './routes/graph.ts';
import { healthRoutes } from './routes/health.ts';
import { startupWarnings } from './startup-warnings.ts';
import { openapiPlugin } from './openapi/index.ts';
import { playgroundRoutes } from './playground/index.ts';
import { createJobHttp, createJobQueue, jobRoutes, type JobQueue } from './jobs/index.ts';
import { version } from './version.ts';
import { uploadRoutes } from './uploads/index.ts';

export interface AppDeps {
  runtime: Runtime;
  healthSections?: () => Record<string, unknown>;
  /** Applications; default: loaded from config (apps file and env). */
  apps?: AppRegistry;
  /** Result cache; default: built from config. One passed in is not closed with the app. */
  imageCache?: ImageCache;
  metrics?: Metrics;
  /** Job engine; default: built from config (embedded, or BullMQ with IMGFLOW_REDIS_URL). One passed in is not closed with the app. */
  jobs?: JobQueue;
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Log lines go out through an asynchronous buffered stream: a synchronous write(2) per
    // line cost more than serving a cached hit (bench/README.md). pino flushes it on exit.
    loggerInstance: pino({ level: config.logLevel }, pino.destination({ sync: false })) as FastifyBaseLogger,
    // One log line per request (onResponse below) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Parameter names like std-dev-x and values like #ff0000 arrive percent-encoded.
    routerOptions: { maxParamLength: 500 },
    // fastify's own server, with one step in front: hits of known URLs (server/hot-hits).
    serverFactory: (handler, fastifyOptions) => {
      const options = fastifyOptions as unknown as { http?: http.ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket: number };
      const server = http.createServer(options.http ?? {}, (req, res) => {
        if (!hot?.serve(req, res)) handler(req, res);
      });
      // What fastify sets on the server it creates itself (fastify/lib/server.js).
      server.keepAliveTimeout = options.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout;
      server.setTimeout(options.connectionTimeout);
      if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
      return server;
    },
  });
  let hot: HotHits | undefined;
  const { runtime } = deps;
  const apps = deps.apps ?? await createAppRegistry(config);
  const imageCache = deps.imageCache ?? createImageCache(config, { logger: app.log });
  if (!deps.imageCache) app.addHook('onClose', () => imageCache.close());
  const metrics = deps.metrics ?? createMetrics({ runtime, imageCache, inputs: inputBudgetFor(config) });
  const jobs = deps.jobs ?? await createJobQueue(config, { runtime, config, imageCache, log: app.log, appSecret: (key) => apps.get(key)?.secrets[0] });
  if (!deps.jobs) app.addHook('onClose', () => jobs.close());

  if (apps.open) {
    app.log.warn('OPEN MODE: no application is configured, so anyone can request any image processing without a signature. Set IMGFLOW_KEY/IMGFLOW_SECRET or IMGFLOW_APPS_FILE to require signed URLs (docs/auth-and-cache.md)');
  } else if (config.allowUnsigned) {
    app.log.warn('IMGFLOW_ALLOW_UNSIGNED=1: unsigned /graph/<graph> requests are served alongside signed ones');
  }
  for (const w of startupWarnings(config, { open: apps.open })) {
    app.log.warn({ warning: w.code, fixes: w.fixes }, `${w.message}. Fixes: ${w.fixes.join('; ')}`);
  }

  installErrorHandling(app);
  const requestLog = createRequestLog({ sampleRate: config.logHitSampleRate, perSecond: config.logHitsPerSecond, logger: app.log });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.countResponse(reply.statusCode);
    requestLog.fromFastify(request, reply);
    done();
  });
  hot = createHotHits({ runtime, config, apps, imageCache, metrics, requestLog });
  // While closing, fastify answers 503 to new requests: so must every request.
  app.addHook('preClose', (done) => {
    hot?.stop();
    done();
  });
  const sections = () => ({
    auth: { mode: apps.open ? 'open' : config.allowUnsigned ? 'signed+unsigned' : 'signed', apps: apps.list().length },
    cache: { ...imageCache.describe(), hotHits: hot?.served ?? 0 },
    jobs: jobs.describe(),
    ...deps.healthSections?.(),
  });
  await app.register(openapiPlugin, { runtime });
  await app.register(healthRoutes, { runtime, version, sections });
  if (config.metrics) await app.register(metricsRoutes, { metrics });
  await app.register(catalogueRoutes, { runtime });
  await app.register(graphRoutes, { runtime, config, apps, imageCache, metrics, jobs: createJobHttp({ config, jobs, imageCache }), hot });
  await app.register(jobRoutes, { jobs });
  await app.register(uploadRoutes, { runtime, config, apps, jobs });
  await app.register(editorRoutes);
  await app.register(adminRoutes, { runtime, config, apps, imageCache, prefix: '/admin' });
  await app.register(playgroundRoutes, { runtime, config, apps });
  return app;
}
