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

/**
 * `https://app.flowhub.io#runtime/endpoint?protocol%3Dwebsocket%26address%3D...`: noflo-ui
 * decodes the part after `?` once, so the whole query is percent-encoded once.
 */
export function flowhubLiveUrl(opts: LiveUrlOptions): string {
  const query = [`protocol=websocket`, `address=${opts.address}`, `id=${opts.id}`, ...(opts.secret ? [`secret=${opts.secret}`] : [])].join('&');
  return `${opts.ide ?? 'https://app.flowhub.io'}#runtime/endpoint?${encodeURIComponent(query)}`;
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
