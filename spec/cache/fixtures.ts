import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { etagFor } from '../../server/cache/key.ts';
import type { CachedEntry } from '../../server/cache/types.ts';

/** An entry of `size` random bytes (cache tiers do not look inside, so no real image is needed). */
export function makeEntry(size: number, contentType = 'image/webp', meta?: Record<string, string>): CachedEntry {
  const bytes = randomBytes(size);
  const entry: CachedEntry = { bytes, contentType, etag: etagFor(bytes), createdAt: Date.now() };
  if (meta) entry.meta = meta;
  return entry;
}

export function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `imgflow-${label}-`));
}

/** A key of the shape `cacheKey` makes. */
export function keyOf(graph: string, n: number, ext = 'webp'): string {
  return `${graph}/${String(n).padStart(64, '0')}.${ext}`;
}

/** Collects what the cache logs. */
export function recordingLogger(): { warn(obj: object, msg?: string): void; lines: Array<{ obj: object; msg?: string }> } {
  const lines: Array<{ obj: object; msg?: string }> = [];
  return { lines, warn: (obj, msg) => void lines.push({ obj, msg }) };
}
