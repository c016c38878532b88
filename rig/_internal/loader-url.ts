/**
 * The URL every framework loader builds: the graph applied to `src` at a width (and height,
 * quality, fit, format), signed synchronously when a key and secret are given.
 */
import { buildSignedUrlSync } from '../node.ts';
import { buildUnsignedUrl, type ParamValue } from '../sign.ts';

export interface LoaderOptions {
  /** The imgflow server's base URL, e.g. `https://img.example.com`. */
  server: string;
  /** The graph every image goes through (default `passthrough`: the generic parameters only). */
  graph?: string;
  /** With `secret`: signed URLs (synchronous HMAC with node:crypto, so server-side only). */
  key?: string;
  secret?: string;
  /** Resolves a relative `src` (`/photos/a.jpg`) to the absolute URL the server fetches. */
  baseUrl?: string;
  /** Graph parameters added to every URL. */
  params?: Readonly<Record<string, ParamValue>>;
}

export interface ImageAsk {
  src: string;
  width?: number;
  height?: number;
  quality?: number;
  fit?: string;
  position?: string;
  /** Output format; none: the server negotiates it from Accept. */
  format?: string;
}

const FITS: ReadonlySet<string> = new Set(['cover', 'contain', 'fill', 'inside', 'outside']);
const EXTENSIONS = new Map([['jpeg', 'jpg'], ['jpg', 'jpg'], ['png', 'png'], ['webp', 'webp'], ['avif', 'avif'], ['gif', 'gif'], ['tiff', 'tiff'], ['tif', 'tiff']]);

const GRAVITIES: ReadonlySet<string> = new Set(['centre', 'north', 'northeast', 'east', 'southeast', 'south', 'southwest', 'west', 'northwest', 'entropy', 'attention']);
const SIDES = new Map([['top', 'north'], ['bottom', 'south'], ['left', 'west'], ['right', 'east']]);

/**
 * The server's position from what frameworks pass: its own names, or CSS object-position words
 * (`top`, `left top`, `center`); undefined for anything else (never a value the server refuses).
 */
export function gravity(position: string | undefined): string | undefined {
  if (position === undefined) return undefined;
  const p = position.trim().toLowerCase();
  if (GRAVITIES.has(p)) return p;
  const words = p.split(/\s+/).filter((w) => w !== 'center' && w !== 'centre');
  if (words.length === 0) return 'centre';
  const sides = words.map((w) => SIDES.get(w));
  if (sides.some((x) => x === undefined) || sides.length > 2) return undefined;
  const vertical = sides.find((x) => x === 'north' || x === 'south') ?? '';
  const horizontal = sides.find((x) => x === 'east' || x === 'west') ?? '';
  const name = vertical + horizontal;
  return GRAVITIES.has(name) && sides.length === (vertical ? 1 : 0) + (horizontal ? 1 : 0) ? name : undefined;
}

function absolute(src: string, baseUrl: string | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(src)) return src;
  if (!baseUrl) throw new TypeError(`Expected an absolute src, or a baseUrl to resolve it against, but received ${JSON.stringify(src)}`);
  return new URL(src, baseUrl).href;
}

/** Whole pixels and 1..100 quality, as the server takes them; anything else is left out. */
function whole(value: number | undefined, max: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.min(max, Math.round(value)) : undefined;
}

export function loaderUrl(options: LoaderOptions, ask: ImageAsk): string {
  if (!options || typeof options.server !== 'string') throw new TypeError('Expected loader options with a server URL');
  const params: Record<string, ParamValue> = { ...options.params, input: absolute(ask.src, options.baseUrl) };
  const width = whole(ask.width, 16384);
  const height = whole(ask.height, 16384);
  const quality = whole(ask.quality, 100);
  if (width !== undefined) params.width = width;
  if (height !== undefined) params.height = height;
  if (quality !== undefined) params.quality = quality;
  if (ask.fit !== undefined && FITS.has(ask.fit)) params.fit = ask.fit;
  const position = gravity(ask.position);
  if (position !== undefined) params.position = position;
  const ext = ask.format === undefined ? undefined : EXTENSIONS.get(ask.format.toLowerCase());
  const request = { server: options.server, graph: options.graph ?? 'passthrough', ext, params };
  if (options.key !== undefined || options.secret !== undefined) {
    return buildSignedUrlSync({ ...request, key: options.key as string, secret: options.secret as string });
  }
  return buildUnsignedUrl(request);
}
