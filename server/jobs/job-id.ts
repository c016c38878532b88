/**
 * Job ids: one per (app scope, result). Derived from the cache key, so every web process
 * computes the same id for the same result (the queue then refuses a second job), and keyed
 * with a secret so nobody can list or guess other apps' jobs from URLs they do not know.
 */
import { createHash, createHmac } from 'node:crypto';

export const JOB_ID = /^[a-z0-9][a-z0-9-]{0,31}\.[A-Za-z0-9_-]{32}$/;

/**
 * `secret`: the signing app's secret (signed requests) or IMGFLOW_JOB_SECRET; without either,
 * the id is as public as the URL it came from (unsigned requests are anyone's anyway).
 */
export function jobIdFor(queue: string, cacheKey: string, scope: { app?: string; secret?: string }): string {
  const doc = `imgflow-job\n${scope.app ?? ''}\n${cacheKey}`;
  const mac = scope.secret ? createHmac('sha256', scope.secret).update(doc) : createHash('sha256').update(doc);
  return `${queue}.${mac.digest('base64url').slice(0, 32)}`;
}

export function queueOfJobId(id: string): string {
  return id.slice(0, id.indexOf('.'));
}
