import { createHash } from 'node:crypto';
import { errors } from '../../runtime/errors.ts';
import { nullRecord, ownValue, setOwn } from '../../runtime/own-keys.ts';

/** A parameter value after coercion by the graph's port schema. */
export type CacheParamValue = string | number | boolean | null | CacheParamValue[] | { [k: string]: CacheParamValue };

export interface CacheKeyParts {
  graphName: string;
  /** Changes whenever the graph is edited, so an edit never serves stale results. */
  graphRevision: string | number;
  /** Coerced parameters: `400` and `'400'` must already be the same value. Order does not matter. */
  params: Record<string, CacheParamValue | undefined>;
  /** What identifies the input: its URL, or a content hash of a POSTed body; `undefined` for graphs without input. */
  inputIdentity?: string;
  /** Output format: `jpeg` (or `jpg`), `png`, `webp`, `avif`... */
  format: string;
  /** A negotiated result with transparency gets this format instead (see negotiateAlphaFormat). */
  alphaFormat?: string;
}

/** Bumped when the hashed document changes shape, so old entries are simply never hit again. */
const KEY_SCHEME = 1;
const FORMAT_ALIASES: Record<string, string> = { jpg: 'jpeg', tif: 'tiff' };
const EXTENSIONS: Record<string, string> = { jpeg: 'jpg' };

// One key segment: no leading dot (excludes `.`, `..`, hidden and temporary files), no separators.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
const MAX_KEY_LENGTH = 512;

/** `<graphName>/<sha256 hex>.<ext>`; identical for any parameter order, different for any other revision. */
export function cacheKey(parts: CacheKeyParts): string {
  const format = parts.format.toLowerCase();
  const canonicalFormat = ownValue(FORMAT_ALIASES, format) ?? format;
  const ext = ownValue(EXTENSIONS, canonicalFormat) ?? canonicalFormat;
  if (!/^[a-z0-9]{1,10}$/.test(ext)) throw errors.IMGFLOW_ERR_CACHE_KEY_INVALID({ format: parts.format }, undefined, JSON.stringify(parts.format), 'format must be a short alphanumeric name');
  const doc = {
    v: KEY_SCHEME,
    revision: parts.graphRevision,
    params: parts.params,
    input: parts.inputIdentity ?? null,
    format: canonicalFormat,
    // Only when set: keys made before alpha negotiation existed stay the same.
    ...(parts.alphaFormat ? { alphaFormat: parts.alphaFormat } : {}),
  };
  const hash = createHash('sha256').update(canonicalJson(doc)).digest('hex');
  const key = `${parts.graphName}/${hash}.${ext}`;
  assertCacheKey(key);
  return key;
}

/** Strong ETag (RFC 9110 8.8.3) from the content: equal bytes, equal tag, whoever computed them. */
export function etagFor(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

/** JSON with object keys sorted at every depth and `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    // Keys are parameter names: a `__proto__` parameter must be hashed, not swallowed.
    const sorted = nullRecord<unknown>();
    for (const k of Object.keys(v).sort()) setOwn(sorted, k, (v as Record<string, unknown>)[k]);
    return sorted;
  });
}

/**
 * Throws IMGFLOW_ERR_CACHE_KEY_INVALID unless `key` is `segment(/segment)*` with safe segments.
 * Stores call it before mapping a key to a path or an object name, so `..`, absolute paths,
 * backslashes and NULs never reach the file system.
 */
export function assertCacheKey(key: string): void {
  const why = keyProblem(key, false);
  if (why) throw errors.IMGFLOW_ERR_CACHE_KEY_INVALID({ key }, undefined, JSON.stringify(key), why);
}

/** Like `assertCacheKey`, for a purge prefix: the last segment may be partial or empty (`graph/`). */
export function assertCachePrefix(prefix: string): void {
  const why = keyProblem(prefix, true);
  if (why) throw errors.IMGFLOW_ERR_CACHE_KEY_INVALID({ key: prefix }, undefined, JSON.stringify(prefix), why);
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'it is empty';
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters`;
  const segments = key.split('/');
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    if (isPrefix && i === last && segments[i] === '' && i > 0) continue;
    if (!SEGMENT.test(segments[i])) {
      return 'each /-separated part must be 1-200 of A-Z a-z 0-9 . _ - and not start with a dot';
    }
  }
  return undefined;
}
