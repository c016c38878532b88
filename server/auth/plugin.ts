/**
 * Authorisation of image requests, as an onRequest hook on the /graph routes: the handler only
 * sees requests that are allowed, with the graph, extension and app already worked out.
 *
 *   /graph/<key>/<signature>/<graph>[.<ext>]  signed: key known, signature (HMAC, or imgflo's MD5
 *                                            token when the app opts in), app enabled, expires
 *   /graph/<graph>[.<ext>]                   unsigned: only in open mode (no app configured) or
 *                                            with IMGFLOW_ALLOW_UNSIGNED=1
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { LRUCache } from 'lru-cache';
import { parseSignedPath } from '../../rig/sign.ts';
import { errors, type ImgflowError } from '../../runtime/errors.ts';
import type { Config } from '../config.ts';
import { splitGraphFile } from '../formats.ts';
import type { App, AppRegistry } from './apps.ts';
import { checkExpiry, parseExpires } from './expires.ts';
import { verifyRequest } from './verify.ts';

export const SIGNED_ROUTE = '/graph/:key/:sig/:file';
export const UNSIGNED_ROUTE = '/graph/:file';

/** What the hook decided, for the handler. */
export interface RequestAuth {
  graph: string;
  ext: string | undefined;
  /** The app whose key signed the request; undefined for unsigned requests (and in open mode). */
  app: App | undefined;
  /** The signature was checked: responses may be cached as immutable. */
  verified: boolean;
  /** The secret that signed it (verified requests): the hot-hit path checks the app still has it. */
  secret?: string;
  /** The signed expiry, unix seconds (verified requests that carry one). */
  expires?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    imgflowAuth?: RequestAuth | null;
  }
}

export interface AuthOptions {
  apps: AppRegistry;
  config: Config;
  /** Called with the code of every refusal (metrics). */
  onRefusal?: (code: string) => void;
}

/** Verified URLs remembered, so a hot signed URL costs one map lookup instead of an HMAC. */
const VERIFIED_URLS = 10_000;

interface Verified {
  key: string;
  /** The secret that signed it: the memo is void once the app no longer has it. */
  secret: string;
  graph: string;
  ext: string | undefined;
  expires: number | undefined;
}

function checkSigned(request: FastifyRequest, opts: AuthOptions, memo: LRUCache<string, Verified>): RequestAuth {
  const url = request.url;
  const known = memo.get(url);
  if (known) {
    const app = opts.apps.get(known.key);
    if (app && app.enabled && app.secrets.includes(known.secret)) {
      checkExpiry(known.expires, opts.config.expiresSkewSeconds);
      return { graph: known.graph, ext: known.ext, app, verified: true, secret: known.secret, expires: known.expires };
    }
    memo.delete(url); // app changed: check again from scratch
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q);
  // By position, never by searching for the signature (docs/signing.md).
  const parts = parseSignedPath(path);
  if (!parts) {
    const raw = path.split('/')[2] ?? '';
    throw errors.IMGFLOW_ERR_AUTH_SIGNATURE({ key: raw }, undefined, raw);
  }
  if (opts.apps.open) {
    // imgflo-server's rule: with no app configured, keys and tokens are not checked.
    return { graph: parts.graph, ext: parts.ext, app: undefined, verified: false };
  }
  const app = opts.apps.get(parts.key);
  if (!app) throw errors.IMGFLOW_ERR_AUTH_KEY_UNKNOWN({ key: parts.key }, undefined, parts.key);
  const rawGraphSegment = path.slice(path.lastIndexOf('/') + 1);
  const ok = verifyRequest(app, { graph: parts.graph, ext: parts.ext, rawGraphSegment, rawQuery, signature: parts.signature });
  if (!ok) throw errors.IMGFLOW_ERR_AUTH_SIGNATURE({ key: app.key }, undefined, app.key);
  // Checked after the signature, so unsigned probes learn nothing about an app's state.
  if (!app.enabled) throw errors.IMGFLOW_ERR_AUTH_APP_DISABLED({ key: app.key }, undefined, app.key);
  const expires = parseExpires(rawQuery);
  checkExpiry(expires, opts.config.expiresSkewSeconds);
  // Only requests that passed are remembered, so refused floods cannot fill the memo.
  const secret = app.secrets[ok.secretIndex];
  memo.set(url, { key: app.key, secret, graph: parts.graph, ext: parts.ext, expires });
  return { graph: parts.graph, ext: parts.ext, app, verified: true, secret, expires };
}

function checkUnsigned(request: FastifyRequest, opts: AuthOptions): RequestAuth {
  if (!opts.apps.open && !opts.config.allowUnsigned) throw errors.IMGFLOW_ERR_AUTH_UNSIGNED({}, undefined, 'request /graph/<key>/<signature>/<graph>.<ext> (npx imgflow sign, or rig, signs it)');
  const { graph, ext } = splitGraphFile((request.params as { file: string }).file);
  return { graph, ext, app: undefined, verified: false };
}

/**
 * Registers the hook on the scope it is registered in (skip-override: not encapsulated), so
 * register it next to the routes it guards.
 */
export async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const memo = new LRUCache<string, Verified>({ max: VERIFIED_URLS });
  app.decorateRequest('imgflowAuth', null);
  app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const route = request.routeOptions.url;
    if (route !== SIGNED_ROUTE && route !== UNSIGNED_ROUTE) return done();
    try {
      request.imgflowAuth = route === SIGNED_ROUTE ? checkSigned(request, opts, memo) : checkUnsigned(request, opts);
    } catch (err) {
      opts.onRefusal?.((err as ImgflowError).code);
      return done(err as Error);
    }
    done();
  });
}
(authPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
