/**
 * Hot hits: a GET for a URL the graph route has already answered, whose result is in the memory
 * tier, is answered straight from node:http's request event, before fastify sees it.
 *
 * Why: on a memory hit fastify's request/reply objects, hooks, router and per-request child
 * logger cost more CPU than everything else in the hit put together (bench/README.md, "Cached
 * bytes": 0.076 ms per hit through fastify, 0.054 ms for node:http alone answering the same
 * bytes). This path repeats only what a hit needs, from what the route remembered about the URL:
 * the signature's app and secret still valid and unexpired (or unsigned requests still allowed),
 * the graph revision still current, the entry still in memory; the same headers, 304 for a
 * matching If-None-Match, the same metrics and request log. Anything else, or any doubt, and the
 * request goes to fastify as before, which answers it in full (and refusals with their 4xx).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Runtime } from '../../runtime/index.ts';
import type { AppRegistry } from '../auth/apps.ts';
import type { RequestAuth } from '../auth/plugin.ts';
import type { Config } from '../config.ts';
import type { ImageCache } from '../image-cache.ts';
import type { Metrics } from '../metrics.ts';
import type { RequestLog } from '../request-log.ts';
import { etagMatches } from '../routes/graph.ts';

/** URLs remembered (each a key, a revision and three header values; about 0.5 KB). */
const HOT_URLS = 10_000;

interface HotUrl {
  key: string;
  graph: string;
  revision: string;
  /** cache-control, vary when negotiated, x-imgflow-graph-revision: name, value, name, value... */
  headers: string[];
  /** How the request was let in, re-checked on every hot hit. */
  auth: { kind: 'signed'; app: string; secret: string; expires: number | undefined } | { kind: 'open' } | { kind: 'unsigned' };
}

export interface HotHitsOptions {
  runtime: Runtime;
  config: Config;
  apps: AppRegistry;
  imageCache: ImageCache;
  metrics: Metrics;
  requestLog: RequestLog;
}

export interface HotHits {
  /**
   * The graph route tells it about a GET it let in: `memoKey` is the URL (and, when the format
   * is negotiated, a newline and the Accept header), as the route's own key memo uses.
   */
  remember(memoKey: string, auth: RequestAuth, known: { key: string; revision: string; negotiated: boolean }, cacheControl: string): void;
  /** Answers the request and returns true, or returns false having touched nothing. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops answering (the server is closing: fastify answers 503 then). */
  stop(): void;
  /** Requests answered here since start (the /healthz cache section shows it). */
  readonly served: number;
}

export function createHotHits(options: HotHitsOptions): HotHits {
  const { runtime, config, apps, imageCache, metrics, requestLog } = options;
  const urls = new LRUCache<string, HotUrl>({ max: HOT_URLS });
  // Redirect mode sends clients to the store instead: not a hit this path knows how to answer.
  let on = imageCache.serve === 'stream' && imageCache.memory !== undefined;
  let served = 0;

  function allowed(auth: HotUrl['auth']): boolean {
    switch (auth.kind) {
      case 'open':
        return apps.open;
      case 'unsigned':
        return apps.open || config.allowUnsigned;
      case 'signed': {
        const app = apps.get(auth.app);
        if (!app || !app.enabled || !app.secrets.includes(auth.secret)) return false;
        return auth.expires === undefined || auth.expires + config.expiresSkewSeconds >= Date.now() / 1000;
      }
    }
  }

  return {
    remember(memoKey, auth, known, cacheControl) {
      if (!on) return;
      urls.set(memoKey, {
        key: known.key,
        graph: auth.graph,
        revision: known.revision,
        headers: ['cache-control', cacheControl, ...(known.negotiated ? ['vary', 'Accept'] : []), 'x-imgflow-graph-revision', known.revision],
        auth: auth.verified
          ? { kind: 'signed', app: auth.app!.key, secret: auth.secret!, expires: auth.expires }
          : auth.app === undefined && apps.open ? { kind: 'open' } : { kind: 'unsigned' },
      });
    },
    serve(req, res) {
      // Only the graph routes' URLs are ever remembered: everything else goes on untouched.
      if (!on || req.method !== 'GET' || !req.url!.startsWith('/graph/')) return false;
      const t0 = performance.now();
      const url = req.url!;
      const hot = urls.get(url) ?? urls.get(`${url}\n${req.headers.accept ?? ''}`);
      if (!hot || !allowed(hot.auth)) return false;
      // A graph edited since (Flowhub, admin API, file watch) has a new revision: let the route recompute.
      if (!runtime.store.get(hot.graph) || runtime.revision(hot.graph) !== hot.revision) return false;
      const entry = imageCache.cache.memoryHit(hot.key);
      if (!entry) return false;
      const inm = req.headers['if-none-match'];
      const status = inm !== undefined && etagMatches(inm, entry.etag) ? 304 : 200;
      // The route's headers, in its order (routes/graph.ts); a flat array skips setHeader's bookkeeping.
      const headers = [...hot.headers, 'etag', entry.etag, 'x-cache', 'hit'];
      if (status === 304) {
        res.writeHead(304, headers);
        res.end();
      } else {
        headers.push('content-type', entry.contentType, 'content-length', String(entry.bytes.length));
        res.writeHead(200, headers);
        res.end(entry.bytes);
      }
      served++;
      metrics.countResponse(status);
      requestLog.finished({
        method: 'GET',
        url,
        status,
        graph: hot.graph,
        app: hot.auth.kind === 'signed' ? hot.auth.app : undefined,
        cache: 'hit',
        ms: performance.now() - t0,
      });
      return true;
    },
    stop() {
      on = false;
      urls.clear();
    },
    get served() {
      return served;
    },
  };
}
