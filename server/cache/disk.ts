import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../../runtime/errors.ts';
import { createDiskIndex } from './disk-index.ts';
import { scanDiskStore } from './disk-scan.ts';
import { assertCacheKey, assertCachePrefix } from './key.ts';
import type { CachedEntry, CachedHead, CacheLogger, ResultStore } from './types.ts';

export interface DiskStoreOptions {
  /** Root directory; created on first write. Keys map to `<directory>/<graphName>/<hash>.<ext>`. */
  directory: string;
  /**
   * Byte budget of the files (headers included); past it the least recently used entries are
   * deleted. 0 or undefined: unlimited. An entry larger than the budget is not stored.
   */
  maxBytes?: number;
  /** Entries written longer ago than this read as misses and are deleted. 0 or undefined: no expiry. */
  maxAgeMs?: number;
  /** How often expired entries nobody reads are looked for. Default a quarter of maxAgeMs, 1 s to 10 min. */
  sweepMs?: number;
  /** Temp files older than this (a crashed write) are deleted by the start-up scan. Default 1 h. */
  staleTempMs?: number;
  /** Logs a failed start-up scan or deletion (the store keeps working). */
  logger?: CacheLogger;
}

export interface DiskUsage {
  entries: number;
  bytes: number;
  /** 0: unlimited. */
  maxBytes: number;
  /** 0: no expiry. */
  maxAgeSeconds: number;
  /** Entries deleted to stay within maxBytes, since start. */
  evictions: number;
  /** Entries deleted for being older than maxAge, since start. */
  expirations: number;
  /** Results not stored because they alone exceed maxBytes. */
  tooLarge: number;
  /** False until the start-up scan has indexed the existing files (the budget applies after it). */
  scanned: boolean;
}

export interface DiskStore extends ResultStore {
  readonly name: 'disk';
  deletePrefix(prefix: string): Promise<number>;
  /** Settles when the start-up scan has indexed existing files and enforced the budget on them. */
  readonly ready: Promise<void>;
  /** Marks an entry used (a hit served by a tier in front); costs no I/O. */
  touch(key: string): void;
  usage(): DiskUsage;
  /** Stops the expiry timer. */
  close(): void;
}

/*
 * One file per entry: a magic line, one JSON header line, then the image bytes. Keeping the
 * metadata in the same file means a single rename publishes bytes and metadata together (a
 * sidecar would need two renames and could pair new bytes with an old ETag). The header also
 * records the byte count, so a file truncated by a crash reads as a miss, not as a broken image.
 */
const MAGIC = Buffer.from('IMGFLOW-CACHE 1\n');
const MAX_HEADER_BYTES = 16 * 1024;

interface Header {
  contentType: string;
  etag: string;
  createdAt: number;
  size: number;
  meta?: Record<string, string>;
}

function encodeHeader(entry: CachedEntry): Buffer {
  const header: Header = { contentType: entry.contentType, etag: entry.etag, createdAt: entry.createdAt, size: entry.bytes.length };
  if (entry.meta) header.meta = entry.meta;
  // JSON.stringify escapes newlines inside strings, so the header is exactly one line.
  const line = Buffer.from(`${JSON.stringify(header)}\n`);
  if (line.length > MAX_HEADER_BYTES) throw new RangeError(`cache entry metadata is larger than ${MAX_HEADER_BYTES} bytes`);
  return line;
}

/** Parses the header at the start of `buf`; undefined when the file is not (a whole) entry. */
function decodeHeader(buf: Buffer): { header: Header; bodyOffset: number } | undefined {
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const end = buf.indexOf(0x0a, MAGIC.length);
  if (end < 0) return undefined;
  try {
    const header = JSON.parse(buf.subarray(MAGIC.length, end).toString('utf8')) as Header;
    if (typeof header.contentType !== 'string' || typeof header.etag !== 'string' || !Number.isSafeInteger(header.size)) return undefined;
    return { header, bodyOffset: end + 1 };
  } catch {
    return undefined;
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const HOUR_MS = 3_600_000;
const UNLINKS_AT_ONCE = 16;

interface Deletion {
  /** A write of the same key came first: the new file must stay. */
  cancelled: boolean;
  running?: Promise<void>;
  /** The deleteFiles call it belongs to, resolved when its last file is done. */
  batch: { left: number; resolve(): void };
}

/**
 * Results as files under one directory, written atomically (temp file in the same directory,
 * then rename), within an optional byte budget and age.
 *
 * Eviction never breaks a read or a write: temp files are not in the index, so only published
 * entries are ever deleted, and not while a new version of the same key is being written; a
 * reader that opened a file before it was unlinked still reads all of it (POSIX), one that
 * comes after sees a miss. Sizes and recency are tracked in memory (disk-index.ts), so the
 * budget counts what this process wrote or found at start: several processes sharing one
 * directory each enforce it on their own view.
 */
export function createDiskStore(options: DiskStoreOptions): DiskStore {
  const root = path.resolve(options.directory);
  const maxBytes = options.maxBytes ?? 0;
  const maxAgeMs = options.maxAgeMs ?? 0;
  const index = createDiskIndex();
  const counters = { evictions: 0, expirations: 0, tooLarge: 0 };
  /** Keys with a write in progress (count: the same key may be written twice at once). */
  const writing = new Map<string, number>();
  /** Deletions queued or running, so a new write of the same key never races the old file's unlink. */
  const deleting = new Map<string, Deletion>();
  /** Deletions waiting for one of the UNLINKS_AT_ONCE slots, from queueHead on. */
  const unlinkQueue: Array<[string, Deletion]> = [];
  let queueHead = 0;
  let unlinking = 0;
  let scanned = false;
  let writes = 0;
  const busy = (key: string) => writing.has(key);
  /**
   * Directories this process made or found: a write into one skips its mkdir (a pool round trip
   * and two syscalls per result). One removed since (deletePrefix, another process) fails the
   * write with ENOENT, which forgets it and makes it again.
   */
  const knownDirs = new Set<string>();

  function pathFor(key: string): string {
    const file = path.resolve(root, ...key.split('/'));
    // Defence in depth: assertCacheKey already rules out `..` and absolute parts.
    if (!file.startsWith(root + path.sep)) throw errors.IMGFLOW_ERR_CACHE_KEY_INVALID({ key }, undefined, JSON.stringify(key), 'it leaves the cache directory');
    return file;
  }

  async function writeAtomically(file: string, header: Buffer, bytes: Buffer): Promise<void> {
    // The dot prefix keeps temp files out of the key space (keys never start a part with a dot).
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // One writev for the three parts: writeFile with a list writes them one by one, each a
      // round trip through libuv's pool (bench/README.md, "Uncached path").
      const handle = await open(temp, 'wx');
      try {
        const parts = [MAGIC, header, bytes];
        const { bytesWritten } = await handle.writev(parts);
        // A regular file takes it all at once but for a full disk or a signal: write the rest.
        if (bytesWritten < MAGIC.length + header.length + bytes.length) await handle.writeFile(Buffer.concat(parts).subarray(bytesWritten));
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  /** Starts queued deletions while fewer than UNLINKS_AT_ONCE run. */
  function pump(): void {
    while (unlinking < UNLINKS_AT_ONCE && queueHead < unlinkQueue.length) {
      const [key, deletion] = unlinkQueue[queueHead++];
      if (deletion.cancelled) {
        settle(key, deletion);
        continue;
      }
      unlinking++;
      deletion.running = unlink(pathFor(key))
        .catch((err) => {
          if (!isNotFound(err)) options.logger?.warn({ err, key }, 'disk cache: deleting an entry failed');
        })
        .finally(() => {
          unlinking--;
          settle(key, deletion);
          pump();
        });
    }
    if (queueHead === unlinkQueue.length) unlinkQueue.length = queueHead = 0;
  }

  function settle(key: string, deletion: Deletion): void {
    if (deleting.get(key) === deletion) deleting.delete(key);
    if (--deletion.batch.left === 0) deletion.batch.resolve();
  }

  /**
   * Deletes entries' files, at most UNLINKS_AT_ONCE at a time and without a promise per file: a
   * restart far over budget may evict tens of thousands at once, and starting all their
   * unlinks together held the event loop for about a second (bench/disk-scan.ts).
   */
  function deleteFiles(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const batch = { left: keys.length, resolve };
      for (const key of keys) {
        const deletion: Deletion = { cancelled: false, batch };
        deleting.set(key, deletion);
        unlinkQueue.push([key, deletion]);
      }
      pump();
    });
  }

  /** Before writing `key`: a deletion of its old file not started yet is dropped, one running is awaited. */
  async function settleDeletion(key: string): Promise<void> {
    const deletion = deleting.get(key);
    if (!deletion) return;
    if (deletion.running) await deletion.running;
    else deletion.cancelled = true;
  }

  /** Deletes least recently used entries until the index fits the budget. */
  async function enforceBudget(): Promise<void> {
    if (!scanned || maxBytes <= 0 || index.bytes <= maxBytes) return;
    const victims = index.takeOverBudget(maxBytes, busy);
    counters.evictions += victims.length;
    await deleteFiles(victims);
  }

  async function expireOld(): Promise<void> {
    if (maxAgeMs <= 0) return;
    const victims = index.takeExpired(Date.now() - maxAgeMs, busy);
    counters.expirations += victims.length;
    await deleteFiles(victims);
  }

  /** An entry found on disk (hit or head): refresh, or learn it (written by another process, or before the scan ended). */
  function found(key: string, fileSize: number, createdAt: number): void {
    if (index.has(key)) index.touch(key);
    else index.record(key, { size: fileSize, writtenAt: createdAt, seq: 0 });
  }

  /**
   * A read found the file gone, or expired: forget it (and delete it when expired), unless a
   * newer version was written since the read began (`since`: the write count then) or is
   * being written now.
   */
  async function lost(key: string, expired: boolean, since: number): Promise<void> {
    const known = index.get(key);
    if (busy(key) || (known && known.seq > since)) return;
    index.remove(key);
    if (expired) {
      counters.expirations++;
      await deleteFiles([key]);
    }
  }

  const isExpired = (createdAt: number) => maxAgeMs > 0 && Date.now() - createdAt > maxAgeMs;

  const ready = (async () => {
    try {
      const entries = await scanDiskStore(root, { staleTempMs: options.staleTempMs ?? HOUR_MS });
      await index.seed(entries);
    } catch (err) {
      options.logger?.warn({ err, directory: root }, 'disk cache: start-up scan failed; the budget applies to new entries only');
    }
    scanned = true;
    await expireOld();
    await enforceBudget();
  })();

  // Expired entries nobody asks for again are deleted by a sweep (the index is in memory, so
  // a sweep is one pass over a Map, no I/O unless something expired).
  const sweep = maxAgeMs > 0
    ? setInterval(() => void ready.then(expireOld), options.sweepMs ?? Math.min(Math.max(maxAgeMs / 4, 1000), 10 * 60_000))
    : undefined;
  sweep?.unref();

  return {
    name: 'disk',
    ready,
    async get(key) {
      assertCacheKey(key);
      const since = writes;
      let buf: Buffer;
      try {
        buf = await readFile(pathFor(key));
      } catch (err) {
        if (isNotFound(err)) {
          void lost(key, false, since);
          return undefined;
        }
        throw err;
      }
      const parsed = decodeHeader(buf);
      if (!parsed || buf.length - parsed.bodyOffset !== parsed.header.size) return undefined;
      const { contentType, etag, createdAt, meta } = parsed.header;
      if (isExpired(createdAt)) {
        await lost(key, true, since);
        return undefined;
      }
      found(key, buf.length, createdAt);
      const entry: CachedEntry = { bytes: buf.subarray(parsed.bodyOffset), contentType, etag, createdAt };
      if (meta) entry.meta = meta;
      return entry;
    },
    async head(key): Promise<CachedHead | undefined> {
      assertCacheKey(key);
      const since = writes;
      let handle;
      try {
        handle = await open(pathFor(key), 'r');
      } catch (err) {
        if (isNotFound(err)) {
          void lost(key, false, since);
          return undefined;
        }
        throw err;
      }
      try {
        const [{ size: fileSize }, { buffer, bytesRead }] = await Promise.all([
          handle.stat(),
          handle.read({ buffer: Buffer.alloc(MAGIC.length + MAX_HEADER_BYTES), position: 0 }),
        ]);
        const parsed = decodeHeader(buffer.subarray(0, bytesRead));
        if (!parsed || fileSize - parsed.bodyOffset !== parsed.header.size) return undefined;
        if (isExpired(parsed.header.createdAt)) {
          await lost(key, true, since);
          return undefined;
        }
        // A conditional request answered from this entry is a use of it.
        found(key, fileSize, parsed.header.createdAt);
        const head: CachedHead = { etag: parsed.header.etag, contentType: parsed.header.contentType, size: parsed.header.size };
        if (parsed.header.meta) head.meta = parsed.header.meta;
        return head;
      } finally {
        await handle.close();
      }
    },
    async put(key, entry) {
      assertCacheKey(key);
      const file = pathFor(key);
      const header = encodeHeader(entry);
      const size = MAGIC.length + header.length + entry.bytes.length;
      if (maxBytes > 0 && size > maxBytes) {
        // Storing it would evict everything else; it is still served from this request.
        counters.tooLarge++;
        return;
      }
      writing.set(key, (writing.get(key) ?? 0) + 1);
      try {
        await settleDeletion(key);
        // A concurrent deletePrefix may remove the directory between mkdir and write: one retry.
        const dir = path.dirname(file);
        for (let attempt = 1; ; attempt++) {
          if (!knownDirs.has(dir)) {
            await mkdir(dir, { recursive: true });
            // Bounded: past it, directories are made (found) again as writes come.
            if (knownDirs.size >= 10_000) knownDirs.clear();
            knownDirs.add(dir);
          }
          try {
            await writeAtomically(file, header, entry.bytes);
            break;
          } catch (err) {
            if (!isNotFound(err)) throw err;
            knownDirs.delete(dir);
            if (attempt >= 2) throw err;
          }
        }
        index.record(key, { size, writtenAt: Date.now(), seq: ++writes });
      } finally {
        const n = writing.get(key)! - 1;
        if (n === 0) writing.delete(key);
        else writing.set(key, n);
      }
      await enforceBudget();
    },
    async delete(key) {
      assertCacheKey(key);
      index.remove(key);
      await rm(pathFor(key), { force: true });
    },
    async deletePrefix(prefix) {
      assertCachePrefix(prefix);
      const parts = prefix.split('/');
      const namePrefix = parts.pop() as string;
      const dir = parts.length ? pathFor(parts.join('/')) : root;
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (isNotFound(err)) return 0;
        throw err;
      }
      index.removePrefix(prefix);
      // Some of them are about to go.
      knownDirs.clear();
      let removed = 0;
      for (const name of names) {
        if (name.startsWith('.') || !name.startsWith(namePrefix)) continue;
        const target = path.join(dir, name);
        removed += await countFiles(target);
        await rm(target, { recursive: true, force: true });
      }
      return removed;
    },
    touch(key) {
      index.touch(key);
    },
    usage() {
      return {
        entries: index.entries,
        bytes: index.bytes,
        maxBytes,
        maxAgeSeconds: Math.round(maxAgeMs / 1000),
        ...counters,
        scanned,
      };
    },
    close() {
      if (sweep) clearInterval(sweep);
    },
  };
}

/** Entries (not temp files) at or below `target`. */
async function countFiles(target: string): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return 1;
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).length;
}
