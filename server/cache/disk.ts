import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../../runtime/errors.ts';
import { assertCacheKey, assertCachePrefix } from './key.ts';
import type { CachedEntry, CachedHead, ResultStore } from './types.ts';

export interface DiskStoreOptions {
  /** Root directory; created on first write. Keys map to `<directory>/<graphName>/<hash>.<ext>`. */
  directory: string;
}

export interface DiskStore extends ResultStore {
  readonly name: 'disk';
  deletePrefix(prefix: string): Promise<number>;
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

/** Results as files under one directory, written atomically (temp file in the same directory, then rename). */
export function createDiskStore(options: DiskStoreOptions): DiskStore {
  const root = path.resolve(options.directory);

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
      await writeFile(temp, [MAGIC, header, bytes], { flag: 'wx' });
      await rename(temp, file);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  return {
    name: 'disk',
    async get(key) {
      assertCacheKey(key);
      let buf: Buffer;
      try {
        buf = await readFile(pathFor(key));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const parsed = decodeHeader(buf);
      if (!parsed || buf.length - parsed.bodyOffset !== parsed.header.size) return undefined;
      const { contentType, etag, createdAt, meta } = parsed.header;
      const entry: CachedEntry = { bytes: buf.subarray(parsed.bodyOffset), contentType, etag, createdAt };
      if (meta) entry.meta = meta;
      return entry;
    },
    async head(key): Promise<CachedHead | undefined> {
      assertCacheKey(key);
      let handle;
      try {
        handle = await open(pathFor(key), 'r');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      try {
        const [{ size: fileSize }, { buffer, bytesRead }] = await Promise.all([
          handle.stat(),
          handle.read({ buffer: Buffer.alloc(MAGIC.length + MAX_HEADER_BYTES), position: 0 }),
        ]);
        const parsed = decodeHeader(buffer.subarray(0, bytesRead));
        if (!parsed || fileSize - parsed.bodyOffset !== parsed.header.size) return undefined;
        return { etag: parsed.header.etag, contentType: parsed.header.contentType, size: parsed.header.size };
      } finally {
        await handle.close();
      }
    },
    async put(key, entry) {
      assertCacheKey(key);
      const file = pathFor(key);
      const header = encodeHeader(entry);
      // A concurrent deletePrefix may remove the directory between mkdir and write: one retry.
      for (let attempt = 1; ; attempt++) {
        await mkdir(path.dirname(file), { recursive: true });
        try {
          return await writeAtomically(file, header, entry.bytes);
        } catch (err) {
          if (attempt >= 2 || !isNotFound(err)) throw err;
        }
      }
    },
    async delete(key) {
      assertCacheKey(key);
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
      let removed = 0;
      for (const name of names) {
        if (name.startsWith('.') || !name.startsWith(namePrefix)) continue;
        const target = path.join(dir, name);
        removed += await countFiles(target);
        await rm(target, { recursive: true, force: true });
      }
      return removed;
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
