/**
 * /admin: applications, graphs and cache purges, for bearer JWTs (server/admin/tokens.ts).
 *
 *   GET    /admin/apps                 list (an app token sees only itself)
 *   GET    /admin/apps/:key
 *   POST   /admin/apps                 add; answers the secrets once           (admin)
 *   PATCH  /admin/apps/:key            change enabled, quota, secrets...       (admin)
 *   POST   /admin/apps/:key/disable    and /enable                            (admin)
 *   PUT    /admin/graphs/:name         upload or replace (JSON graph or .fbp text) (admin)
 *   DELETE /admin/graphs/:name                                                (admin)
 *   POST   /admin/purge                {"graph": name} (admin) or {"url": url} (admin, or the app
 *                                      whose key signed the URL)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseSignedPath } from '../../rig/sign.ts';
import { nullRecord, parseGraphSource, validateGraph, type Runtime } from '../../runtime/index.ts';
import { errors } from '../../runtime/errors.ts';
import type { RawParams } from '../../runtime/params.ts';
import { publicApp, type App, type AppRegistry } from '../auth/apps.ts';
import { bearerClaims, bearerToken } from '../auth/bearer.ts';
import type { Config } from '../config.ts';
import { splitGraphFile } from '../formats.ts';
import type { ImageCache } from '../image-cache.ts';
import { parseImageRequest, resultKeyOf } from '../process-request.ts';
import { createTokenVerifier, type AdminClaims } from './tokens.ts';

export interface AdminOptions {
  runtime: Runtime;
  config: Config;
  apps: AppRegistry;
  imageCache: ImageCache;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminClaims?: AdminClaims | null;
  }
}

/** Every format a URL without an extension can be negotiated to. */
const NEGOTIATED = ['avif', 'webp', 'jpeg'] as const;

function claims(request: FastifyRequest): AdminClaims {
  return request.adminClaims!;
}

function requireAdmin(request: FastifyRequest): void {
  if (!claims(request).admin) throw errors.IMGFLOW_ERR_ADMIN_FORBIDDEN({}, undefined, 'this needs an admin token');
}

function requireSelfOrAdmin(request: FastifyRequest, key: string): void {
  const c = claims(request);
  if (!c.admin && c.app !== key) throw errors.IMGFLOW_ERR_ADMIN_FORBIDDEN({ key }, undefined, `an app token only reaches its own app (${c.app})`);
}

function queryOf(search: URLSearchParams): RawParams {
  // Keyed by the URL's parameter names, as fastify's own query parser does: no prototype.
  const out: RawParams = nullRecord();
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
  }
  return out;
}

export async function adminRoutes(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  const { runtime, config, apps, imageCache } = opts;
  const verifier = createTokenVerifier(config);

  app.decorateRequest('adminClaims', null);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    reply.header('cache-control', 'no-store');
    try {
      request.adminClaims = bearerClaims(header, verifier, apps);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 401) reply.header('www-authenticate', bearerToken(header) ? 'Bearer error="invalid_token"' : 'Bearer');
      throw err;
    }
  });

  const show = (a: App) => publicApp(a);

  app.get('/apps', async (request) => {
    const c = claims(request);
    return { apps: apps.list().filter((a) => c.admin || a.key === c.app).map(show) };
  });
  app.get('/apps/:key', async (request) => {
    const { key } = request.params as { key: string };
    requireSelfOrAdmin(request, key);
    const a = apps.get(key);
    if (!a) throw errors.IMGFLOW_ERR_APP_NOT_FOUND({ key }, undefined, key);
    return show(a);
  });
  app.post('/apps', async (request, reply) => {
    requireAdmin(request);
    const a = await apps.add(request.body ?? {});
    request.log.info({ key: a.key, by: 'admin' }, 'app added');
    // Open mode is decided at start (docs/auth-and-cache.md): say so where the admin looks.
    const warning = apps.open
      ? 'The server is in open mode until it restarts: unsigned requests are still served and keys are not checked.'
      : undefined;
    if (warning) request.log.warn({ key: a.key }, warning);
    // The only time secrets leave the server.
    return reply.code(201).send({ ...show(a), secrets: a.secrets, ...(warning ? { warning } : {}) });
  });
  app.patch('/apps/:key', async (request) => {
    requireAdmin(request);
    const { key } = request.params as { key: string };
    const a = await apps.update(key, request.body);
    request.log.info({ key, enabled: a.enabled }, 'app changed');
    return show(a);
  });
  for (const [action, enabled] of [['disable', false], ['enable', true]] as const) {
    app.post(`/apps/:key/${action}`, async (request) => {
      requireAdmin(request);
      const { key } = request.params as { key: string };
      const a = await apps.update(key, { enabled });
      request.log.info({ key, enabled }, `app ${action}d`);
      return show(a);
    });
  }

  // Store writes still in flight would put purged entries back: let them land first.
  async function purgeGraph(name: string): Promise<void> {
    await imageCache.cache.flush();
    await imageCache.cache.purge({ prefix: `${name}/` });
  }

  app.put('/graphs/:name', async (request, reply) => {
    requireAdmin(request);
    const { name } = request.params as { name: string };
    const body = request.body;
    let graph;
    if (typeof body === 'string') graph = parseGraphSource(name, body, 'fbp');
    else if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) graph = validateGraph(name, body);
    else throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name }, undefined, name, 'send the graph as JSON (application/json) or .fbp text (text/plain)');
    // Compiling first turns unknown components, cycles and the node limit into 400s before saving.
    runtime.check(name, graph);
    const existed = runtime.store.get(name) !== undefined;
    const entry = await runtime.store.put(name, graph);
    // Results of the old revision can never be hit again; free their space.
    if (existed) purgeGraph(name).catch((err) => request.log.warn({ err, graph: name }, 'purge after graph replace failed'));
    request.log.info({ graph: name, revision: entry.revision, replaced: existed }, 'graph saved');
    return reply.code(existed ? 200 : 201).send({ name, revision: entry.revision, replaced: existed });
  });
  app.delete('/graphs/:name', async (request, reply) => {
    requireAdmin(request);
    const { name } = request.params as { name: string };
    if (!(await runtime.store.delete(name))) throw errors.IMGFLOW_ERR_GRAPH_NOT_FOUND({ graph: name }, undefined, name);
    purgeGraph(name).catch((err) => request.log.warn({ err, graph: name }, 'purge after graph delete failed'));
    request.log.info({ graph: name }, 'graph deleted');
    return reply.code(204).send();
  });

  app.post('/purge', async (request) => {
    const body = (request.body ?? {}) as { graph?: unknown; url?: unknown };
    if (typeof body.graph === 'string' && body.url === undefined) {
      requireAdmin(request);
      // Also for a deleted graph: its results may still be stored.
      await purgeGraph(body.graph);
      return { purged: { prefix: `${body.graph}/` } };
    }
    if (typeof body.url === 'string' && body.graph === undefined) {
      return { purged: { keys: await purgeUrl(request, body.url) } };
    }
    throw errors.IMGFLOW_ERR_BAD_REQUEST({}, undefined, 'send {"graph": "<name>"} or {"url": "<image URL>"}');
  });

  /** The cache keys a URL's response can be stored under (one per format it can negotiate). */
  async function purgeUrl(request: FastifyRequest, raw: string): Promise<string[]> {
    let url: URL;
    try {
      url = new URL(raw, 'http://imgflow.invalid');
    } catch {
      throw errors.IMGFLOW_ERR_BAD_REQUEST({ url: raw }, undefined, `not a URL: ${raw}`);
    }
    const signed = parseSignedPath(url.pathname);
    let graph: string;
    let ext: string | undefined;
    if (signed) {
      requireSelfOrAdmin(request, signed.key);
      ({ graph, ext } = signed);
    } else {
      requireAdmin(request);
      const m = /^\/graph\/([^/]+)$/.exec(url.pathname);
      if (!m) throw errors.IMGFLOW_ERR_BAD_REQUEST({ url: raw }, undefined, `not an image URL (/graph/...): ${raw}`);
      ({ graph, ext } = splitGraphFile(decodeURIComponent(m[1])));
    }
    const query = queryOf(url.searchParams);
    const keys: string[] = [];
    // Negotiated URLs: one key per format, and JPEG's with PNG for transparent results.
    for (const accept of ext === undefined ? [...NEGOTIATED.map((f) => `image/${f}`), 'image/jpeg,image/png'] : [undefined]) {
      const parsed = parseImageRequest(runtime, config, { graph, ext, query, accept });
      const key = resultKeyOf(graph, parsed, query, undefined);
      await imageCache.cache.flush();
      await imageCache.cache.purge({ key });
      keys.push(key);
    }
    return keys;
  }
}
