/**
 * Computes one job's result, wherever the job runs (embedded engine or a worker process):
 * the cache is checked first, the request re-checked against the graph revision the job was
 * queued with, the graph evaluated outside the inline limiter, and the result stored once.
 */
import { errors, ImgflowError, toImgflowError } from '../../runtime/errors.ts';
import type { Runtime } from '../../runtime/index.ts';
import type { ComputePool } from '../../runtime/offload/compute-pool.ts';
import type { Config } from '../config.ts';
import type { ImageCache } from '../image-cache.ts';
import { cachedEntryOf, parseImageRequest, processImage, resultKeyOf } from '../process-request.ts';
import type { JobError, JobSpec } from './types.ts';
import { makeUploadVariants } from '../uploads/make-variants.ts';

export interface JobDeps {
  runtime: Runtime;
  config: Config;
  imageCache: ImageCache;
  /** Threads for the jobs' heavy stages; default the runtime's (a worker process serves nothing else). */
  compute?: ComputePool;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface JobOutcome {
  /** False when the result was already cached: nothing was evaluated. */
  evaluated: boolean;
  /** False when the store already held the result (a job run twice stores it once). */
  stored: boolean;
}

/** Faults worth another attempt: the input's server or the store, not the request. */
const TRANSIENT = new Set(['IMGFLOW_ERR_UPSTREAM_UNREACHABLE', 'IMGFLOW_ERR_UPSTREAM_TIMEOUT', 'IMGFLOW_ERR_CACHE_STORE', 'IMGFLOW_ERR_INTERNAL']);

export function isTransient(err: unknown): boolean {
  const e = toImgflowError(err);
  if (e.code === 'IMGFLOW_ERR_UPSTREAM_STATUS') return Number(e.details.status) >= 500 || Number(e.details.status) === 429;
  return TRANSIENT.has(e.code);
}

export function jobErrorOf(err: unknown): JobError {
  const e = toImgflowError(err);
  return { code: e.code, statusCode: e.statusCode, message: e.message };
}

export async function runJob(deps: JobDeps, spec: JobSpec, run: { signal?: AbortSignal; onProgress?: (fraction: number, detail: Record<string, unknown>) => void } = {}): Promise<JobOutcome> {
  const { config, imageCache } = deps;
  // Another job (another app's, or an earlier run of this one) may have stored it already.
  if (!spec.upload && await imageCache.cache.head(spec.key)) return { evaluated: false, stored: false };

  // The time limit travels in the signal, so long operations (DeepDream between iterations)
  // stop at it instead of running to the end of their stage.
  const limit = new AbortController();
  const deadline = Date.now() + config.jobTimeoutMs;
  const expire = () => limit.abort(errors.IMGFLOW_ERR_PROCESSING_TIMEOUT({ job: spec.id }, undefined, config.jobTimeoutMs));
  const timer = setTimeout(expire, config.jobTimeoutMs);
  // An operation computing on this thread starves timers; its progress reports are its
  // heartbeat, so the clock is also read there, before the operation checks the signal again.
  const onProgress = (fraction: number, detail: Record<string, unknown>) => {
    if (Date.now() >= deadline && !limit.signal.aborted) expire();
    run.onProgress?.(fraction, detail);
  };
  try {
    const signal = run.signal ? AbortSignal.any([run.signal, limit.signal]) : limit.signal;
    if (spec.upload) return await makeUploadVariants(deps, spec.upload, signal, onProgress);
    return await evaluateAndStore(deps, spec, signal, onProgress);
  } finally {
    clearTimeout(timer);
  }
}

async function evaluateAndStore(deps: JobDeps, spec: JobSpec, signal: AbortSignal, onProgress: ((fraction: number, detail: Record<string, unknown>) => void) | undefined): Promise<JobOutcome> {
  const { runtime, config, imageCache } = deps;
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body, 'base64');
  const req = { graph: spec.graph, ext: spec.format, query: spec.query, body, signal, onProgress };
  // The web process negotiated the format; the worker gets it as an extension, with the
  // negotiated fallback for transparency that extension alone would not give.
  const parsed = { ...parseImageRequest(runtime, config, req), alphaFormat: spec.alphaFormat };
  const key = resultKeyOf(spec.graph, parsed, spec.query, body);
  // Edited (here or where the job was queued) since, or coerced differently: the result would not match its URL.
  if (key !== spec.key || parsed.prepared.revision !== spec.revision) throw errors.IMGFLOW_ERR_JOB_STALE({ graph: spec.graph }, undefined, spec.graph);

  const t0 = performance.now();
  const result = await processImage(runtime, config, parsed, req, { timeoutMs: config.jobTimeoutMs, compute: deps.compute });
  const entry = cachedEntryOf(result, spec.graph, spec.revision);
  let stored = false;
  const { store, memory } = imageCache;
  if (store) {
    try {
      // A job run twice (a worker lost its lock, two apps' jobs) keeps the first copy.
      if (!(await store.head(spec.key))) {
        await store.put(spec.key, entry);
        stored = true;
      }
    } catch (err) {
      throw err instanceof ImgflowError ? err : errors.IMGFLOW_ERR_CACHE_STORE({ key: spec.key }, err, store.name, 'store', (err as Error).message);
    }
  }
  await memory?.put(spec.key, entry);
  deps.log.info({ job: spec.id, graph: spec.graph, stored, ms: Math.round(performance.now() - t0), bytes: entry.bytes.length }, stored ? 'job stored' : 'job done');
  return { evaluated: true, stored };
}
