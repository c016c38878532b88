/**
 * The BullMQ engine, worker side: consumes job queues, evaluates each job with runJob (the
 * queue's own concurrency, not the inline limiter), reports progress, fails bad input at once
 * and lets BullMQ retry transient faults with backoff. A worker that dies loses its lock after
 * IMGFLOW_JOB_LOCK_MS and BullMQ gives the job to another (stalled-job recovery).
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Config } from '../config.ts';
import { callbacksKey, JOB_NAME, type SetCommands } from './bullmq.ts';
import { deliverCallback } from './callback.ts';
import { redisConnection } from './redis.ts';
import { isTransient, jobErrorOf, runJob, type JobDeps } from './run-job.ts';
import type { JobError, JobSpec, JobStatus } from './types.ts';

export interface JobWorkersOptions extends JobDeps {
  queues: string[];
  concurrency: number;
  appSecret?: (app: string) => string | undefined;
}

export interface JobWorkers {
  /** Stops taking jobs; finishes running ones for up to `deadlineMs`, then hands them back to the queue. */
  close(deadlineMs: number): Promise<void>;
  health(): { status: 'ok' | 'stopping' } & Record<string, unknown>;
  /** How long no job has been running (ms); 0 while one runs. */
  idleMs(): number;
}

interface Running {
  job: Job<JobSpec>;
  token: string;
  controller: AbortController;
}

export function startJobWorkers(opts: JobWorkersOptions): JobWorkers {
  const { config, log } = opts;
  const running = new Map<string, Running>();
  const handingBack = new Set<string>();
  const callbacks = new Set<Promise<unknown>>();
  const counters = { succeeded: 0, failed: 0, retried: 0, handedBack: 0 };
  let stopping = false;
  let pastDeadline = false;
  let idleFrom = Date.now();

  async function notify(job: Job<JobSpec>, state: 'succeeded' | 'failed', error: JobError | undefined, client: SetCommands) {
    const spec = job.data;
    const extra = await client.smembers(callbacksKey(config, spec.id)).catch(() => [] as string[]);
    const urls = [...new Set([...(spec.callbacks ?? []), ...extra])];
    if (urls.length === 0) return;
    const status: JobStatus = {
      id: spec.id, state, queue: spec.queue, graph: spec.graph, progress: state === 'succeeded' ? 1 : 0, result: spec.url,
      attempts: job.attemptsMade + 1, createdAt: job.timestamp, finishedAt: Date.now(), ...(error ? { error } : {}),
    };
    const secret = spec.app ? opts.appSecret?.(spec.app) : undefined;
    for (const url of urls) {
      const p = deliverCallback(config, url, status, secret, log);
      callbacks.add(p);
      void p.finally(() => callbacks.delete(p));
    }
  }

  const processor = async (job: Job<JobSpec>, token?: string) => {
    const controller = new AbortController();
    running.set(String(job.id), { job, token: token!, controller });
    // Taken just as the shutdown deadline passed: straight back to the queue.
    if (pastDeadline) {
      handingBack.add(String(job.id));
      controller.abort(new Error('worker shutting down'));
    }
    let reported = 0;
    let chain: Promise<unknown> = Promise.resolve();
    try {
      await runJob(opts, job.data, {
        signal: controller.signal,
        onProgress: (fraction, stage) => {
          reported = Math.max(reported, Math.min(1, fraction));
          const progress = { fraction: reported, stage };
          // In order, one write at a time: readers see progress only grow.
          chain = chain.then(() => job.updateProgress(progress)).catch(() => {});
        },
      });
      await chain;
      counters.succeeded++;
      // A POSTed input is not needed once the result is stored: do not keep it in Redis.
      if (job.data.body !== undefined) await job.updateData({ ...job.data, body: undefined }).catch(() => {});
      void notify(job, 'succeeded', undefined, (await worker(job.queueName).client) as unknown as SetCommands);
    } catch (err) {
      await chain;
      if (handingBack.has(String(job.id))) {
        // Shutting down past the deadline: back to the queue, for another worker, attempt not counted.
        counters.handedBack++;
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const error = jobErrorOf(err);
      const retry = isTransient(err) && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      if (retry) counters.retried++;
      else {
        counters.failed++;
        void notify(job, 'failed', error, (await worker(job.queueName).client) as unknown as SetCommands);
      }
      log.warn({ job: job.id, code: error.code, attempt: job.attemptsMade + 1, retry }, 'job failed');
      throw retry ? new Error(JSON.stringify(error)) : new UnrecoverableError(JSON.stringify(error));
    } finally {
      running.delete(String(job.id));
      if (running.size === 0) idleFrom = Date.now();
    }
  };

  const workers = new Map<string, Worker>();
  const worker = (name: string) => workers.get(name)!;
  for (const name of opts.queues) {
    const w = new Worker<JobSpec>(name, processor, {
      connection: redisConnection(config, true),
      prefix: config.redisPrefix,
      concurrency: opts.concurrency,
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      maxStalledCount: Math.max(1, config.jobAttempts - 1),
      name: JOB_NAME,
    });
    w.on('error', (err) => log.warn({ queue: name, err: err.message }, 'worker Redis error'));
    w.on('stalled', (jobId) => log.warn({ queue: name, job: jobId }, 'job stalled: its worker stopped renewing the lock; it is queued again'));
    workers.set(name, w);
  }

  return {
    async close(deadlineMs) {
      stopping = true;
      const closing = Promise.all([...workers.values()].map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => { timer = setTimeout(() => resolve('deadline'), deadlineMs); });
      if ((await Promise.race([closing, deadline])) === 'deadline') {
        pastDeadline = true;
        for (const [id, r] of running) {
          handingBack.add(id);
          r.controller.abort(new Error('worker shutting down'));
        }
        await closing;
      }
      clearTimeout(timer);
      await Promise.race([Promise.allSettled([...callbacks]), new Promise((r) => setTimeout(r, 1000))]);
    },
    idleMs: () => (running.size > 0 ? 0 : Date.now() - idleFrom),
    health() {
      return {
        status: stopping ? 'stopping' as const : 'ok' as const,
        queues: opts.queues,
        concurrency: opts.concurrency,
        running: [...running.keys()],
        ...counters,
      };
    },
  };
}
