/**
 * Prometheus metrics in the text exposition format (version 0.0.4), without a client library:
 * a few counters kept in typed arrays on the request path, everything else read at scrape time.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime/index.ts';
import type { ImageCache } from './image-cache.ts';
import type { InputBudget } from './input/input-budget.ts';

/** Upper bounds of the processing-time histogram, in seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Metrics {
  countResponse(status: number): void;
  countRefusal(code: string): void;
  /** One graph evaluation finished (or failed) after `seconds` of fetch + processing. */
  observeEvaluation(seconds: number, ok: boolean): void;
  render(): string;
}

export interface MetricsSources {
  runtime: Runtime;
  imageCache?: ImageCache;
  /** Source downloads and input bytes held now (server/input/input-budget.ts). */
  inputs?: InputBudget;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const statuses = new Float64Array(600);
  const refusals = new Map<string, number>();
  const buckets = new Float64Array(BUCKETS.length);
  let sum = 0;
  let count = 0;
  let failed = 0;

  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };

  return {
    countResponse(status) {
      if (status >= 100 && status < 600) statuses[status]++;
    },
    countRefusal(code) {
      refusals.set(code, (refusals.get(code) ?? 0) + 1);
    },
    observeEvaluation(seconds, ok) {
      count++;
      if (!ok) failed++;
      sum += seconds;
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) buckets[i]++;
    },
    render() {
      lines.length = 0;
      const byStatus: Array<[string, number]> = [];
      for (let s = 100; s < 600; s++) if (statuses[s]) byStatus.push([`{status="${s}"}`, statuses[s]]);
      metric('imgflow_http_responses_total', 'counter', 'HTTP responses by status code.', byStatus);
      metric('imgflow_auth_refusals_total', 'counter', 'Image requests refused by the signature/app check, by error code.',
        [...refusals].sort().map(([code, n]) => [`{code="${code}"}`, n]));
      const c = sources.imageCache;
      if (c) {
        const s = c.cache.stats();
        metric('imgflow_cache_hits_total', 'counter', 'Result cache hits by tier.', [['{tier="memory"}', s.hits.memory], ['{tier="store"}', s.hits.store]]);
        metric('imgflow_cache_misses_total', 'counter', 'Result cache misses (both tiers).', [['', s.misses]]);
        metric('imgflow_cache_saves_total', 'counter', 'Results written to the cache.', [['', s.saves]]);
        metric('imgflow_cache_store_errors_total', 'counter', 'Failed operations of the shared store (disk or S3); requests were still served.', [[`{store="${c.storeName}"}`, s.storeErrors]]);
        metric('imgflow_cache_store_skipped_total', 'counter', 'Store operations skipped while its breaker was open.', [[`{store="${c.storeName}"}`, s.storeSkipped]]);
        metric('imgflow_cache_store_breaker_open', 'gauge', '1 while the store is being skipped after failures.', [[`{store="${c.storeName}"}`, s.storeBreakerOpen ? 1 : 0]]);
        metric('imgflow_cache_single_flight_joined_total', 'counter', 'Requests that shared an identical in-flight evaluation.', [['', s.joined]]);
        if (c.memory) {
          const u = c.memory.usage();
          metric('imgflow_cache_memory_bytes', 'gauge', 'Bytes held by the memory tier.', [['', u.bytes]]);
          metric('imgflow_cache_memory_entries', 'gauge', 'Entries held by the memory tier.', [['', u.entries]]);
        }
        if (c.disk) {
          const d = c.disk.usage();
          metric('imgflow_cache_disk_bytes', 'gauge', 'Bytes of result files in the disk store (as indexed by this process).', [['', d.bytes]]);
          metric('imgflow_cache_disk_max_bytes', 'gauge', 'Byte budget of the disk store (0: unlimited).', [['', d.maxBytes]]);
          metric('imgflow_cache_disk_entries', 'gauge', 'Result files in the disk store.', [['', d.entries]]);
          metric('imgflow_cache_disk_evictions_total', 'counter', 'Disk store entries deleted to stay within the budget (least recently used first).', [['', d.evictions]]);
          metric('imgflow_cache_disk_expirations_total', 'counter', 'Disk store entries deleted for being older than IMGFLOW_CACHE_DISK_MAX_AGE_SECONDS.', [['', d.expirations]]);
        }
      }
      metric('imgflow_evaluations_total', 'counter', 'Graph evaluations run for requests (cache misses), by outcome.', [['{outcome="ok"}', count - failed], ['{outcome="error"}', failed]]);
      metric('imgflow_evaluations_active', 'gauge', 'Graph evaluations running now.', [['', sources.runtime.limiter.active]]);
      metric('imgflow_evaluations_queued', 'gauge', 'Requests admitted and waiting before downloading their inputs.', [['', sources.runtime.limiter.queued]]);
      metric('imgflow_evaluations_loading', 'gauge', 'Requests loading their inputs, or loaded and waiting for an evaluation slot (at most IMGFLOW_CONCURRENCY + IMGFLOW_FETCH_AHEAD with the active ones).', [['', sources.runtime.limiter.loading]]);
      if (sources.inputs) {
        const { active, waiting } = sources.inputs.downloads;
        metric('imgflow_input_downloads', 'gauge', 'Source downloads running now, and waiting for a download slot.', [['{state="active"}', active], ['{state="waiting"}', waiting]]);
        metric('imgflow_input_bytes_in_flight', 'gauge', 'Input bytes held now: downloads, POSTed bodies, inputs waiting for their evaluation.', [['', sources.inputs.bytesInFlight]]);
      }
      lines.push('# HELP imgflow_processing_seconds Time to fetch the input and evaluate the graph, per cache miss.', '# TYPE imgflow_processing_seconds histogram');
      // observeEvaluation counts each observation in every bucket it fits: already cumulative.
      for (let i = 0; i < BUCKETS.length; i++) lines.push(`imgflow_processing_seconds_bucket{le="${BUCKETS[i]}"} ${buckets[i]}`);
      lines.push(`imgflow_processing_seconds_bucket{le="+Inf"} ${count}`, `imgflow_processing_seconds_sum ${sum}`, `imgflow_processing_seconds_count ${count}`);
      return `${lines.join('\n')}\n`;
    },
  };
}

export async function metricsRoutes(app: FastifyInstance, opts: { metrics: Metrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store');
    return opts.metrics.render();
  });
}
