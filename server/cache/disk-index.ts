/**
 * What the disk store knows about its files, in memory: size and write time of every entry,
 * in least-recently-used order (a Map keeps insertion order; a hit moves its key to the end),
 * and the byte total the budget is enforced on. Recency lives only here, so a hit costs no
 * disk write; after a restart the files' mtimes (write times) give the starting order.
 */

export interface IndexEntry {
  /** Bytes on disk (header included). */
  size: number;
  /** When the file was written (ms since the epoch): its mtime after a restart. */
  writtenAt: number;
  /** Order of this process's writes (0: found on disk, not written here). */
  seq: number;
}

export interface ScannedEntry extends IndexEntry {
  key: string;
}

export interface DiskIndex {
  readonly bytes: number;
  readonly entries: number;
  has(key: string): boolean;
  get(key: string): IndexEntry | undefined;
  /** A use of the entry: it becomes the most recently used. No-op for unknown keys. */
  touch(key: string): void;
  /** A written (or found) entry, most recently used; replaces any older size. */
  record(key: string, entry: IndexEntry): void;
  remove(key: string): boolean;
  /** Removes every key starting with `prefix`. */
  removePrefix(prefix: string): void;
  /**
   * Takes least recently used entries out until the total fits `maxBytes`, skipping keys
   * `busy` says are being written; returns the keys whose files must now be deleted.
   */
  takeOverBudget(maxBytes: number, busy: (key: string) => boolean): string[];
  /** Takes out entries written before `cutoff` (ms), skipping busy keys; returns their keys. */
  takeExpired(cutoff: number, busy: (key: string) => boolean): string[];
  /**
   * Puts entries found by a scan (oldest first) before every entry recorded since the scan
   * began, leaving out keys removed meanwhile. Yields to the event loop every `chunk` entries.
   */
  seed(scanned: readonly ScannedEntry[], chunk?: number): Promise<void>;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createDiskIndex(): DiskIndex {
  let lru = new Map<string, IndexEntry>();
  let bytes = 0;
  // While a scan is being merged: keys removed meanwhile, which the scan may still list.
  let removedDuringSeed: Set<string> | undefined;
  let prefixesRemovedDuringSeed: string[] | undefined;

  function take(key: string, entry: IndexEntry): void {
    lru.delete(key);
    bytes -= entry.size;
  }

  function forgetDuringSeed(key: string): void {
    removedDuringSeed?.add(key);
  }

  return {
    get bytes() {
      return bytes;
    },
    get entries() {
      return lru.size;
    },
    has: (key) => lru.has(key),
    get: (key) => lru.get(key),
    touch(key) {
      const entry = lru.get(key);
      if (!entry) return;
      lru.delete(key);
      lru.set(key, entry);
    },
    record(key, entry) {
      const old = lru.get(key);
      if (old) take(key, old);
      lru.set(key, entry);
      bytes += entry.size;
      // A key written during the merge is newer than what the scan saw: keep this one.
      removedDuringSeed?.delete(key);
    },
    remove(key) {
      forgetDuringSeed(key);
      const entry = lru.get(key);
      if (!entry) return false;
      take(key, entry);
      return true;
    },
    removePrefix(prefix) {
      prefixesRemovedDuringSeed?.push(prefix);
      for (const [key, entry] of lru) if (key.startsWith(prefix)) take(key, entry);
    },
    takeOverBudget(maxBytes, busy) {
      const out: string[] = [];
      // Deleting the current key while iterating a Map is safe and does not skip others.
      for (const [key, entry] of lru) {
        if (bytes <= maxBytes) break;
        if (busy(key)) continue;
        take(key, entry);
        forgetDuringSeed(key);
        out.push(key);
      }
      return out;
    },
    takeExpired(cutoff, busy) {
      const out: string[] = [];
      for (const [key, entry] of lru) {
        if (entry.writtenAt >= cutoff || busy(key)) continue;
        take(key, entry);
        forgetDuringSeed(key);
        out.push(key);
      }
      return out;
    },
    async seed(scanned, chunk = 2_000) {
      removedDuringSeed = new Set();
      prefixesRemovedDuringSeed = [];
      try {
        const merged = new Map<string, IndexEntry>();
        let mergedBytes = 0;
        for (let i = 0; i < scanned.length; i++) {
          if (i > 0 && i % chunk === 0) await yieldToLoop();
          const { key, size, writtenAt } = scanned[i];
          if (lru.has(key) || merged.has(key)) continue;
          merged.set(key, { size, writtenAt, seq: 0 });
          mergedBytes += size;
        }
        // Synchronously from here: drop what was removed meanwhile, then append live entries.
        for (const key of removedDuringSeed) {
          const entry = merged.get(key);
          if (entry && merged.delete(key)) mergedBytes -= entry.size;
        }
        for (const prefix of prefixesRemovedDuringSeed) {
          for (const [key, entry] of merged) if (key.startsWith(prefix) && merged.delete(key)) mergedBytes -= entry.size;
        }
        for (const [key, entry] of lru) {
          if (merged.has(key)) {
            mergedBytes -= merged.get(key)!.size;
            merged.delete(key);
          }
          merged.set(key, entry);
          mergedBytes += entry.size;
        }
        lru = merged;
        bytes = mergedBytes;
      } finally {
        removedDuringSeed = undefined;
        prefixesRemovedDuringSeed = undefined;
      }
    },
  };
}
