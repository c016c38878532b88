/**
 * One image request, transport-neutral: parameters checked against the graph, the input
 * loaded and checked, the graph evaluated. Routes (and the job worker) call this.
 */
import { cacheKey, etagFor, type CachedEntry, type CacheParamValue } from './cache/index.ts';
import type { OutputFormat } from '../operations/define.ts';
import { formatOf, checkPlanSizes, IMAGE_PARAM, loadImageParams, planSizes, SOURCE, type Runtime, type PreparedRequest } from '../runtime/index.ts';
import { errors } from '../runtime/errors.ts';
import type { RawParams } from '../runtime/params.ts';
import type { Config } from './config.ts';
import { formatFromExtension, mimeTypes, negotiateAlphaFormat, negotiateFormat } from './formats.ts';
import type { ComputePool } from '../runtime/offload/compute-pool.ts';
import { orientedSize, type ImageInfo } from './input/check-image.ts';
import { inputBudgetFor, type BytesHold } from './input/input-budget.ts';
import { loadSource, sourceIdentity } from './source.ts';
import type { ChainedLoader } from './input/chained.ts';

/** Query keys that are not graph parameters. */
export const RESERVED_PARAMS: ReadonlySet<string> = new Set(['input', 'expires', 'callback']);

export interface ImageRequest {
  graph: string;
  ext?: string;
  query: RawParams;
  body?: Buffer;
  accept?: string;
  signal?: AbortSignal;
  /** Answers an input that is a path on this server (imgflo's chained requests). */
  chained?: ChainedLoader;
  /** An inner link of a chained request: its outer request already holds an admission place. */
  insideChain?: boolean;
  /** Progress of long operations (0..1, with the stage or octave/iteration). */
  onProgress?: (fraction: number, detail: Record<string, unknown>) => void;
}

export interface ParsedRequest {
  prepared: PreparedRequest;
  format: OutputFormat;
  /** Negotiated: the format a result with transparency gets instead (PNG rather than JPEG). */
  alphaFormat?: OutputFormat;
  /** The format came from Accept: responses must say `Vary: Accept`. */
  negotiated: boolean;
}

export interface ImageResult {
  bytes: Buffer;
  format: OutputFormat;
  width: number;
  height: number;
  timings: { fetchMs: number; processMs: number; stages: { kind: string; nodes: string[]; ms: number }[] };
}

/** Everything that can be checked without the input: cheap, and a 4xx before any fetch. */
export function parseImageRequest(runtime: Runtime, config: Config, req: ImageRequest): ParsedRequest {
  const format = req.ext === undefined ? negotiateFormat(req.accept) : formatFromExtension(req.ext);
  const prepared = runtime.prepare(req.graph, req.query, RESERVED_PARAMS);
  const { width, height } = prepared.params;
  if (typeof width === 'number' && typeof height === 'number' && width * height > config.maxOutputPixels) {
    throw errors.IMGFLOW_ERR_OUTPUT_TOO_LARGE({ width, height, limit: config.maxOutputPixels }, undefined, width, height, config.maxOutputPixels);
  }
  const alphaFormat = req.ext === undefined ? negotiateAlphaFormat(req.accept, format) : undefined;
  return { prepared, format, alphaFormat, negotiated: req.ext === undefined };
}

/** How a caller other than the graph route wants its evaluation run. */
export interface EvaluateHow {
  /** A job's own time limit instead of IMGFLOW_PROCESSING_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Threads for the heavy stages instead of the runtime's (jobs must not take inline requests' threads). */
  compute?: ComputePool;
  /**
   * Runs the evaluation once the caller may use the CPU (the graph route: an evaluation slot,
   * taken after the inputs are loaded); unset, it runs at once.
   */
  slot?: <T>(task: () => Promise<T>) => Promise<T>;
}

/**
 * Loads the inputs and evaluates: admission is the caller's (the graph route holds a place
 * from before any download and passes `how.slot` for the evaluation; jobs run under their
 * queue's concurrency). Downloaded inputs count against the server's bytes in flight until
 * this ends.
 */
export async function processImage(runtime: Runtime, config: Config, parsed: ParsedRequest, req: ImageRequest, how: EvaluateHow = {}): Promise<ImageResult> {
  const hold = inputBudgetFor(config).hold();
  try {
    return await loadAndEvaluate(runtime, config, parsed, req, hold, how);
  } finally {
    hold.release();
  }
}

/**
 * Every image the plan will make, sized from the inputs' headers: the output and anything on
 * the way (an enlarge before a shrink) are refused before a pixel is decoded.
 */
function checkSizesBeforeWork(runtime: Runtime, config: Config, prepared: PreparedRequest, input: ImageInfo, imageParams: Map<string, ImageInfo>): void {
  const plan = runtime.bound(prepared);
  const sizes = planSizes(plan, (id) => {
    if (id === SOURCE) return orientedSize(input);
    const url = prepared.params[id.slice(IMAGE_PARAM.length)];
    const info = typeof url === 'string' ? imageParams.get(url) : undefined;
    return info && orientedSize(info);
  });
  checkPlanSizes(plan, sizes, {
    maxOutputPixels: config.maxOutputPixels,
    maxIntermediatePixels: Math.max(config.maxOutputPixels, config.maxInputPixels),
  });
}

async function loadAndEvaluate(runtime: Runtime, config: Config, parsed: ParsedRequest, req: ImageRequest, hold: BytesHold, how: EvaluateHow): Promise<ImageResult> {
  const { plan, params } = parsed.prepared;
  const headers = new Map<string, ImageInfo>();
  // Secondary images (image parameters such as deepdream's guide) are fetched alongside the input.
  const [source, images] = await Promise.all([
    loadSource(config, req.query.input, req.body, req.signal, hold, req.chained),
    loadImageParams(plan, params, async (url) => {
      const loaded = await loadSource(config, url, undefined, req.signal, hold);
      headers.set(url, loaded.info);
      return loaded.bytes;
    }),
  ]);
  checkSizesBeforeWork(runtime, config, parsed.prepared, source.info, headers);
  const slot = how.slot ?? ((task) => task());
  return slot(async () => {
    const t0 = performance.now();
    // imgflo's noop graphs keep the input's type when the URL names none.
    const format = plan.copyInput && req.ext === undefined ? (await formatOf(source.bytes)) ?? parsed.format : parsed.format;
    const result = await runtime.evaluateAdmitted(parsed.prepared, {
      input: source.bytes,
      images,
      format,
      // A noop graph's own format (copyInput) is not negotiated: no alpha fallback then.
      alphaFormat: format === parsed.format ? parsed.alphaFormat : undefined,
      limitInputPixels: config.maxInputPixels,
      timeoutMs: how.timeoutMs ?? config.processingTimeoutMs,
      signal: req.signal,
      onProgress: req.onProgress,
      ...(how.compute && { compute: how.compute }),
    });
    if (result.width * result.height > config.maxOutputPixels) {
      throw errors.IMGFLOW_ERR_OUTPUT_TOO_LARGE({ width: result.width, height: result.height, limit: config.maxOutputPixels }, undefined, result.width, result.height, config.maxOutputPixels);
    }
    return {
      bytes: result.bytes,
      format: result.format,
      width: result.width,
      height: result.height,
      timings: { fetchMs: source.fetchMs, processMs: performance.now() - t0, stages: result.timings },
    };
  });
}

/** The cache entry of a computed result: what the graph route and a job store alike. */
export function cachedEntryOf(result: ImageResult, graph: string, revision: string): CachedEntry {
  return {
    bytes: result.bytes,
    contentType: mimeTypes[result.format],
    etag: etagFor(result.bytes),
    createdAt: Date.now(),
    meta: {
      graph,
      revision,
      timing: `fetch;dur=${result.timings.fetchMs.toFixed(1)}, process;dur=${result.timings.processMs.toFixed(1)}`,
    },
  };
}

/** The result cache key of a parsed request: the route, a job and the admin purge compute it alike. */
export function resultKeyOf(graph: string, parsed: ParsedRequest, query: RawParams, body: Buffer | undefined): string {
  return cacheKey({
    graphName: graph,
    graphRevision: parsed.prepared.revision,
    params: parsed.prepared.params as Record<string, CacheParamValue>,
    inputIdentity: sourceIdentity(query.input, body),
    format: parsed.format,
    alphaFormat: parsed.alphaFormat,
  });
}
