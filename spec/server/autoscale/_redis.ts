/** Real Redis on 127.0.0.1:6379 under a prefix of the spec's own, deleted afterwards. */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';

export const REDIS = { host: '127.0.0.1', port: 6379 };
export const REDIS_URL = 'redis://127.0.0.1:6379';

export function uniquePrefix(what: string): string {
  return `imgflow-spec-${what}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix`. */
export async function deletePrefix(prefix: string): Promise<void> {
  const q = new Queue('cleanup', { connection: REDIS, prefix });
  const client = (await q.client) as unknown as { keys(p: string): Promise<string[]>; del(...k: string[]): Promise<number> };
  const keys = await client.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  await q.close();
}
