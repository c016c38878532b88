/** buildApp(config, runtime): the fastify app without listen(), so specs can inject or listen on 127.0.0.1. */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime/index.ts';
import type { Config } from './config.ts';
import { installErrorHandling } from './errors-plugin.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { graphRoutes } from './routes/graph.ts';
import { healthRoutes } from './routes/health.ts';
import { version } from './version.ts';

export interface AppDeps {
  runtime: Runtime;
  healthSections?: () => Record<string, unknown>;
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // One log line per request (onResponse below) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Parameter names like std-dev-x and values like #ff0000 arrive percent-encoded.
    routerOptions: { maxParamLength: 500 },
  });
  installErrorHandling(app);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      url: request.url.length > 300 ? `${request.url.slice(0, 300)}...` : request.url,
      status: reply.statusCode,
      cache: reply.getHeader('x-cache'),
      ms: Number(reply.elapsedTime.toFixed(1)),
      timing: reply.getHeader('server-timing'),
    }, 'request');
  });
  await app.register(healthRoutes, { runtime: deps.runtime, version, sections: deps.healthSections });
  await app.register(catalogueRoutes, { runtime: deps.runtime });
  await app.register(graphRoutes, { runtime: deps.runtime, config });
  return app;
}
