/**
 * imgflo's chained requests: an `input` that is a path on this server
 * (`graph/<key>/<token>/<graph>.jpg?...`, one graph's output as another's input) is answered
 * in-process through the app itself, so the inner request is authenticated, cached and limited
 * like any other, and no network is involved. imgflo fetched such inputs from
 * http://localhost:PORT/; the depth of nesting is capped by IMGFLOW_MAX_CHAIN_DEPTH.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors, ImgflowError } from '../../runtime/errors.ts';

/** Set on the inner request: `<depth>:<nonce>`, how deep in a chain it is. */
export const CHAIN_DEPTH_HEADER = 'x-imgflow-chain-depth';
/** Known only to this process: a client cannot pass its request off as an inner link. */
const NONCE = randomUUID();

export type ChainedLoader = (path: string, signal?: AbortSignal) => Promise<Buffer>;

/** A relative input that names this server's processing route. */
export function isChainedInput(input: string): boolean {
  return /^\/?graph\//.test(input);
}

/** The depth of `request` in a chain: 0 for a request from outside. */
export function chainDepth(request: FastifyRequest): number {
  const header = request.headers[CHAIN_DEPTH_HEADER];
  if (typeof header !== 'string') return 0;
  const [depth, nonce] = header.split(':');
  return nonce === NONCE && /^[1-9]\d?$/.test(depth) ? Number(depth) : 0;
}

/**
 * Loads a chained input at `depth + 1`. The inner request's refusal keeps its own code and
 * status (a bad inner signature is a 403, not a failed fetch); a redirect (the cache's
 * redirect mode) is followed by `fetchUrl`.
 */
export function chainedLoader(app: FastifyInstance, depth: number, maxDepth: number, fetchUrl: (url: string, signal?: AbortSignal) => Promise<Buffer>): ChainedLoader {
  return async (path, signal) => {
    if (depth >= maxDepth) throw errors.IMGFLOW_ERR_INPUT_URL({ input: path, maxChainDepth: maxDepth }, undefined, path, `chained requests nest at most ${maxDepth} deep (IMGFLOW_MAX_CHAIN_DEPTH)`);
    const res = await app.inject({ method: 'GET', url: path.startsWith('/') ? path : `/${path}`, headers: { [CHAIN_DEPTH_HEADER]: `${depth + 1}:${NONCE}` } });
    if (res.statusCode === 200) return res.rawPayload;
    const location = res.headers.location;
    if ((res.statusCode === 301 || res.statusCode === 302) && typeof location === 'string') return fetchUrl(location, signal);
    let body: { code?: unknown; message?: unknown } = {};
    try {
      body = res.json();
    } catch { /* not JSON: reported by status below */ }
    if (res.statusCode < 500 && typeof body.code === 'string' && body.code.startsWith('IMGFLOW_ERR_')) {
      throw new ImgflowError(body.code, res.statusCode, `Chained input ${path}: ${String(body.message)}`, { input: path });
    }
    throw errors.IMGFLOW_ERR_UPSTREAM_STATUS({ input: path, status: res.statusCode }, undefined, path, res.statusCode);
  };
}
