/**
 * The BullMQ engine, web side: jobs are added to Redis queues (one per queue name, under
 * IMGFLOW_REDIS_PREFIX) with the job id as BullMQ's jobId, so a second add of the same result
 * is a no-op; statuses are read back from Redis and followed through QueueEvents.
 * `imgflow worker` processes consume (server/jobs/worker.ts).
 */
import { createRequire } from 'node:module';
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Config } from '../config.ts';
import { Durations, etaSeconds } from './eta.ts';
import { queueOfJobId } from './job-id.ts';
import { guarded, redisConnection } from './redis.ts';
import type { JobDeps } from './run-job.ts';
import { isFinished, type JobError, type JobQueue, type JobSpec, type JobStatus } from './types.ts';

export const JOB_NAME = 'render';

/** Completion notices added to a job after it was queued (a later request with its own callback). */
export function callbacksKey(config: Config, id: string): string {
  return `${config.redisPrefix}:callbacks:${id}`;
}

/** The few Redis set commands used beside BullMQ's own (ioredis has them). */
export interface SetCommands {
  sadd(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  expire(key: string, seconds: number): Promise<number>;
}

export interface JobProgress {
  fraction: number;
  stage?: Record<string, unknown>;
}

/** What a worker's failure leaves in failedReason: the coded error as JSON. */
export function parseFailure(reason: string | undefined, id: string): JobError {
  try {
    const e = JSON.parse(reason ?? '') as JobError;
    if (typeof e.code === 'string' && typeof e.statusCode === 'number') return e;
  } catch { /* not ours: a stall limit, a crash */ }
  return { code: 'IMGFLOW_ERR_JOB_FAILED', statusCode: 503, message: `Job ${id} failed: ${reason ?? 'unknown reason'}` };
}

export function statusOf(job: Job, state: string, extra: { position?: number; mean?: number; slots?: number } = {}): JobStatus {
  const spec = job.data as JobSpec;
  const p = (typeof job.progress === 'object' && job.progress !== null ? job.progress : { fraction: 0 }) as JobProgress;
  const mapped = state === 'active' ? 'processing' : state === 'completed' ? 'succeeded' : state === 'failed' ? 'failed' : 'queued';
  const status: JobStatus = {
    id: String(job.id),
    state: mapped,
    queue: spec.queue,
    graph: spec.graph,
    progress: mapped === 'succeeded' ? 1 : mapped === 'queued' && job.attemptsMade === 0 ? 0 : Math.min(1, p.fraction ?? 0),
    ...(p.stage && mapped !== 'queued' ? { stage: p.stage } : {}),
    ...(mapped === 'queued' && extra.position !== undefined ? { position: extra.position } : {}),
    result: spec.url,
    attempts: job.attemptsMade + (mapped === 'processing' ? 1 : 0),
    createdAt: job.timestamp,
    ...(job.processedOn ? { startedAt: job.processedOn } : {}),
    ...(job.finishedOn && (mapped === 'succeeded' || mapped === 'failed') ? { finishedAt: job.finishedOn } : {}),
  };
  if (mapped === 'failed') status.error = parseFailure(job.failedReason, status.id);
  status.etaSeconds = etaSeconds(extra.mean, status.state, status.progress, status.position, extra.slots ?? 1);
  return status;
}

const REFRESH_MS = 10_000;

export function createBullQueue(config: Config, deps: JobDeps): JobQueue {
  // Required here, not imported at the top: BullMQ and ioredis add ~20 MB to every web process,
  // and only those with IMGFLOW_REDIS_URL use them (bench/README.md, "Memory"). A require (its
  // CommonJS build), not import(): a dynamic import would load this module's own imports twice
  // where the rest was loaded as CommonJS (tsx in the specs), and ImgflowError checks would fail.
  const { Queue, QueueEvents } = createRequire(import.meta.url)('bullmq') as typeof import('bullmq');
  const queues = new Map<string, Queue>();
  const events = new Map<string, Promise<QueueEvents>>();
  const watchers = new Map<string, Set<(progress?: JobProgress) => void>>();
  const durations = new Durations();
  const slots = new Map<string, number>();
  const refreshed = new Map<string, number>();
  let lastError: string | undefined;

  const queueFor = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: redisConnection(config, false), prefix: config.redisPrefix });
      q.on('error', (err) => {
        if (lastError !== err.message) deps.log.warn({ queue: name, err: err.message }, 'Redis error (job queue)');
        lastError = err.message;
      });
      queues.set(name, q);
    }
    return q;
  };

  /** Follows a queue's events; every event for a watched job wakes its watchers. */
  const eventsFor = (name: string) => {
    let e = events.get(name);
    if (!e) {
      const qe = new QueueEvents(name, { connection: redisConnection(config, true), prefix: config.redisPrefix });
      qe.on('error', () => { /* reconnects by itself; the queue logs Redis errors */ });
      const wake = ({ jobId }: { jobId: string }) => { for (const w of watchers.get(jobId) ?? []) w(); };
      for (const ev of ['waiting', 'active', 'completed', 'failed', 'delayed', 'stalled', 'retries-exhausted', 'removed'] as const) qe.on(ev as 'waiting', wake);
      // Progress events carry their value: each one is passed on, even when the next follows at once.
      qe.on('progress', ({ jobId, data }) => {
        for (const w of watchers.get(jobId) ?? []) w(typeof data === 'object' && data !== null ? data as JobProgress : undefined);
      });
      e = qe.waitUntilReady().then(() => qe);
      events.set(name, e);
    }
    return e;
  };

  /** Mean duration and consumer count of a queue, refreshed every 10 s (for ETAs). */
  async function refresh(q: Queue) {
    const at = refreshed.get(q.name) ?? 0;
    // Until a first duration is known, every read looks again: the first ETA comes with it.
    if (Date.now() - at < REFRESH_MS && durations.mean(q.name) !== undefined) return;
    refreshed.set(q.name, Date.now());
    const done = await q.getJobs(['completed'], 0, 19, false);
    const samples = done.filter((j) => j.processedOn && j.finishedOn).map((j) => j.finishedOn! - j.processedOn!);
    if (samples.length) durations.set(q.name, samples);
    slots.set(q.name, Math.max(1, await q.getWorkersCount()));
  }

  async function position(q: Queue, id: string): Promise<number | undefined> {
    const client = await q.client;
    const key = q.toKey('wait');
    const [at, len] = await Promise.all([client.lpos(key, id), client.llen(key)]);
    // New jobs are pushed on the left and taken from the right.
    return at === null ? undefined : len - 1 - at;
  }

  async function read(id: string): Promise<JobStatus | undefined> {
    const name = queueOfJobId(id);
    const q = queueFor(name);
    // State first, then the job: a job read before its state may predate the state's change
    // (a failed job without its failedReason yet); read after, it is at least as new.
    let state = await q.getJobState(id);
    let pos = state === 'waiting' ? await position(q, id) : undefined;
    // Taken by a worker between the two reads: its state has moved on.
    if (state === 'waiting' && pos === undefined) state = await q.getJobState(id);
    const job = state === 'unknown' ? undefined : await q.getJob(id);
    if (!job) return undefined;
    await refresh(q);
    if (state !== 'waiting') pos = undefined;
    return statusOf(job, state, { position: pos, mean: durations.mean(name), slots: slots.get(name) });
  }

  const get = (id: string) => guarded(config, 'a job status', () => read(id));

  async function watch(id: string, listener: (s: JobStatus) => void): Promise<() => void> {
    await guarded(config, 'a subscription', () => eventsFor(queueOfJobId(id)));
    let chain = Promise.resolve();
    let last = '';
    let current: JobStatus | undefined;
    let stopped = false;
    // Statuses are read one after another, so they reach the listener in order.
    const wake = (progress?: JobProgress) => {
      chain = chain.then(async () => {
        if (stopped) return;
        const s = progress && current && !isFinished(current)
          ? { ...current, state: 'processing' as const, progress: Math.max(current.progress, Math.min(1, progress.fraction)), stage: progress.stage, position: undefined }
          : await read(id).catch(() => undefined);
        if (!s || stopped) return;
        // A read that lags behind progress already passed on must not move it back.
        if (current && s.state === current.state && s.progress < current.progress) s.progress = current.progress;
        current = s;
        const text = JSON.stringify({ ...s, etaSeconds: undefined, position: s.position });
        if (text === last) return;
        last = text;
        listener(s);
        if (isFinished(s)) stop();
      });
    };
    const set = watchers.get(id) ?? new Set();
    set.add(wake);
    watchers.set(id, set);
    const stop = () => {
      stopped = true;
      set.delete(wake);
      if (set.size === 0) watchers.delete(id);
    };
    wake();
    await chain;
    return stop;
  }

  return {
    engine: 'bullmq',
    submit(spec) {
      return guarded(config, 'the new job', async () => {
        const q = queueFor(spec.queue);
        if (spec.callbacks?.length) {
          const client = (await q.client) as unknown as SetCommands;
          await client.sadd(callbacksKey(config, spec.id), ...spec.callbacks);
          await client.expire(callbacksKey(config, spec.id), config.jobKeepSeconds);
        }
        const existing = await q.getJob(spec.id);
        if (existing) {
          const state = await existing.getState();
          if (state !== 'completed' && state !== 'failed') return statusOf(existing, state);
          // The caller missed the cache, so a finished job's result is gone or it failed: run it
          // again, under the same id (a worker finding the result stored after all evaluates nothing).
          await existing.updateData(spec);
          try {
            await existing.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
          } catch (err) {
            // Another web process restarted it first: join that run.
            const now = await q.getJob(spec.id);
            const nowState = now && await now.getState();
            if (!now || nowState === 'completed' || nowState === 'failed') throw err;
            return statusOf(now, nowState!);
          }
          const again = await q.getJob(spec.id);
          return statusOf(again ?? existing, again ? await again.getState() : 'waiting');
        }
        const job = await q.add(JOB_NAME, spec, {
          jobId: spec.id,
          attempts: config.jobAttempts,
          backoff: { type: 'exponential', delay: config.jobBackoffMs },
          removeOnComplete: { age: config.jobKeepSeconds },
          removeOnFail: { age: config.jobKeepSeconds },
        });
        return statusOf(job, await job.getState());
      });
    },
    get,
    async waitFor(id, ms, signal) {
      if (ms <= 0) return get(id);
      return new Promise<JobStatus | undefined>((resolve, reject) => {
        let stop: (() => void) | undefined;
        let settled = false;
        const settle = (s: JobStatus | undefined) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          stop?.();
          resolve(s);
        };
        const onAbort = () => settle(undefined);
        const timer = setTimeout(() => void get(id).then(settle, reject), ms);
        signal?.addEventListener('abort', onAbort, { once: true });
        watch(id, (s) => { if (isFinished(s)) settle(s); }).then((s) => {
          stop = s;
          if (settled) s();
        }, (err) => {
          settled = true;
          clearTimeout(timer);
          reject(err);
        });
      });
    },
    watch,
    describe() {
      return { engine: 'bullmq', prefix: config.redisPrefix, queues: [...queues.keys()], lastRedisError: lastError ?? null };
    },
    async close() {
      await Promise.allSettled([...events.values()].map(async (e) => (await e).close()));
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
    },
  };
}
