/** The Flowhub live-mode link printed at startup (noflo-nodejs' format). */
import { createHash } from 'node:crypto';

export interface LiveUrlOptions {
  /** `ws://host:port/path` as the browser must reach it. */
  address: string;
  id: string;
  /** Omitted from the link when unset. */
  secret?: string;
  /** Default https://app.flowhub.io */
  ide?: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Browsers refuse a plain `ws://` connection from an `https://` page (mixed content) unless
 * the host is loopback, which they treat as secure. noflo-nodejs opens Flowhub over `http://`
 * then, and so do we.
 */
export function needsPlainHttpIde(address: string): boolean {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return false;
  }
  return url.protocol === 'ws:' && !LOOPBACK_HOSTS.has(url.hostname) && !url.hostname.endsWith('.localhost');
}

/**
 * `https://app.flowhub.io#runtime/endpoint?protocol%3Dwebsocket%26address%3D...`: noflo-ui
 * decodes the part after `?` once, so the whole query is percent-encoded once. A plain `ws://`
 * address off loopback gets the `http://` app (see needsPlainHttpIde).
 */
export function flowhubLiveUrl(opts: LiveUrlOptions): string {
  const query = [`protocol=websocket`, `address=${opts.address}`, `id=${opts.id}`, ...(opts.secret ? [`secret=${opts.secret}`] : [])].join('&');
  const ide = opts.ide ?? (needsPlainHttpIde(opts.address) ? 'http://app.flowhub.io' : 'https://app.flowhub.io');
  return `${ide}#runtime/endpoint?${encodeURIComponent(query)}`;
}

/** Why the link is http:// (printed beside it), or undefined when it is https://. */
export function flowhubLinkWarning(address: string): string | undefined {
  return needsPlainHttpIde(address)
    ? `${address} is plain ws:// on a host other than localhost, which browsers block from https:// pages: the Flowhub link uses http://app.flowhub.io. Serve imgflow over TLS (wss://, IMGFLOW_PUBLIC_URL=https://...) to use https://`
    : undefined;
}

/**
 * A UUID v4-shaped id derived from `seed` (e.g. the public address), for when no runtime id is
 * configured: Flowhub keys its runtime list on the id, so a new one per start leaves stale entries.
 */
export function runtimeIdFrom(seed: string): string {
  const h = createHash('sha256').update(`imgflow-runtime:${seed}`).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
