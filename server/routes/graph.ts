/**
 * GET|POST /graph/<graph>[.<ext>] and /graph/<key>/<signature>/<graph>[.<ext>]: an image
 * processed by a graph, from the result cache when it can be.
 *
 * Order of work, cheapest first: auth (onRequest hook, server/auth/plugin.ts) -> parameters
 * checked against the graph -> cache key (graph revision, coerced parameters, input URL or body
 * hash, format: no fetch) -> If-None-Match answered from the cache's ETag -> hit -> miss:
 * quota, then one shared evaluation per key (single flight), admitted (a place, else 429)
 * before its input is downloaded, evaluated once it has a slot (runtime/limiter.ts) ->
 * stored -> served. A POSTed body is admitted before it is read (admission/post-body.ts).
 * A client that disconnects cancels the download and evaluation unless another waits for them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Runtime } from '../../runtime/index.ts';
import { clientGoneSignal } from '../admission/client-gone.ts';
import { admitPostBody } from '../admission/post-body.ts';
import type { RawParams } from '../../runtime/params.ts';
import type { AppRegistry } from '../auth/apps.ts';
import { authPlugin, SIGNED_ROUTE, UNSIGNED_ROUTE, type RequestAuth } from '../auth/plugin.ts';
import { type CachedEntry } from '../cache/index.ts';
import type { Config } from '../config.ts';
import type { ImageCache } from '../image-cache.ts';
import type { Metrics } from '../metrics.ts';
import { inputBudgetFor } from '../input/input-budget.ts';
import type { JobHttp } from '../jobs/http.ts';
import type { HotHits } from '../hot-hits/index.ts';
import { cachedEntryOf, parseImageRequest, processImage, resultKeyOf, type ImageRequest, type ParsedRequest } from '../process-request.ts';
import { fetchWithConfig } from '../source.ts';
import { chainDepth, chainedLoader } from '../input/chained.ts';

const KNOWN_URLS = 10_000;

interface KnownKey {
  revision: string;
  key: string;
  negotiated: boolean;
}

export interface GraphRouteOptions {
  runtime: Runtime;
  config: Config;
  apps: AppRegistry;
  imageCache: ImageCache;
  metrics: Metrics;
  /** Serves job-class graphs (server/jobs); without it every graph runs inline. */
  jobs?: JobHttp;
  /** Told about every GET let in, so later hits of the same URL can skip fastify (server/hot-hits). */
  hot?: HotHits;
}

/** RFC 9110 13.1.2: If-None-Match uses the weak comparison; `*` matches any current entry. */
export function etagMatches(header: string, etag: string): boolean {
  if (header === etag || header === '*') return true;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const part of header.split(',')) {
    const t = part.trim();
    if ((t.startsWith('W/') ? t.slice(2) : t) === bare || t === '*') return true;
  }
  return false;
}

export async function graphRoutes(app: FastifyInstance, opts: GraphRouteOptions): Promise<void> {
  const { runtime, config, apps, imageCache, metrics, jobs, hot } = opts;
  const { cache } = imageCache;
  const immutable = `public, max-age=${config.signedMaxAgeSeconds}, immutable`;
  const ordinary = `public, max-age=${config.cacheMaxAgeSeconds}`;

  await app.register(authPlugin, { apps, config, onRefusal: (code) => metrics.countRefusal(code) });

  // Any body is the image: its format is sniffed from the bytes, never from Content-Type. The
  // header is set aside before fastify parses (its text/plain and JSON parsers, and its 415 for
  // a malformed media type, would otherwise take the body first), so every POST reaches this
  // parser; only these routes do it, the admin API still parses JSON.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxInputBytes }, (_req, body, done) => done(null, body));
  const bodyIsBytes = async (request: FastifyRequest) => {
    request.headers['content-type'] = 'application/octet-stream';
  };

  /**
   * Admit + fetch + evaluate + store: runs once per key however many requests wait for it;
   * `req.signal` aborts when every one of them has left.
   */
  async function compute(key: string, parsed: ParsedRequest, req: ImageRequest): Promise<CachedEntry> {
    // A request that missed just as an identical evaluation finished: use its result.
    const ready = await imageCache.memory?.get(key);
    if (ready) return ready;
    const t0 = performance.now();
    let result;
    try {
      // A request takes a place before it downloads and a slot only to evaluate. An inner link
      // of a chain is loaded within its outer request's place (server/input/chained.ts) and
      // takes only a slot: the outer request holds none while its input is being computed.
      const { limiter } = runtime;
      result = req.insideChain
        ? await processImage(runtime, config, parsed, req, { slot: (task) => limiter.slot(task, req.signal) })
        : await limiter.admit((slot) => processImage(runtime, config, parsed, req, { slot }), req.signal);
    } catch (err) {
      metrics.observeEvaluation((performance.now() - t0) / 1000, false);
      throw err;
    }
    metrics.observeEvaluation((performance.now() - t0) / 1000, true);
    const entry = cachedEntryOf(result, req.graph, parsed.prepared.revision);
    const saved = cache.save(key, entry);
    // Redirect mode sends the client to the store, so the object must be there first.
    if (imageCache.serve === 'redirect') await saved;
    return entry;
  }

  function send(request: FastifyRequest, reply: FastifyReply, key: string, entry: CachedEntry, status: 'hit' | 'miss') {
    reply.header('etag', entry.etag).header('x-cache', status);
    if (status === 'miss' && entry.meta?.timing) reply.header('server-timing', entry.meta.timing);
    const inm = request.headers['if-none-match'];
    if (inm !== undefined && etagMatches(inm, entry.etag)) return reply.code(304).send();
    const location = imageCache.redirectUrl(key);
    if (location) return reply.code(302).header('location', location).send();
    return reply.header('content-type', entry.contentType).send(entry.bytes);
  }

  /** Request URL -> cache key for the graph revision it was computed with (GET/HEAD without a body). */
  const keys = new LRUCache<string, KnownKey>({ max: KNOWN_URLS });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = request.imgflowAuth as RequestAuth;
    const query = request.query as RawParams;
    const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
    const req: ImageRequest = { graph: auth.graph, ext: auth.ext, query, body, accept: request.headers.accept };
    const depth = chainDepth(request);
    req.chained = chainedLoader(app, depth, config.maxChainDepth, (url, signal) => fetchWithConfig(config, url, signal));
    req.insideChain = depth > 0;
    // The key depends on the URL, the graph revision and (without an extension) Accept.
    const memoKey = body ? undefined : auth.ext === undefined ? `${request.url}\n${req.accept ?? ''}` : request.url;
    let known = memoKey === undefined ? undefined : keys.get(memoKey);
    if (known && (!runtime.store.get(auth.graph) || runtime.revision(auth.graph) !== known.revision)) known = undefined;
    let parsed: ParsedRequest | undefined;
    if (!known) {
      parsed = parseImageRequest(runtime, config, req);
      const { prepared } = parsed;
      known = {
        revision: prepared.revision,
        negotiated: parsed.negotiated,
        key: resultKeyOf(auth.graph, parsed, query, body),
      };
      if (memoKey !== undefined) keys.set(memoKey, known);
    }
    const { key } = known;
    const cacheControl = auth.verified ? immutable : ordinary;
    if (hot && memoKey !== undefined && request.method === 'GET') hot.remember(memoKey, auth, known, cacheControl);
    reply.header('cache-control', cacheControl);
    if (known.negotiated) reply.header('vary', 'Accept');
    reply.header('x-imgflow-graph-revision', known.revision);

    // Conditional requests and redirects need only the ETag: no bytes from the store.
    const inm = request.headers['if-none-match'];
    if (inm !== undefined || imageCache.serve === 'redirect') {
      const head = await cache.head(key);
      if (head) {
        if (inm !== undefined && etagMatches(inm, head.etag)) {
          return reply.code(304).header('etag', head.etag).header('x-cache', 'hit').send();
        }
        const location = imageCache.redirectUrl(key);
        if (location) return reply.code(302).header('etag', head.etag).header('x-cache', 'hit').header('location', location).send();
      }
    }
    const hit = await cache.lookup(key);
    if (hit) return send(request, reply, key, hit.entry, 'hit');

    // A miss costs an evaluation: the app must be allowed one (quota 0 reads cached results only).
    if (auth.app) apps.chargeEvaluation(auth.app);
    parsed ??= parseImageRequest(runtime, config, req);
    // Job-class graphs (deepdream, heavy) are queued: server/jobs answers them.
    const work = runtime.workClass(auth.graph);
    if (work.class === 'job' && jobs) {
      return jobs.serve({ request, reply, queue: work.queue!, key, parsed, req, app: auth.app, send: (entry) => send(request, reply, key, entry, 'miss') });
    }
    const entry = await cache.singleFlight(key, (everyoneLeft) => compute(key, parsed, { ...req, signal: everyoneLeft }), clientGoneSignal(reply));
    return send(request, reply, key, entry, 'miss');
  };

  const admit = admitPostBody({ limiter: runtime.limiter, budget: inputBudgetFor(config), maxBytes: config.maxInputBytes });
  for (const url of [UNSIGNED_ROUTE, SIGNED_ROUTE]) {
    app.get(url, handler);
    app.post(url, { bodyLimit: config.maxInputBytes, preParsing: [admit, bodyIsBytes] }, handler);
  }
}
