/**
 * The embedded engine: jobs queued and run inside the server process (no Redis), with their
 * own concurrency per queue, apart from the inline limiter, so a few heavy jobs never take the
 * slots thumbnails need. Statuses live in memory for IMGFLOW_JOB_KEEP_SECONDS.
 */
import { availableParallelism } from 'node:os';
import { errors } from '../../runtime/errors.ts';
import { createComputePool, logEngine } from '../../runtime/offload/compute-pool.ts';
import type { GpuMode } from '../../operations/kernels/backend.ts';
import { deliverCallback } from './callback.ts';
import { Durations, etaSeconds } from './eta.ts';
import { isTransient, jobErrorOf, runJob, type JobDeps } from './run-job.ts';
import { isFinished, type JobQueue, type JobSpec, type JobStatus } from './types.ts';

interface Entry {
  spec: JobSpec;
  status: JobStatus;
  listeners: Set<(s: JobStatus) => void>;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
}

const MAX_FINISHED = 10_000;

export interface EmbeddedDeps extends JobDeps {
  /** The secret callbacks of an app's jobs are signed with. */
  appSecret?: (app: string) => string | undefined;
}

export function createEmbeddedQueue(embeddedDeps: EmbeddedDeps): JobQueue {
  const { config } = embeddedDeps;
  // Jobs get threads of their own, scheduled below the inline requests' (nice 19 against 10):
  // four dreams must neither take the threads a motion blur waits for nor its time slices.
  const ownCompute = embeddedDeps.compute ? undefined : createComputePool({
    threads: Math.min(availableParallelism(), config.jobConcurrency * 2),
    gpu: config.gpu as GpuMode,
    niceIncrement: 19,
    cancelWaitMs: config.computeCancelWaitMs,
    onEngine: logEngine(embeddedDeps.log),
  });
  const deps: EmbeddedDeps = { ...embeddedDeps, compute: embeddedDeps.compute ?? ownCompute };
  const jobs = new Map<string, Entry>();
  const waiting = new Map<string, string[]>();
  const running = new Map<string, number>();
  const durations = new Durations();
  const pending = new Set<Promise<unknown>>();
  const closing = new AbortController();
  const counters = { submitted: 0, deduplicated: 0, succeeded: 0, failed: 0, retried: 0 };
  /** Ids of finished jobs still kept, oldest first. */
  const finished = new Set<string>();
  const forget = (id: string) => {
    const e = jobs.get(id);
    if (e && isFinished(e.status)) {
      if (e.timer) clearTimeout(e.timer);
      jobs.delete(id);
    }
    finished.delete(id);
  };

  const snapshot = (e: Entry): JobStatus => {
    const s = { ...e.status };
    if (s.state === 'queued') {
      const list = waiting.get(s.queue) ?? [];
      const at = list.indexOf(s.id);
      if (at >= 0) s.position = at;
    }
    s.etaSeconds = etaSeconds(durations.mean(s.queue), s.state, s.progress, s.position, config.jobConcurrency);
    return s;
  };
  const emit = (e: Entry) => {
    const s = snapshot(e);
    for (const l of e.listeners) l(s);
  };
  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  function finish(e: Entry, patch: Partial<JobStatus>) {
    Object.assign(e.status, patch, { finishedAt: Date.now() });
    emit(e);
    e.listeners.clear();
    // A POSTed input is not needed any more; the status is kept.
    delete e.spec.body;
    // Finished jobs are kept for a while (and at most MAX_FINISHED of them) so /jobs/<id> and
    // late waiters can see them.
    e.timer = setTimeout(() => forget(e.spec.id), config.jobKeepSeconds * 1000);
    e.timer.unref();
    finished.add(e.spec.id);
    if (finished.size > MAX_FINISHED) forget(finished.values().next().value!);
    for (const url of e.spec.callbacks ?? []) {
      track(deliverCallback(config, url, snapshot(e), e.spec.app ? deps.appSecret?.(e.spec.app) : undefined, deps.log, closing.signal));
    }
  }

  function pump(queue: string) {
    const list = waiting.get(queue) ?? [];
    while ((running.get(queue) ?? 0) < config.jobConcurrency && list.length > 0 && !closing.signal.aborted) {
      const e = jobs.get(list.shift()!);
      if (e) track(start(e));
    }
    for (const id of list) {
      const e = jobs.get(id);
      if (e) emit(e); // positions moved
    }
  }

  async function start(e: Entry) {
    const { queue } = e.spec;
    running.set(queue, (running.get(queue) ?? 0) + 1);
    e.controller = new AbortController();
    Object.assign(e.status, { state: 'processing', attempts: e.status.attempts + 1, startedAt: Date.now(), progress: 0, position: undefined });
    emit(e);
    const t0 = Date.now();
    try {
      await runJob(deps, e.spec, {
        signal: AbortSignal.any([e.controller.signal, closing.signal]),
        onProgress: (fraction, detail) => {
          // Stage ends report overall progress; a long operation reports within its stage.
          e.status.progress = Math.max(e.status.progress, Math.min(1, fraction));
          e.status.stage = detail;
          emit(e);
        },
      });
      durations.add(queue, Date.now() - t0);
      counters.succeeded++;
      finish(e, { state: 'succeeded', progress: 1 });
    } catch (err) {
      if (isTransient(err) && e.status.attempts < config.jobAttempts && !closing.signal.aborted) {
        counters.retried++;
        Object.assign(e.status, { state: 'queued', error: jobErrorOf(err) });
        emit(e);
        const delay = config.jobBackoffMs * 2 ** (e.status.attempts - 1);
        e.timer = setTimeout(() => {
          (waiting.get(queue) ?? waiting.set(queue, []).get(queue)!).push(e.spec.id);
          pump(queue);
        }, delay);
        e.timer.unref();
      } else {
        counters.failed++;
        finish(e, { state: 'failed', error: jobErrorOf(err) });
      }
    } finally {
      running.set(queue, (running.get(queue) ?? 1) - 1);
      e.controller = undefined;
      pump(queue);
    }
  }

  const waitingCount = () => [...waiting.values()].reduce((n, l) => n + l.length, 0);

  return {
    engine: 'embedded',
    async submit(spec) {
      const existing = jobs.get(spec.id);
      // Only a queued or running job is joined: the caller missed the cache, so a finished job's
      // result is gone (or it failed) and it runs again (finding the result stored evaluates nothing).
      if (existing && !isFinished(existing.status)) {
        counters.deduplicated++;
        // A later request's callback joins the running job's.
        const urls = (existing.spec.callbacks ??= []);
        for (const url of spec.callbacks ?? []) if (!urls.includes(url)) urls.push(url);
        return snapshot(existing);
      }
      if (closing.signal.aborted) throw errors.IMGFLOW_ERR_QUEUE_UNAVAILABLE({}, undefined, 'the server is shutting down');
      if (waitingCount() >= config.jobMaxQueued) throw errors.IMGFLOW_ERR_QUEUE_FULL({ queue: spec.queue }, undefined, spec.queue, waitingCount());
      if (existing?.timer) clearTimeout(existing.timer);
      finished.delete(spec.id);
      const e: Entry = {
        spec,
        listeners: existing?.listeners ?? new Set(),
        status: { id: spec.id, state: 'queued', queue: spec.queue, graph: spec.graph, progress: 0, result: spec.url, attempts: 0, createdAt: Date.now() },
      };
      jobs.set(spec.id, e);
      counters.submitted++;
      (waiting.get(spec.queue) ?? waiting.set(spec.queue, []).get(spec.queue)!).push(spec.id);
      const status = snapshot(e);
      pump(spec.queue);
      return status;
    },
    async get(id) {
      const e = jobs.get(id);
      return e && snapshot(e);
    },
    async waitFor(id, ms, signal) {
      const e = jobs.get(id);
      if (!e || isFinished(e.status) || ms <= 0) return e && snapshot(e);
      return new Promise<JobStatus | undefined>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          e.listeners.delete(listener);
          signal?.removeEventListener('abort', done);
          resolve(snapshot(e));
        };
        const listener = (s: JobStatus) => { if (isFinished(s)) done(); };
        const timer = setTimeout(done, ms);
        e.listeners.add(listener);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    async watch(id, listener) {
      const e = jobs.get(id);
      if (!e) return () => {};
      listener(snapshot(e));
      if (isFinished(e.status)) return () => {};
      e.listeners.add(listener);
      return () => e.listeners.delete(listener);
    },
    describe() {
      return {
        engine: 'embedded',
        concurrency: config.jobConcurrency,
        running: Object.fromEntries(running),
        waiting: Object.fromEntries([...waiting].map(([q, l]) => [q, l.length])),
        ...counters,
        // The jobs' own threads: what DeepDream ran on (compute.engines), as /healthz's compute has it for inline work.
        ...(ownCompute && { compute: ownCompute.stats() }),
      };
    },
    async close() {
      closing.abort(errors.IMGFLOW_ERR_QUEUE_UNAVAILABLE({}, undefined, 'the server is shutting down'));
      for (const e of jobs.values()) if (e.timer) clearTimeout(e.timer);
      await Promise.allSettled([...pending]);
      await ownCompute?.close();
    },
  };
}
