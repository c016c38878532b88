/**
 * The request log: one line per request, except cache hits and 304s past a per-second budget,
 * which are counted into one summary line per second instead.
 *
 * Why: a JSON line costs more CPU than serving a hit from memory (bench/README.md, "Cached
 * bytes"), so at thousands of hits a second logging each would halve the rate. Below the budget
 * every hit still gets its own line (a developer watching the log sees each request); above it
 * the summary keeps the counts, the slowest hit and one example URL, so nothing goes unseen.
 * Misses, refusals and errors are always logged one by one.
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';

export interface RequestLogOptions {
  /** Fraction of hits and 304s eligible for a line of their own (IMGFLOW_LOG_HIT_SAMPLE_RATE). */
  sampleRate: number;
  /** Hits and 304s per second logged one by one; the rest go into the summary (IMGFLOW_LOG_HITS_PER_SECOND). */
  perSecond: number;
  logger: FastifyBaseLogger;
}

const WINDOW_MS = 1000;
const MAX_URL = 300;

const shortUrl = (url: string) => (url.length > MAX_URL ? `${url.slice(0, MAX_URL)}...` : url);

/** What one finished request says about itself. */
export interface RequestFacts {
  method: string;
  url: string;
  status: number;
  graph?: string;
  app?: string;
  cache?: string;
  ms: number;
  timing?: string;
  /** The request's own logger (carries its reqId); the server's when there is none. */
  log?: FastifyBaseLogger;
}

export interface RequestLog {
  /** Call with every finished request. */
  finished(facts: RequestFacts): void;
  /** The same, from fastify's request and reply. */
  fromFastify(request: FastifyRequest, reply: FastifyReply): void;
}

export function createRequestLog(options: RequestLogOptions): RequestLog {
  const { sampleRate, perSecond, logger } = options;
  let windowStart = 0;
  let logged = 0;
  // Hits and 304s of the current window that got no line of their own.
  let hits = 0;
  let notModified = 0;
  let maxMs = 0;
  let example: string | undefined;
  let flushTimer: NodeJS.Timeout | undefined;

  const flush = () => {
    flushTimer = undefined;
    if (hits + notModified === 0) return;
    logger.info({ hits, notModified, maxMs: Number(maxMs.toFixed(1)), example }, 'cache hits not logged one by one');
    hits = notModified = maxMs = 0;
    example = undefined;
  };

  const line = (f: RequestFacts) => {
    (f.log ?? logger).info({
      method: f.method,
      url: shortUrl(f.url),
      status: f.status,
      graph: f.graph,
      app: f.app,
      cache: f.cache,
      ms: Number(f.ms.toFixed(1)),
      timing: f.timing,
    }, 'request');
  };

  const finished = (f: RequestFacts) => {
    const isHit = f.status < 400 && (f.status === 304 || f.cache === 'hit');
    if (!isHit) return line(f);
    const now = performance.now();
    if (now - windowStart >= WINDOW_MS) {
      windowStart = now;
      logged = 0;
    }
    if (logged < perSecond && (sampleRate >= 1 || Math.random() < sampleRate)) {
      logged++;
      return line(f);
    }
    if (f.status === 304) notModified++;
    else hits++;
    if (f.ms > maxMs) maxMs = f.ms;
    example ??= shortUrl(f.url);
    // One timer per window with something to report; unref'd so it never holds the process.
    if (!flushTimer) flushTimer = setTimeout(flush, WINDOW_MS - (now - windowStart)).unref();
  };

  return {
    finished,
    fromFastify(request, reply) {
      finished({
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        graph: request.imgflowAuth?.graph,
        app: request.imgflowAuth?.app?.key,
        cache: reply.getHeader('x-cache') as string | undefined,
        ms: reply.elapsedTime,
        timing: reply.getHeader('server-timing') as string | undefined,
        log: request.log,
      });
    },
  };
}
