import { LRUCache } from 'lru-cache';
import { errors } from '../../runtime/errors.ts';
import { assertCacheKey, assertCachePrefix } from './key.ts';
import type { CachedEntry, CachedHead, ResultStore } from './types.ts';

export interface MemoryStoreOptions {
  /** Total budget in bytes (image bytes plus a small per-entry overhead). */
  maxBytes: number;
  /** Larger entries are not kept in memory (they still go to the next tier). Defaults to maxBytes / 8. */
  maxEntryBytes?: number;
  /** Optional age limit in milliseconds; 0 or undefined keeps entries until evicted. */
  ttlMs?: number;
}

export interface MemoryStore extends ResultStore {
  readonly name: 'memory';
  deletePrefix(prefix: string): Promise<number>;
  /** `get` without the promise, for the hot-hit path (server/hot-hits): the key is one `cacheKey` made. */
  getNow(key: string): CachedEntry | undefined;
  /** Current number of entries and bytes accounted. */
  usage(): { entries: number; bytes: number };
}

// Approximate cost of the entry object, its strings and the LRU bookkeeping, so that a flood of
// tiny results cannot hold far more memory than the budget says.
const ENTRY_OVERHEAD_BYTES = 256;

function entrySize(entry: CachedEntry): number {
  let size = entry.bytes.length + entry.contentType.length + entry.etag.length + ENTRY_OVERHEAD_BYTES;
  for (const [k, v] of Object.entries(entry.meta ?? {})) size += k.length + v.length;
  return size;
}

/** An LRU bounded in bytes. Entries are shared, not copied: treat returned buffers as read-only. */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const { maxBytes, maxEntryBytes = Math.floor(maxBytes / 8), ttlMs } = options;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw errors.IMGFLOW_ERR_CONFIG_INVALID({ option: 'maxBytes' }, undefined, `memory cache maxBytes must be a positive integer, got ${maxBytes}`);
  }
  if (!(Number.isSafeInteger(maxEntryBytes) && maxEntryBytes > 0 && maxEntryBytes <= maxBytes)) {
    throw errors.IMGFLOW_ERR_CONFIG_INVALID({ option: 'maxEntryBytes' }, undefined, `memory cache maxEntryBytes must be a positive integer up to maxBytes, got ${maxEntryBytes}`);
  }
  const lru = new LRUCache<string, CachedEntry>({
    maxSize: maxBytes,
    maxEntrySize: maxEntryBytes,
    sizeCalculation: entrySize,
    ...(ttlMs ? { ttl: ttlMs } : {}),
  });

  return {
    name: 'memory',
    async get(key) {
      assertCacheKey(key);
      return lru.get(key);
    },
    getNow(key) {
      return lru.get(key);
    },
    async head(key): Promise<CachedHead | undefined> {
      assertCacheKey(key);
      // peek: a HEAD-style probe should not refresh recency.
      const entry = lru.peek(key);
      return entry && { etag: entry.etag, contentType: entry.contentType, size: entry.bytes.length, ...(entry.meta ? { meta: entry.meta } : {}) };
    },
    async put(key, entry) {
      assertCacheKey(key);
      // lru-cache drops (and un-sets) an entry above maxEntrySize rather than evicting everything else.
      lru.set(key, entry);
    },
    async delete(key) {
      assertCacheKey(key);
      lru.delete(key);
    },
    async deletePrefix(prefix) {
      assertCachePrefix(prefix);
      let removed = 0;
      for (const key of [...lru.keys()]) {
        if (key.startsWith(prefix) && lru.delete(key)) removed++;
      }
      return removed;
    },
    usage() {
      return { entries: lru.size, bytes: lru.calculatedSize };
    },
  };
}
