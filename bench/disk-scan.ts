/**
 * The disk store's start-up scan on a big directory: how long until the budget applies, and
 * the longest the event loop was held meanwhile (a 1 ms timer measures the gaps).
 *
 *   node --import tsx bench/disk-scan.ts [entries=100000] [graphs=20]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDiskStore } from '../server/cache/disk.ts';

const entries = Number(process.argv[2] ?? 100_000);
const graphs = Number(process.argv[3] ?? 20);
const dir = await mkdtemp(path.join(tmpdir(), 'imgflow-scan-bench-'));
try {
  const body = Buffer.alloc(1000, 1);
  for (let g = 0; g < graphs; g++) await mkdir(path.join(dir, `g${g}`));
  for (let i = 0; i < entries; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, entries - i) }, (_, j) =>
      writeFile(path.join(dir, `g${(i + j) % graphs}`, `${String(i + j).padStart(64, '0')}.webp`), body)));
  }
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  // Half the files' bytes: the scan must also evict half of them.
  const store = createDiskStore({ directory: dir, maxBytes: (entries * body.length) / 2 });
  await store.ready;
  const ms = performance.now() - t0;
  clearInterval(timer);
  const u = store.usage();
  console.log(JSON.stringify({
    entries, graphs, readyMs: Math.round(ms), maxEventLoopGapMs: Math.round(maxGap),
    indexed: u.entries, evicted: u.evictions, rssGrowthMiB: Math.round((process.memoryUsage().rss - rss0) / 2 ** 20),
  }));
  store.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
