/** Starts the HTTP server from config; shuts down cleanly on SIGINT/SIGTERM. */
import type { FastifyInstance } from 'fastify';
import { createRuntime } from '../runtime/index.ts';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { closeSourceAgents } from './input/fetch-source.ts';

export async function startServer(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  let config: Config;
  try {
    config = loadConfig(overrides);
  } catch (err) {
    console.error(`imgflow: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
  const runtime = await createRuntime({
    graphsDir: config.graphsDir,
    concurrency: config.concurrency,
    maxQueue: config.maxQueue,
    maxNodes: config.maxNodes,
    onStoreError: (err, file) => app.log.warn({ err, file }, 'graph not loaded'),
  });
  let app: FastifyInstance;
  try {
    app = await buildApp(config, { runtime });
  } catch (err) {
    // A bad apps file or JWT key is a configuration error, reported like the others.
    if ((err as { code?: string }).code !== 'IMGFLOW_ERR_CONFIG_INVALID') throw err;
    console.error(`imgflow: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down');
      void app.close().then(() => {
        runtime.close();
        closeSourceAgents();
      });
    });
  }
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ graphs: runtime.store.list().length, graphsDir: config.graphsDir }, 'imgflow ready');
  return app;
}
