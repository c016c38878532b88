/**
 * The result cache the server uses, built from config: a memory tier bounded in bytes in front
 * of one shared store (disk under IMGFLOW_CACHE_DIR, or S3). It also remembers which keys the
 * store is known to hold, so redirect mode never sends a client to an object that is not there.
 */
import { LRUCache } from 'lru-cache';
import { cacheStoreKind, type Config } from './config.ts';
import {
  createDiskStore,
  createMemoryStore,
  createResultCache,
  type CacheLogger,
  type DiskStore,
  type MemoryStore,
  type ResultCache,
  type ResultStore,
} from './cache/index.ts';
import { s3StoreFrom } from './cache/s3-from-config.ts';

export interface ImageCache {
  readonly cache: ResultCache;
  readonly memory: MemoryStore | undefined;
  /** The disk store when it is the shared tier (its usage feeds /healthz and /metrics). */
  readonly disk: DiskStore | undefined;
  /** The shared tier itself (job workers write through it and must see its failures). */
  readonly store: ResultStore | undefined;
  /** `none`, `disk`, `s3` (or the name of a store passed in). */
  readonly storeName: string;
  readonly serve: 'stream' | 'redirect';
  /** The store's public URL for `key` when the client can be sent there now; else undefined. */
  redirectUrl(key: string): string | undefined;
  /** Health section: configuration and counters. */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface ImageCacheOptions {
  logger?: CacheLogger;
  /** A store to use instead of the configured one (tests, embedding). */
  store?: ResultStore | null;
}

const KNOWN_KEYS = 100_000;

/** Wraps a store to record which keys it holds (after a successful put, get or head). */
function tracked(store: ResultStore, known: LRUCache<string, true>): ResultStore {
  const wrapped: ResultStore = {
    name: store.name,
    async get(key) {
      const entry = await store.get(key);
      if (entry) known.set(key, true);
      else known.delete(key);
      return entry;
    },
    async head(key) {
      const head = await store.head(key);
      if (head) known.set(key, true);
      else known.delete(key);
      return head;
    },
    async put(key, entry) {
      await store.put(key, entry);
      known.set(key, true);
    },
    ...(store.touch ? { touch: (key: string) => store.touch!(key) } : {}),
    async delete(key) {
      known.delete(key);
      await store.delete(key);
    },
  };
  if (store.deletePrefix) {
    wrapped.deletePrefix = async (prefix) => {
      for (const key of [...known.keys()]) if (key.startsWith(prefix)) known.delete(key);
      return store.deletePrefix!(prefix);
    };
  }
  if (store.publicUrl) wrapped.publicUrl = (key) => store.publicUrl!(key);
  return wrapped;
}

function configuredStore(config: Config, logger: CacheLogger | undefined): ResultStore | undefined {
  switch (cacheStoreKind(config)) {
    case 'none':
      return undefined;
    case 'disk':
      return createDiskStore({
        directory: config.cacheDir,
        maxBytes: config.cacheDiskMaxBytes,
        maxAgeMs: config.cacheDiskMaxAgeSeconds * 1000,
        logger,
      });
    case 's3':
      return s3StoreFrom(config, { prefix: config.s3Prefix, cacheControl: `public, max-age=${config.cacheMaxAgeSeconds}` });
  }
}

export function createImageCache(config: Config, options: ImageCacheOptions = {}): ImageCache {
  const memory = config.cacheMemoryMaxBytes > 0
    ? createMemoryStore({
      maxBytes: config.cacheMemoryMaxBytes,
      maxEntryBytes: Math.min(config.cacheMemoryMaxEntryBytes ?? Math.floor(config.cacheMemoryMaxBytes / 8), config.cacheMemoryMaxBytes),
    })
    : undefined;
  const raw = options.store === undefined ? configuredStore(config, options.logger) : options.store ?? undefined;
  const disk = raw?.name === 'disk' && 'usage' in raw ? raw as DiskStore : undefined;
  const known = new LRUCache<string, true>({ max: KNOWN_KEYS });
  const store = raw && tracked(raw, known);
  const cache = createResultCache({ memory, store, logger: options.logger });
  const serve = config.cacheServe as 'stream' | 'redirect';
  return {
    cache,
    memory,
    disk,
    store,
    storeName: raw?.name ?? 'none',
    serve,
    redirectUrl(key) {
      if (serve !== 'redirect' || !store?.publicUrl || !known.has(key)) return undefined;
      // While the store is failing, serve from memory rather than send clients to it.
      if (cache.stats().storeBreakerOpen) return undefined;
      return store.publicUrl(key);
    },
    describe() {
      return {
        store: raw?.name ?? 'none',
        serve,
        memory: memory ? { ...memory.usage(), maxBytes: config.cacheMemoryMaxBytes } : null,
        ...(disk ? { disk: disk.usage() } : {}),
        ...cache.stats(),
      };
    },
    async close() {
      await cache.flush();
      (raw as { close?: () => void } | undefined)?.close?.();
    },
  };
}
