/**
 * server/jobs: heavy graphs as jobs. createJobQueue picks the engine from config: BullMQ on
 * Redis when IMGFLOW_REDIS_URL is set (web processes enqueue, `imgflow worker` consumes),
 * else the embedded queue inside the server process.
 */
import type { Config } from '../config.ts';
import { createBullQueue } from './bullmq.ts';
import { createEmbeddedQueue, type EmbeddedDeps } from './embedded.ts';
import type { JobQueue } from './types.ts';

export { createJobHttp, jobRoutes } from './http.ts';
export type { JobHttp, JobRequest } from './http.ts';
export type { JobQueue, JobSpec, JobStatus, JobState } from './types.ts';

export async function createJobQueue(config: Config, deps: EmbeddedDeps): Promise<JobQueue> {
  if (!config.redisUrl) return createEmbeddedQueue(deps);
  // Workers on other machines can only hand results to web processes through a shared store.
  if (deps.imageCache.storeName !== 's3') {
    deps.log.warn({ store: deps.imageCache.storeName }, `IMGFLOW_REDIS_URL is set but the result store is ${deps.imageCache.storeName}: workers on other machines cannot hand results back; use S3 (IMGFLOW_S3_BUCKET) unless every worker shares this machine's ${deps.imageCache.storeName === 'disk' ? 'IMGFLOW_CACHE_DIR' : 'store'}`);
  }
  return createBullQueue(config, deps);
}
