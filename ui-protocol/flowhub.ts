/** The Flowhub live-mode link printed at startup (noflo-nodejs' format). */

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
