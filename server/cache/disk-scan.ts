/**
 * Lists the disk store's entries at start, oldest write first, without holding the event loop:
 * every directory read and stat is its own asynchronous call, and the one sort is over a typed
 * array (about 65 ms for a million entries) instead of objects (seconds).
 */
import { opendir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { assertCacheKey } from './key.ts';
import type { ScannedEntry } from './disk-index.ts';

export interface ScanOptions {
  /** Temp files (a write that crashed) older than this are deleted. */
  staleTempMs: number;
  now?: number;
}

const STAT_BATCH = 64;

function isKey(key: string): boolean {
  try {
    assertCacheKey(key);
    return true;
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of await opendir(dir)) names.push(entry.name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  return names;
}

/** Every entry file under `root` (`<graph>/<name>`), sorted by mtime, oldest first. */
export async function scanDiskStore(root: string, options: ScanOptions): Promise<ScannedEntry[]> {
  const now = options.now ?? Date.now();
  const keys: string[] = [];
  const sizes: number[] = [];
  const mtimes: number[] = [];
  for (const graph of await listDir(root)) {
    if (graph.startsWith('.')) continue;
    const names = await listDir(path.join(root, graph));
    for (let i = 0; i < names.length; i += STAT_BATCH) {
      await Promise.all(names.slice(i, i + STAT_BATCH).map(async (name) => {
        const file = path.join(root, graph, name);
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile()) return;
        if (name.startsWith('.')) {
          // A live write's temp file is renamed within milliseconds; one this old was abandoned.
          if (name.endsWith('.tmp') && now - info.mtimeMs > options.staleTempMs) await unlink(file).catch(() => {});
          return;
        }
        const key = `${graph}/${name}`;
        if (!isKey(key)) return;
        keys.push(key);
        sizes.push(info.size);
        mtimes.push(info.mtimeMs);
      }));
    }
  }
  // (mtime in seconds << 32 | position): one native sort of 64-bit integers.
  const order = new BigUint64Array(keys.length);
  for (let i = 0; i < keys.length; i++) order[i] = (BigInt(Math.max(0, Math.floor(mtimes[i] / 1000))) << 32n) | BigInt(i);
  order.sort();
  const out: ScannedEntry[] = new Array(keys.length);
  for (let j = 0; j < order.length; j++) {
    const i = Number(order[j] & 0xffffffffn);
    out[j] = { key: keys[i], size: sizes[i], writtenAt: mtimes[i], seq: 0 };
  }
  return out;
}
