/**
 * What the disk store knows about its files, in memory: size and write time of every entry,
 * in least-recently-used order (a hit moves its entry to the recent end of a linked list),
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

/** An entry in the recency list: `older` towards the first to be evicted. */
interface Node { key: string; entry: IndexEntry; older?: Node; newer?: Node }

/**
 * Recency is a doubly linked list beside the Map, not the Map's own insertion order: moving a
 * key to the end of a Map (delete, then set) leaves a hole V8 reclaims by rehashing the whole
 * table, and with one hot key among n entries that happens every few touches: 2.9 µs per touch
 * at 2,000 entries and 52 µs at 20,000 (`node --import tsx bench/disk-index.ts`; bench/README.md,
 * "Hits on a fresh process, and after misses"), paid by every memory hit. Moving a node is O(1). lru-cache would need a bound, cannot
 * put scanned entries at the cold end, and cannot skip busy keys when evicting; hence our own.
 */
export function createDiskIndex(): DiskIndex {
  const nodes = new Map<string, Node>();
  let oldest: Node | undefined;
  let newest: Node | undefined;
  let bytes = 0;
  // While a scan is being merged: keys removed meanwhile, which the scan may still list.
  let removedDuringSeed: Set<string> | undefined;
  let prefixesRemovedDuringSeed: string[] | undefined;

  function unlink(n: Node): void {
    if (n.older) n.older.newer = n.newer;
    else oldest = n.newer;
    if (n.newer) n.newer.older = n.older;
    else newest = n.older;
    n.older = n.newer = undefined;
  }

  function append(n: Node): void {
    n.older = newest;
    if (newest) newest.newer = n;
    else oldest = n;
    newest = n;
  }

  function take(n: Node): void {
    unlink(n);
    nodes.delete(n.key);
    bytes -= n.entry.size;
  }

  /** Least recently used first; taking the node just yielded is safe. */
  function* oldestFirst(): Generator<Node> {
    for (let n = oldest; n; ) {
      const next: Node | undefined = n.newer;
      yield n;
      n = next;
    }
  }

  function forgetDuringSeed(key: string): void {
    removedDuringSeed?.add(key);
  }

  return {
    get bytes() {
      return bytes;
    },
    get entries() {
      return nodes.size;
    },
    has: (key) => nodes.has(key),
    get: (key) => nodes.get(key)?.entry,
    touch(key) {
      const n = nodes.get(key);
      if (!n || n === newest) return;
      unlink(n);
      append(n);
    },
    record(key, entry) {
      const old = nodes.get(key);
      if (old) take(old);
      const n: Node = { key, entry };
      nodes.set(key, n);
      append(n);
      bytes += entry.size;
      // A key written during the merge is newer than what the scan saw: keep this one.
      removedDuringSeed?.delete(key);
    },
    remove(key) {
      forgetDuringSeed(key);
      const n = nodes.get(key);
      if (!n) return false;
      take(n);
      return true;
    },
    removePrefix(prefix) {
      prefixesRemovedDuringSeed?.push(prefix);
      for (const n of oldestFirst()) if (n.key.startsWith(prefix)) take(n);
    },
    takeOverBudget(maxBytes, busy) {
      const out: string[] = [];
      for (const n of oldestFirst()) {
        if (bytes <= maxBytes) break;
        if (busy(n.key)) continue;
        take(n);
        forgetDuringSeed(n.key);
        out.push(n.key);
      }
      return out;
    },
    takeExpired(cutoff, busy) {
      const out: string[] = [];
      for (const n of oldestFirst()) {
        if (n.entry.writtenAt >= cutoff || busy(n.key)) continue;
        take(n);
        forgetDuringSeed(n.key);
        out.push(n.key);
      }
      return out;
    },
    async seed(scanned, chunk = 2_000) {
      removedDuringSeed = new Set();
      prefixesRemovedDuringSeed = [];
      try {
        const merged = new Map<string, Node>();
        for (let i = 0; i < scanned.length; i++) {
          if (i > 0 && i % chunk === 0) await yieldToLoop();
          const { key, size, writtenAt } = scanned[i];
          if (!merged.has(key)) merged.set(key, { key, entry: { size, writtenAt, seq: 0 } });
        }
        // Synchronously from here: drop what was removed meanwhile and what was recorded since
        // (the live entry is newer), then put the rest, oldest first, before every live entry.
        for (const key of removedDuringSeed) merged.delete(key);
        for (const prefix of prefixesRemovedDuringSeed) {
          for (const key of merged.keys()) if (key.startsWith(prefix)) merged.delete(key);
        }
        let after = oldest;
        for (const n of [...merged.values()].reverse()) {
          if (nodes.has(n.key)) continue;
          n.newer = after;
          if (after) after.older = n;
          else newest = n;
          oldest = after = n;
          nodes.set(n.key, n);
          bytes += n.entry.size;
        }
      } finally {
        removedDuringSeed = undefined;
        prefixesRemovedDuringSeed = undefined;
      }
    },
  };
}
