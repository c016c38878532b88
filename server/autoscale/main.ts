/**
 * `imgflow autoscale --config autoscale.yaml`: runs the autoscaler until SIGTERM/SIGINT, then
 * stops its local workers gracefully. Redis and its key prefix come from IMGFLOW_REDIS_URL and
 * IMGFLOW_REDIS_PREFIX, as for the web and worker processes.
 */
import { pino } from 'pino';
import { loadConfig } from '../config.ts';
import { redisConnection } from '../jobs/redis.ts';
import { version } from '../version.ts';
import { loadAutoscaleConfig } from './config.ts';
import { startAutoscale } from './index.ts';

export async function runAutoscale(configFile: string): Promise<void> {
  const settings = loadConfig();
  if (!settings.redisUrl) throw new Error('imgflow autoscale needs IMGFLOW_REDIS_URL: it sizes the worker pools of the Redis queues');
  const config = await loadAutoscaleConfig(configFile);
  const log = pino({ level: settings.logLevel });
  const running = await startAutoscale({
    config, redis: redisConnection(settings, false), prefix: settings.redisPrefix, log, version,
    ...(settings.herokuApiKey ? { herokuToken: settings.herokuApiKey } : {}),
    ...(settings.flyApiToken ? { flyToken: settings.flyApiToken } : {}),
  });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        log.info({ signal }, 'autoscaler stopping');
        void running.close().then(resolve);
      });
    }
  });
  log.info({}, 'autoscaler stopped');
}
