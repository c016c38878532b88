/** Real Redis on 127.0.0.1:6379 under a prefix of the spec's own (deletePrefix removes it after). */
import { randomBytes } from 'node:crypto';

export { deletePrefix, REDIS_URL } from '../jobs/_processes.ts';

export const REDIS = { host: '127.0.0.1', port: 6379 };

export function uniquePrefix(what: string): string {
  return `imgflow-spec-${what}-${randomBytes(4).toString('hex')}`;
}
