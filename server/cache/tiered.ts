import { errors } from '../../runtime/errors.ts';
import { assertCacheKey, assertCachePrefix } from './key.ts';
import { createSingleFlight } from './single-flight.ts';
import { createStoreBreaker, type StoreBreakerOptions } from './store-breaker.ts';
import type { CachedEntry, CachedHead, CacheLogger, ResultStore } from './types.ts';

export type CacheTier = 'memory' | 'store';

export interface CacheHit {
  entry: CachedEntry;
  tier: CacheTier;
}

export interface ResultCacheOptions {
  /** The fast, local tier (usually `createMemoryStore`). Optional. */
  memory?: ResultStore & { getNow?(key: string): CachedEntry | undefined };
  /** The shared tier (`createDiskStore` or `createS3Store`). Optional. */
  store?: ResultStore;
  logger?: CacheLogger;
  /** Skips a failing store for a while; default 5 failures, 10000 ms. `false` disables it. */
  breaker?: StoreBreakerOptions | false;
}

export interface ResultCacheStats {
  hits: { memory: number; store: number };
  misses: number;
  /** Entries written (to memory, and to the store when it took them). */
  saves: number;
  /** Store operations that failed (each was logged). */
  storeErrors: number;
  /** Store operations not attempted because the breaker was open. */
  storeSkipped: number;
  storeBreakerOpen: boolean;
  inFlight: number;
  /** Callers that shared another caller's computation. */
  joined: number;
}

export interface ResultCache {
  /** Memory first, then the store; a store hit is copied into memory. Store failures count as misses. */
  lookup(key: string): Promise<CacheHit | undefined>;
  /**
   * `lookup` of the memory tier alone, synchronously (counted and touched like `lookup`); for
   * keys that `cacheKey` made. Undefined when it is not there or the tier cannot answer now.
   */
  memoryHit(key: string): CachedEntry | undefined;
  /** Like `lookup` without the bytes (conditional requests, redirect mode); promotes nothing. */
  head(key: string): Promise<(CachedHead & { tier: CacheTier }) | undefined>;
  /**
   * Writes both tiers; never rejects (a store failure is logged and counted). The memory tier
   * is written before `save` returns, so callers may skip awaiting the store write.
   */
  save(key: string, entry: CachedEntry): Promise<void>;
  /** Removes one key or every key under a prefix (`<graphName>/`) from both tiers; store failures reject with IMGFLOW_ERR_CACHE_STORE. */
  purge(target: { key: string } | { prefix: string }): Promise<void>;
  /** Where a client can fetch the stored entry (redirect mode); undefined when the store cannot serve directly. */
  publicUrl(key: string): string | undefined;
  /**
   * Identical concurrent calls share one `compute` (and its result or error). A caller passing
   * `signal` may leave; when the last one leaves, `compute`'s signal aborts (SingleFlight.run).
   */
  singleFlight<T>(key: string, compute: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** `lookup`, else one shared `compute` whose entry is saved; says where the entry came from. */
  getOrCompute(key: string, compute: () => Promise<CachedEntry>): Promise<{ entry: CachedEntry; source: CacheTier | 'computed' }>;
  /** Resolves when every store write started so far has settled (shutdown, tests). */
  flush(): Promise<void>;
  stats(): ResultCacheStats;
}

const DEFAULT_BREAKER: StoreBreakerOptions = { failureThreshold: 5, cooldownMs: 10_000 };

export function createResultCache(options: ResultCacheOptions): ResultCache {
  const { memory, store, logger } = options;
  const breaker = options.breaker === false ? undefined : createStoreBreaker(options.breaker ?? DEFAULT_BREAKER);
  const flights = createSingleFlight();
  const pendingWrites = new Set<Promise<void>>();
  const counters = { memoryHits: 0, storeHits: 0, misses: 0, saves: 0, storeErrors: 0, storeSkipped: 0 };

  /** Runs a store operation; `undefined` (after logging and counting) when it fails or is skipped. */
  async function tryStore<T>(op: string, key: string, fn: (s: ResultStore) => Promise<T>): Promise<{ value: T } | undefined> {
    if (!store) return undefined;
    if (breaker && !breaker.allows()) {
      counters.storeSkipped++;
      return undefined;
    }
    try {
      const value = await fn(store);
      breaker?.succeeded();
      return { value };
    } catch (err) {
      breaker?.failed();
      counters.storeErrors++;
      logger?.warn({ err, store: store.name, op, key }, 'result cache store failed; serving without it');
      return undefined;
    }
  }

  async function lookup(key: string): Promise<CacheHit | undefined> {
    assertCacheKey(key);
    const local = await memory?.get(key);
    if (local) {
      counters.memoryHits++;
      // Keeps a hot entry from looking cold to the store's eviction while memory serves it.
      store?.touch?.(key);
      return { entry: local, tier: 'memory' };
    }
    const remote = (await tryStore('get', key, (s) => s.get(key)))?.value;
    if (remote) {
      counters.storeHits++;
      await memory?.put(key, remote);
      return { entry: remote, tier: 'store' };
    }
    counters.misses++;
    return undefined;
  }

  function save(key: string, entry: CachedEntry): Promise<void> {
    try {
      assertCacheKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    counters.saves++;
    // memory.put runs synchronously up to its first await: the entry is visible right away.
    const local = memory?.put(key, entry);
    const write = (async () => {
      await local;
      await tryStore('put', key, (s) => s.put(key, entry));
    })();
    pendingWrites.add(write);
    return write.finally(() => pendingWrites.delete(write));
  }

  return {
    lookup,
    memoryHit(key) {
      const local = memory?.getNow?.(key);
      if (!local) return undefined;
      counters.memoryHits++;
      store?.touch?.(key);
      return local;
    },
    save,
    async head(key) {
      assertCacheKey(key);
      const local = await memory?.head(key);
      if (local) return { ...local, tier: 'memory' };
      const remote = (await tryStore('head', key, (s) => s.head(key)))?.value;
      return remote && { ...remote, tier: 'store' };
    },
    async purge(target) {
      const isPrefix = 'prefix' in target;
      const what = isPrefix ? target.prefix : target.key;
      if (isPrefix) assertCachePrefix(what);
      else assertCacheKey(what);
      if (memory) await (isPrefix ? deletePrefixFrom(memory, what) : memory.delete(what));
      if (!store) return;
      // A purge must not pretend to succeed, so it bypasses the breaker and reports failures.
      try {
        await (isPrefix ? deletePrefixFrom(store, what) : store.delete(what));
      } catch (err) {
        counters.storeErrors++;
        logger?.warn({ err, store: store.name, op: 'purge', key: what }, 'result cache purge failed');
        throw errors.IMGFLOW_ERR_CACHE_STORE({ store: store.name, key: what }, err, store.name, 'purge', (err as Error)?.message ?? String(err));
      }
    },
    publicUrl(key) {
      assertCacheKey(key);
      return store?.publicUrl?.(key);
    },
    singleFlight: (key, compute, signal) => flights.run(key, compute, signal),
    async getOrCompute(key, compute) {
      const hit = await lookup(key);
      if (hit) return { entry: hit.entry, source: hit.tier };
      const entry = await flights.run(key, async () => {
        const computed = await compute();
        void save(key, computed);
        return computed;
      });
      return { entry, source: 'computed' };
    },
    async flush() {
      while (pendingWrites.size) await Promise.allSettled([...pendingWrites]);
    },
    stats() {
      return {
        hits: { memory: counters.memoryHits, store: counters.storeHits },
        misses: counters.misses,
        saves: counters.saves,
        storeErrors: counters.storeErrors,
        storeSkipped: counters.storeSkipped,
        storeBreakerOpen: breaker?.open ?? false,
        inFlight: flights.inFlight,
        joined: flights.joined,
      };
    },
  };
}

function deletePrefixFrom(store: ResultStore, prefix: string): Promise<number> {
  if (!store.deletePrefix) {
    return Promise.reject(new Error(`the ${store.name} store cannot delete by prefix`));
  }
  return store.deletePrefix(prefix);
}
