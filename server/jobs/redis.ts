/** Redis connection options for BullMQ from IMGFLOW_REDIS_URL, and the fail-fast guard web requests use. */
import type { ConnectionOptions } from 'bullmq';
import { errors, ImgflowError } from '../../runtime/errors.ts';
import type { Config } from '../config.ts';

/**
 * `blocking`: workers and event readers wait on Redis forever (BullMQ requires it); web-side
 * queues fail fast instead, so a request is answered 503 rather than held while Redis is away.
 */
export function redisConnection(config: Config, blocking: boolean): ConnectionOptions {
  const url = new URL(config.redisUrl!);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number(url.pathname.slice(1) || 0),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: config.redisTimeoutMs,
    // Reconnect forever, at most every 2 s: service resumes by itself when Redis returns.
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
    ...(blocking ? { maxRetriesPerRequest: null } : { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
  };
}

/** Runs a Redis operation for a web request: 503 IMGFLOW_ERR_QUEUE_UNAVAILABLE on failure or after the timeout. */
export async function guarded<T>(config: Config, what: string, op: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(errors.IMGFLOW_ERR_QUEUE_UNAVAILABLE({}, undefined, `Redis did not answer ${what} within ${config.redisTimeoutMs} ms`)), config.redisTimeoutMs);
  });
  try {
    return await Promise.race([op(), timeout]);
  } catch (err) {
    if (err instanceof ImgflowError) throw err;
    throw errors.IMGFLOW_ERR_QUEUE_UNAVAILABLE({}, err, `Redis: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
