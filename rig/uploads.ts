/**
 * imgflow uploads, client side: signed `POST /uploads` and `DELETE /uploads/<id>` URLs, and a
 * `<picture>` from an upload's manifest (the JSON `POST /uploads` and `GET /uploads/<id>`
 * answer). Stands alone: takes the manifest as data, imports nothing from the server.
 *
 * What is signed (docs/uploads.md): `<METHOD> /uploads[/<id>]`, a newline, then the canonical
 * query (docs/signing.md), HMAC-SHA256 with the app's secret, base64url. A graph name cannot
 * contain `/`, so no upload signature is ever a valid graph request signature, nor the reverse.
 */
import { base64url, encodeStrict } from './_internal/encoding.ts';
import { escapeHtml } from './_internal/html.ts';
import { canonicalQuery, hmacSha256, type Params } from './sign.ts';

export type UploadMethod = 'POST' | 'DELETE';

/** One rendition of an upload, as the manifest lists it. */
export interface UploadVariant {
  /** Path on the server (`/uploads/<id>/<name>?v=<definition>`), or an absolute URL. */
  url: string;
  /** MIME type. */
  type: string;
  width: number;
  height: number;
  bytes: number;
}

export interface UploadManifest {
  id: string;
  original?: UploadVariant;
  variants: Record<string, UploadVariant>;
}

export interface UploadUrlOptions {
  server: string;
  key: string;
  secret: string;
  /** Variant set (`set=`); the app's default when left out. */
  set?: string;
  /** Adds a signed `expires`: a Date, or unix time in whole seconds. */
  expiresAt?: Date | number;
}

/** The string an upload request's signature covers. */
export function uploadCanonicalForm(method: UploadMethod, id: string | undefined, params?: Params): string {
  if (method !== 'POST' && method !== 'DELETE') throw new TypeError(`Expected POST or DELETE but received ${String(method)}`);
  if (id !== undefined && !/^[0-9a-f]{64}$/.test(id)) throw new TypeError(`Expected an upload id (64 hex digits) but received ${JSON.stringify(id)}`);
  return `${method} /uploads${id === undefined ? '' : `/${id}`}\n${canonicalQuery(params)}`;
}

function pairsOf(options: UploadUrlOptions): Record<string, string | number | boolean> {
  // Only set and expires: the server refuses any other query parameter on an upload (400).
  const params: Record<string, string | number | boolean> = {};
  if (options.set !== undefined) params.set = options.set;
  if (options.expiresAt !== undefined) {
    const s = options.expiresAt instanceof Date ? Math.floor(options.expiresAt.getTime() / 1000) : options.expiresAt;
    if (!Number.isSafeInteger(s) || s < 0) throw new TypeError('Expected a valid Date or whole unix seconds for expiresAt');
    params.expires = s;
  }
  return params;
}

async function signedUrl(method: UploadMethod, id: string | undefined, options: UploadUrlOptions): Promise<string> {
  const params = pairsOf(options);
  const signature = base64url(await hmacSha256(options.secret, uploadCanonicalForm(method, id, params)));
  const query = canonicalQuery(params);
  const base = String(options.server).replace(/\/+$/, '');
  return `${base}/uploads/${encodeStrict(options.key)}/${signature}${id === undefined ? '' : `/${id}`}${query ? `?${query}` : ''}`;
}

/** `<server>/uploads/<key>/<signature>[?set=...]`: POST the image there. */
export function buildSignedUploadUrl(options: UploadUrlOptions): Promise<string> {
  return signedUrl('POST', undefined, options);
}

/** `<server>/uploads/<key>/<signature>/<id>`: DELETE removes the upload and its variants. */
export function buildSignedUploadDeleteUrl(options: UploadUrlOptions & { id: string }): Promise<string> {
  return signedUrl('DELETE', options.id, options);
}

export interface UploadPictureOptions {
  /** Prefixed to the manifest's paths (`https://img.example.com`); absolute URLs are kept. */
  server?: string;
  alt?: string;
  sizes?: string;
  loading?: 'lazy' | 'eager';
  /** Show the PNG thumbnail, scaled up, while the image loads (default true). */
  placeholder?: boolean;
}

const SOURCE_TYPES = ['image/avif', 'image/webp'] as const;

/**
 * ```html
 * <picture>
 *   <source type="image/avif" srcset="/uploads/<id>/avif?v=.. 4000w" sizes="100vw">
 *   <source type="image/webp" srcset="/uploads/<id>/webp?v=.. 4000w" sizes="100vw">
 *   <img src="/uploads/<id>/jpeg?v=.." srcset="... 4000w" width="4000" height="3000" alt=""
 *        style="background-size:cover;background-image:url(/uploads/<id>/thumbnail?v=..)">
 * </picture>
 * ```
 * One `<source>` per AVIF and WebP (every variant of that type in its srcset, by width), the
 * JPEG variants in the `<img>`, the smallest PNG as its placeholder background. Values are
 * HTML-escaped. Throws when the manifest has no JPEG variant (the `<img>` needs one every
 * browser decodes).
 */
export function uploadPicture(manifest: UploadManifest, options: UploadPictureOptions = {}): string {
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.variants !== 'object' || manifest.variants === null) {
    throw new TypeError('Expected an upload manifest {id, variants}');
  }
  const base = (options.server ?? '').replace(/\/+$/, '');
  const url = (u: string) => (/^[a-z][a-z0-9+.-]*:/i.test(u) ? u : `${base}${u}`);
  const all = Object.values(manifest.variants);
  const ofType = (type: string) => all.filter((v) => v.type === type).sort((a, b) => a.width - b.width);
  const srcset = (list: UploadVariant[]) => list.map((v) => `${url(v.url)} ${v.width}w`).join(', ');
  const jpegs = ofType('image/jpeg');
  if (jpegs.length === 0) throw new Error(`upload ${manifest.id} has no image/jpeg variant for the <img>`);
  const largest = jpegs[jpegs.length - 1];
  const sizes = options.sizes ?? '100vw';
  const attr = (name: string, value: string | number) => ` ${name}="${escapeHtml(String(value))}"`;
  const lines = ['<picture>'];
  for (const type of SOURCE_TYPES) {
    const list = ofType(type);
    if (list.length) lines.push(`  <source${attr('type', type)}${attr('srcset', srcset(list))}${attr('sizes', sizes)}>`);
  }
  const thumb = ofType('image/png')[0];
  const style = options.placeholder !== false && thumb ? attr('style', `background-size:cover;background-image:url(${url(thumb.url)})`) : '';
  const loading = options.loading === undefined ? '' : attr('loading', options.loading);
  lines.push(`  <img${attr('src', url(largest.url))}${attr('srcset', srcset(jpegs))}${attr('sizes', sizes)}${attr('width', largest.width)}${attr('height', largest.height)}${attr('alt', options.alt ?? '')}${loading}${style}>`);
  lines.push('</picture>');
  return lines.join('\n');
}
