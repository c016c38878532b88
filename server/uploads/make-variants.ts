/**
 * An upload's job for one variant set, wherever it runs (embedded engine or an `imgflow
 * worker`): reads the original from the upload store, evaluates each variant's graph on it
 * (the same path as any image request: parameters checked, sizes predicted, pixels limited)
 * and stores each under its own key with its description (manifest.ts): there is no shared
 * record to update, so jobs of two sets of one upload can run at once. A variant already
 * stored with the same definition (by this set or another) is not made again.
 */
import { errors } from '../../runtime/errors.ts';
import type { JobDeps, JobOutcome } from '../jobs/run-job.ts';
import type { UploadJobSpec } from '../jobs/types.ts';
import { etagFor } from '../cache/key.ts';
import { mimeTypes } from '../formats.ts';
import { parseImageRequest, processImage, type ImageRequest } from '../process-request.ts';
import { variantMeta } from './manifest.ts';
import { keys, readOriginal, uploadStoreFor } from './store.ts';

type Progress = ((fraction: number, detail: Record<string, unknown>) => void) | undefined;

export async function makeUploadVariants(deps: JobDeps, job: UploadJobSpec, signal: AbortSignal, onProgress: Progress): Promise<JobOutcome> {
  const { runtime, config, log } = deps;
  const { store } = uploadStoreFor(config);
  const original = await readOriginal(config, job.id);
  const n = job.variants.length;
  let made = 0;
  for (const [i, v] of job.variants.entries()) {
    if (signal.aborted) throw signal.reason;
    const key = keys.variant(job.id, v.name, v.spec);
    if (await store.head(key)) continue;
    onProgress?.(i / n, { variant: v.name, done: i, of: n });
    const query = Object.fromEntries(Object.entries(v.params).map(([k, value]) => [k, String(value)]));
    const req: ImageRequest = {
      graph: v.graph,
      ext: v.format,
      query,
      body: original.bytes,
      signal,
      onProgress: (f, detail) => onProgress?.((i + Math.min(1, f)) / n, { variant: v.name, done: i, of: n, ...detail }),
    };
    const t0 = performance.now();
    const result = await processImage(runtime, config, parseImageRequest(runtime, config, req), req, { timeoutMs: config.jobTimeoutMs, compute: deps.compute });
    const entry = {
      bytes: result.bytes,
      contentType: mimeTypes[result.format],
      etag: etagFor(result.bytes),
      createdAt: Date.now(),
      meta: variantMeta(job.id, v.name, v.spec, v, result.width, result.height),
    };
    try {
      // Written in one piece (disk: a rename; S3: one PUT), so a head never sees half a variant.
      await store.put(key, entry);
    } catch (err) {
      throw errors.IMGFLOW_ERR_CACHE_STORE({ key }, err, store.name, 'put', (err as Error).message);
    }
    made++;
    log.info({ upload: job.id, set: job.set, variant: v.name, ms: Math.round(performance.now() - t0), bytes: result.bytes.length }, 'upload variant stored');
  }
  onProgress?.(1, { done: n, of: n });
  return { evaluated: made > 0, stored: made > 0 };
}
