/**
 * The canonical imgflow request signature, shared by rig (clients) and server/ (verification).
 * The scheme is specified in docs/signing.md; keep the two in step.
 *
 * Pure and platform-neutral: Web Crypto (`globalThis.crypto.subtle`) for HMAC-SHA256, so it runs
 * in Node >= 20 and in browsers. That is why signing is async; rig/node.ts signs the same
 * strings synchronously with node:crypto, for callers that cannot wait (framework loaders).
 */
import { base64url, constantTimeEqual, encodeStrict } from './_internal/encoding.ts';

export { buildImgfloUrl, imgfloToken } from './_internal/imgflo-url.ts';
export type { ImgfloConfig } from './_internal/imgflo-url.ts';

/** A parameter value as a client gives it; it is signed as `String(value)`. */
export type ParamValue = string | number | boolean;

/**
 * Request parameters: a record (arrays give repeated keys; `null`/`undefined` are left out),
 * a list of pairs, or `URLSearchParams` (what a server parses from the query string).
 */
export type Params =
  | URLSearchParams
  | ReadonlyArray<readonly [string, ParamValue]>
  | Readonly<Record<string, ParamValue | readonly ParamValue[] | null | undefined>>;

/** What a signature covers. */
export interface SignedRequest {
  /** Graph name, as served at `/graph/<graph>`. */
  graph: string;
  /** Output extension without the dot (`jpg`, `webp`...); leave out to let the server choose. */
  ext?: string;
  params?: Params;
}

export interface SignedUrlOptions extends SignedRequest {
  /** Base URL of the server, e.g. `https://img.example.com` (a trailing `/` is ignored; `''` gives a path). */
  server: string;
  /** The application's public key id, sent in the URL. */
  key: string;
  /** The application's secret; never sent. Its UTF-8 bytes are the HMAC key. */
  secret: string;
  /** Adds a signed `expires` parameter: a Date, or unix time in whole seconds. */
  expiresAt?: Date | number;
}

export interface UnsignedUrlOptions extends SignedRequest {
  server: string;
}

/** The parts of a `/graph/<key>/<signature>/<graph>[.<ext>]` path. */
export interface SignedPath {
  key: string;
  signature: string;
  graph: string;
  ext: string | undefined;
}

const EXT = /^[A-Za-z0-9]+$/;
const SIGNATURE = /^[A-Za-z0-9_-]+$/;
// Path separators, query/fragment starts and control characters can never be part of a segment.
const FORBIDDEN_IN_SEGMENT = /[/\\?#\u0000-\u001f\u007f]/;

function describe(value: unknown): string {
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} of type ${typeof value}`;
}

/** Why `value` can't be a path segment (graph name or key), or undefined when it can. */
function segmentProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'a non-empty string';
  // '.' and '..' are dot-segments: URL parsers collapse them (RFC 3986 section 5.2.4).
  if (value === '.' || value === '..' || FORBIDDEN_IN_SEGMENT.test(value)) {
    return "a name without '/', '\\\\', '?', '#' or control characters, other than '.' and '..'";
  }
  return undefined;
}

function checkSegment(name: string, value: unknown): asserts value is string {
  const problem = segmentProblem(value);
  if (problem) throw new TypeError(`Expected ${problem} for ${name} but received ${describe(value)}`);
}

function checkExt(ext: unknown): asserts ext is string | undefined {
  if (ext !== undefined && (typeof ext !== 'string' || !EXT.test(ext))) {
    throw new TypeError(`Expected letters and digits for ext but received ${describe(ext)}`);
  }
}

function valueToString(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`Expected a string, finite number or boolean for parameter ${JSON.stringify(key)} but received ${describe(value)}`);
}

function toPairs(params: Params | undefined): Array<[string, string]> {
  if (params === undefined || params === null) return [];
  const pairs: Array<[string, string]> = [];
  if (params instanceof URLSearchParams) {
    for (const [key, value] of params) pairs.push([key, value]);
  } else if (Array.isArray(params)) {
    for (const [key, value] of params as ReadonlyArray<readonly [string, ParamValue]>) {
      pairs.push([String(key), valueToString(key, value)]);
    }
  } else {
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined || value === null) continue;
      const values: readonly unknown[] = Array.isArray(value) ? value : [value];
      for (const v of values) pairs.push([key, valueToString(key, v)]);
    }
  }
  return pairs;
}

/** Encoded `key=value` strings, sorted by encoded key, then encoded value (ASCII order). */
function canonicalPairs(pairs: Array<[string, string]>): string[] {
  return pairs
    .map(([key, value]): [string, string] => [encodeStrict(key), encodeStrict(value)])
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`);
}

/** The query string (without `?`) in canonical order and encoding. */
export function canonicalQuery(params?: Params): string {
  return canonicalPairs(toPairs(params)).join('&');
}

/**
 * The string that is signed: `<graph>[.<ext>]`, a newline, then the canonical query
 * (see docs/signing.md). Throws a TypeError on a graph name or ext that can't be a path segment.
 */
export function canonicalForm(graph: string, ext: string | undefined, params?: Params): string {
  checkSegment('graph', graph);
  checkExt(ext);
  return `${ext === undefined ? graph : `${graph}.${ext}`}\n${canonicalQuery(params)}`;
}

function subtleCrypto(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  // Browsers only expose crypto.subtle in secure contexts (https, localhost).
  if (!subtle) throw new Error('Web Crypto (crypto.subtle) is not available: use Node >= 20 or a secure browser context');
  return subtle;
}

/** @internal shared with rig/node.ts */
export function checkSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== 'string' || secret === '') {
    throw new TypeError(`Expected a non-empty string for secret but received ${typeof secret === 'string' ? 'an empty string' : `a value of type ${typeof secret}`}`);
  }
}

/** @internal HMAC-SHA256 with Web Crypto; shared with rig/uploads.ts. */
export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  checkSecret(secret);
  const subtle = subtleCrypto();
  const encoder = new TextEncoder();
  const key = await subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', key, encoder.encode(message)));
}

/** base64url (no padding) of HMAC-SHA256(secret, canonicalForm(graph, ext, params)): 43 characters. */
export async function signRequest(secret: string, request: SignedRequest): Promise<string> {
  return base64url(await hmacSha256(secret, canonicalForm(request.graph, request.ext, request.params)));
}

/** Whether `signature` signs `request`; compares in constant time. */
export async function verifySignature(secret: string, request: SignedRequest, signature: string): Promise<boolean> {
  const expected = await signRequest(secret, request);
  return typeof signature === 'string' && constantTimeEqual(expected, signature);
}

function expiresSeconds(expiresAt: Date | number): number {
  const seconds = expiresAt instanceof Date ? Math.floor(expiresAt.getTime() / 1000) : expiresAt;
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new TypeError(`Expected a valid Date or whole unix seconds for expiresAt but received ${describe(expiresAt)}`);
  }
  return seconds;
}

function withExpires(params: Params | undefined, expiresAt: Date | number | undefined): Array<[string, string]> {
  const pairs = toPairs(params);
  if (expiresAt === undefined) return pairs;
  if (pairs.some(([key]) => key === 'expires')) {
    throw new TypeError('Expected expires in params or expiresAt, not both');
  }
  pairs.push(['expires', String(expiresSeconds(expiresAt))]);
  return pairs;
}

/** `<graph>[.<ext>]` as a path segment; refuses what would not parse back to the same graph and ext. */
function graphSegment(graph: string, ext: string | undefined): string {
  checkSegment('graph', graph);
  checkExt(ext);
  const dot = graph.lastIndexOf('.');
  if (ext === undefined && dot > 0 && EXT.test(graph.slice(dot + 1))) {
    // The server would read the part after the dot as the extension.
    throw new TypeError(`Expected an ext for graph ${JSON.stringify(graph)}: its name contains a dot`);
  }
  return encodeStrict(graph) + (ext === undefined ? '' : `.${ext}`);
}

function serverBase(server: string): string {
  if (typeof server !== 'string') throw new TypeError(`Expected a string for server but received ${describe(server)}`);
  return server.replace(/\/+$/, '');
}

/**
 * @internal A signed URL but for its signature: the string to sign (canonicalForm) and the URL
 * around a signature of it. Shared by the async (Web Crypto) and sync (node:crypto) builders.
 */
export function signedUrlTemplate(options: SignedUrlOptions): { message: string; url(signature: string): string } {
  const { server, key, graph, ext, params, expiresAt } = options;
  const base = serverBase(server);
  checkSegment('key', key);
  const segment = graphSegment(graph, ext);
  const pairs = withExpires(params, expiresAt);
  const message = canonicalForm(graph, ext, pairs);
  const query = canonicalPairs(pairs).join('&');
  return { message, url: (signature) => `${base}/graph/${encodeStrict(key)}/${signature}/${segment}${query ? `?${query}` : ''}` };
}

/**
 * `<server>/graph/<key>/<signature>/<graph>[.<ext>][?<canonical query>]`. The query is in
 * canonical order and encoding, so the URL itself is canonical.
 */
export async function buildSignedUrl(options: SignedUrlOptions): Promise<string> {
  const template = signedUrlTemplate(options);
  return template.url(base64url(await hmacSha256(options.secret, template.message)));
}

/** `<server>/graph/<graph>[.<ext>][?<canonical query>]`, for servers that allow unsigned requests. */
export function buildUnsignedUrl(options: UnsignedUrlOptions): string {
  const base = serverBase(options.server);
  const segment = graphSegment(options.graph, options.ext);
  const query = canonicalQuery(options.params);
  return `${base}/graph/${segment}${query ? `?${query}` : ''}`;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Splits `/graph/<key>/<signature>/<graph>[.<ext>]` by position (a query or fragment is ignored).
 * Returns null unless there are exactly these segments, each valid. The extension is what follows
 * the last dot when it is letters and digits; the canonical form is the same either way.
 */
export function parseSignedPath(path: string): SignedPath | null {
  if (typeof path !== 'string') return null;
  const end = path.search(/[?#]/);
  const segments = (end === -1 ? path : path.slice(0, end)).split('/');
  if (segments.length !== 5 || segments[0] !== '' || segments[1] !== 'graph') return null;
  const key = decodeSegment(segments[2]);
  const signature = segments[3];
  const last = decodeSegment(segments[4]);
  if (key === undefined || last === undefined || segmentProblem(key) || segmentProblem(last)) return null;
  if (!SIGNATURE.test(signature)) return null;
  const dot = last.lastIndexOf('.');
  const hasExt = dot > 0 && EXT.test(last.slice(dot + 1));
  const graph = hasExt ? last.slice(0, dot) : last;
  if (segmentProblem(graph)) return null;
  return { key, signature, graph, ext: hasExt ? last.slice(dot + 1) : undefined };
}
