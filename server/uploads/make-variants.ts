/**
 * An upload's job, wherever it runs (embedded engine or an `imgflow worker`): reads the
 * original from the upload store, evaluates each variant's graph on it (the same path as any
 * image request: parameters checked, sizes predicted, pixels limited), stores each variant and
 * then the manifest. A variant already made with the same definition is not made again.
 */
import { errors } from '../../runtime/errors.ts';
import type { JobDeps, JobOutcome } from '../jobs/run-job.ts';
import type { UploadJobSpec } from '../jobs/types.ts';
import { etagFor } from '../cache/key.ts';
import { mimeTypes } from '../formats.ts';
import { checkImage, orientedSize } from '../input/check-image.ts';
import { parseImageRequest, processImage, type ImageRequest } from '../process-request.ts';
import { originalUrl, readManifest, variantUrl, writeManifest, type Manifest } from './manifest.ts';
import { keys, readOriginal, uploadStoreFor } from './store.ts';

type Progress = ((fraction: number, detail: Record<string, unknown>) => void) | undefined;

export async function makeUploadVariants(deps: JobDeps, job: UploadJobSpec, signal: AbortSignal, onProgress: Progress): Promise<JobOutcome> {
  const { runtime, config, log } = deps;
  const { store } = uploadStoreFor(config);
  const original = await readOriginal(config, job.id);
  const info = await checkImage(original.bytes, { maxPixels: config.maxInputPixels });
  const size = orientedSize(info);
  const manifest: Manifest = await readManifest(store, job.id) ?? {
    id: job.id,
    original: { url: originalUrl(job.id), type: original.contentType, width: size.width, height: size.height, bytes: original.bytes.length },
    variants: {},
    updatedAt: Date.now(),
  };
  const n = job.variants.length;
  let made = 0;
  for (const [i, v] of job.variants.entries()) {
    if (signal.aborted) throw signal.reason;
    const known = manifest.variants[v.name];
    if (known?.spec === v.spec && await store.head(keys.variant(job.id, v.name))) continue;
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
      meta: { upload: job.id, variant: v.name, spec: v.spec },
    };
    try {
      await store.put(keys.variant(job.id, v.name), entry);
    } catch (err) {
      throw errors.IMGFLOW_ERR_CACHE_STORE({ key: keys.variant(job.id, v.name) }, err, store.name, 'put', (err as Error).message);
    }
    manifest.variants[v.name] = {
      url: variantUrl(job.id, v.name, v.spec), type: entry.contentType, width: result.width, height: result.height,
      bytes: result.bytes.length, etag: entry.etag, graph: v.graph, spec: v.spec,
    };
    made++;
    log.info({ upload: job.id, variant: v.name, ms: Math.round(performance.now() - t0), bytes: result.bytes.length }, 'upload variant stored');
  }
  if (made > 0) {
    manifest.updatedAt = Date.now();
    try {
      await writeManifest(store, manifest);
    } catch (err) {
      throw errors.IMGFLOW_ERR_CACHE_STORE({ key: keys.manifest(job.id) }, err, store.name, 'put', (err as Error).message);
    }
  }
  onProgress?.(1, { done: n, of: n });
  return { evaluated: made > 0, stored: made > 0 };
}
