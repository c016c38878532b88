/** One cached result: the encoded image and what is needed to serve it. */
export interface CachedEntry {
  bytes: Buffer;
  /** MIME type sent as Content-Type, e.g. `image/webp`. */
  contentType: string;
  /** Strong ETag, quoted (see `etagFor`). */
  etag: string;
  /** Milliseconds since the epoch when the result was computed. */
  createdAt: number;
  /** Small string extras (graph name, timings...). Keys are lower-cased by the S3 store. */
  meta?: Record<string, string>;
}

/** What `head` reports: enough to answer a conditional request or a redirect without the bytes. */
export interface CachedHead {
  etag: string;
  contentType: string;
  /** Size of the bytes, not of any metadata. */
  size: number;
  /** The entry's `meta`, when it has one (read with the head, so no store reads the bytes for it). */
  meta?: Record<string, string>;
}

/**
 * A place results are kept. Keys are `<graphName>/<hash>.<ext>` (see `cacheKey`); every
 * store rejects other shapes with IMGFLOW_ERR_CACHE_KEY_INVALID before touching anything.
 * A missing entry is `undefined`; any other failure rejects.
 */
export interface ResultStore {
  /** Short name used in stats and logs: `memory`, `disk`, `s3`. */
  readonly name: string;
  get(key: string): Promise<CachedEntry | undefined>;
  head(key: string): Promise<CachedHead | undefined>;
  put(key: string, entry: CachedEntry): Promise<void>;
  /** Removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Removes every entry whose key starts with `prefix` (`<graphName>/` purges a graph); resolves to how many. */
  deletePrefix?(prefix: string): Promise<number>;
  /**
   * Marks the entry used without reading it: a hit served by a tier in front. Only stores that
   * keep recency cheaply (disk) have it; it must cost no I/O.
   */
  touch?(key: string): void;
  /** A URL a client can GET the entry from (redirect mode); only stores that can be served directly have it. */
  publicUrl?(key: string): string;
}

/** The part of a pino logger the cache uses. */
export interface CacheLogger {
  warn(obj: object, msg?: string): void;
}
