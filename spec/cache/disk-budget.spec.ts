/**
 * The disk store's byte budget and age limit (IMGFLOW_CACHE_DISK_MAX_BYTES,
 * IMGFLOW_CACHE_DISK_MAX_AGE_SECONDS) on a real directory.
 */
import { expect } from 'chai';
import { mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDiskStore, type DiskStore } from '../../server/cache/disk.ts';
import { createMemoryStore } from '../../server/cache/memory.ts';
import { createResultCache } from '../../server/cache/tiered.ts';
import { keyOf, makeEntry, tempDir } from './fixtures.ts';

const ENTRY_BYTES = 2_000;

/** Every file under the store's directory: key (or temp name) -> size. */
async function filesOn(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const graph of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(path.join(dir, graph))) {
      // A file may be deleted between readdir and stat (a sweep running meanwhile).
      const info = await stat(path.join(dir, graph, name)).catch(() => undefined);
      if (info) out.set(`${graph}/${name}`, info.size);
    }
  }
  return out;
}

const total = (files: Map<string, number>) => [...files.values()].reduce((a, b) => a + b, 0);

describe('cache/disk: byte budget and age', () => {
  let dir: string;
  let fileSize: number;
  const stores: DiskStore[] = [];
  const open = (options: Omit<Parameters<typeof createDiskStore>[0], 'directory'>) => {
    const store = createDiskStore({ directory: dir, ...options });
    stores.push(store);
    return store;
  };

  before(async () => {
    // The size of one entry's file (header included), to express budgets in entries.
    const probe = await tempDir('disk-probe');
    await createDiskStore({ directory: probe }).put(keyOf('g', 0), makeEntry(ENTRY_BYTES));
    fileSize = (await filesOn(probe)).get(keyOf('g', 0))!;
    await rm(probe, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = await tempDir('disk-budget');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('deletes the least recently used entries past the budget and stays under it', async () => {
    const store = open({ maxBytes: Math.floor(5.5 * fileSize) });
    await store.ready;
    for (let n = 1; n <= 12; n++) {
      await store.put(keyOf('g', n), makeEntry(ENTRY_BYTES));
      const files = await filesOn(dir);
      expect(total(files)).to.be.at.most(5.5 * fileSize);
      expect(store.usage().bytes).to.equal(total(files), 'accounting matches the disk');
    }
    expect([...(await filesOn(dir)).keys()].sort()).to.deep.equal([8, 9, 10, 11, 12].map((n) => keyOf('g', n)));
    expect(store.usage()).to.include({ entries: 5, evictions: 7, scanned: true });
  });

  it('a hit, a head or a hit served from memory in front refreshes recency', async () => {
    const store = open({ maxBytes: Math.floor(3.5 * fileSize) });
    await store.ready;
    for (const n of [1, 2, 3]) await store.put(keyOf('g', n), makeEntry(ENTRY_BYTES));
    expect(await store.get(keyOf('g', 1))).to.not.equal(undefined); // order now 2, 3, 1
    await store.put(keyOf('g', 4), makeEntry(ENTRY_BYTES));
    expect((await filesOn(dir)).has(keyOf('g', 2))).to.equal(false, 'the least recently used went');
    expect((await filesOn(dir)).has(keyOf('g', 1))).to.equal(true, 'the one just read stayed');

    expect(await store.head(keyOf('g', 3))).to.not.equal(undefined); // order now 1, 4, 3
    await store.put(keyOf('g', 5), makeEntry(ENTRY_BYTES));
    expect([...(await filesOn(dir)).keys()].sort()).to.deep.equal([3, 4, 5].map((n) => keyOf('g', n)));

    // A memory-tier hit never reads the disk, but must still count as a use there.
    const cache = createResultCache({ memory: createMemoryStore({ maxBytes: 1 << 20 }), store, breaker: false });
    for (const n of [6, 7, 8]) await cache.save(keyOf('g', n), makeEntry(ENTRY_BYTES)); // disk order 6, 7, 8
    expect((await cache.lookup(keyOf('g', 6)))?.tier).to.equal('memory'); // disk order 7, 8, 6
    await cache.save(keyOf('g', 9), makeEntry(ENTRY_BYTES)); // evicts 7
    expect([...(await filesOn(dir)).keys()].sort()).to.deep.equal([6, 8, 9].map((n) => keyOf('g', n)));
  });

  it('re-scans at start, oldest write first, honours a smaller budget and clears abandoned temp files', async () => {
    const first = open({});
    const now = Date.now() / 1000;
    for (let n = 1; n <= 8; n++) {
      await first.put(keyOf(n % 2 ? 'a' : 'b', n), makeEntry(ENTRY_BYTES));
      // Written a minute apart, in an order that is not the key order.
      const t = now - 3600 + ((n * 5) % 8) * 60;
      await utimes(path.join(dir, keyOf(n % 2 ? 'a' : 'b', n)), t, t);
    }
    const oldTemp = path.join(dir, 'a', `.${path.basename(keyOf('a', 99))}.1.abc.tmp`);
    const liveTemp = path.join(dir, 'a', `.${path.basename(keyOf('a', 98))}.1.def.tmp`);
    await writeFile(oldTemp, 'crashed write');
    await writeFile(liveTemp, 'write in progress');
    await utimes(oldTemp, now - 7200, now - 7200);
    await writeFile(path.join(dir, 'a', 'not-a-key file'), 'foreign');

    const restarted = open({ maxBytes: Math.floor(3.5 * fileSize) });
    expect(restarted.usage().scanned).to.equal(false);
    await restarted.ready;
    // (n * 5) % 8 for n = 1..8: 5 2 7 4 1 6 3 0: the three newest writes are n = 3, 6, 1.
    const kept = [...(await filesOn(dir)).keys()].filter((k) => !k.includes('.tmp') && !k.includes(' ')).sort();
    expect(kept).to.deep.equal([keyOf('a', 1), keyOf('a', 3), keyOf('b', 6)].sort());
    expect(restarted.usage()).to.include({ entries: 3, evictions: 5, bytes: 3 * fileSize });
    const files = await filesOn(dir);
    expect(files.has(`a/${path.basename(oldTemp)}`)).to.equal(false, 'an hour-old temp file is an abandoned write');
    expect(files.has(`a/${path.basename(liveTemp)}`)).to.equal(true, 'a fresh temp file may be a live write');
    expect(files.has('a/not-a-key file')).to.equal(true, 'files that are not entries are left alone');
  });

  it('stays consistent under concurrent saves, rewrites, reads and evictions', async () => {
    const store = open({ maxBytes: 8 * fileSize });
    await store.ready;
    const writes: Promise<void>[] = [];
    const reads: Promise<unknown>[] = [];
    for (let i = 0; i < 120; i++) {
      const key = keyOf(i % 3 ? 'x' : 'y', i % 23);
      writes.push(store.put(key, makeEntry(ENTRY_BYTES)));
      reads.push(store.get(keyOf('x', (i * 7) % 23)).then((e) => {
        if (e) expect(e.bytes.length).to.equal(ENTRY_BYTES, 'a read never sees a partial file');
      }));
    }
    await Promise.all([...writes, ...reads]);
    const files = await filesOn(dir);
    expect([...files.keys()].filter((k) => k.includes('.tmp'))).to.deep.equal([], 'no temp file is left');
    expect(total(files)).to.be.at.most(8 * fileSize);
    expect(store.usage()).to.include({ entries: files.size, bytes: total(files) });
    for (const key of files.keys()) expect((await store.get(key))?.bytes.length, key).to.equal(ENTRY_BYTES);
  });

  it('does not store an entry larger than the whole budget', async () => {
    const store = open({ maxBytes: 3 * fileSize });
    await store.ready;
    await store.put(keyOf('g', 1), makeEntry(ENTRY_BYTES));
    await store.put(keyOf('g', 2), makeEntry(4 * ENTRY_BYTES));
    expect([...(await filesOn(dir)).keys()]).to.deep.equal([keyOf('g', 1)]);
    expect(store.usage()).to.include({ tooLarge: 1, evictions: 0 });
  });

  it('expires entries older than maxAge on read and at start', async () => {
    const store = open({ maxAgeMs: 60_000 });
    await store.ready;
    const old = { ...makeEntry(ENTRY_BYTES), createdAt: Date.now() - 120_000 };
    await store.put(keyOf('g', 1), old);
    await store.put(keyOf('g', 2), makeEntry(ENTRY_BYTES));
    expect(await store.get(keyOf('g', 1))).to.equal(undefined);
    expect(await store.head(keyOf('g', 1))).to.equal(undefined);
    expect(await store.get(keyOf('g', 2))).to.not.equal(undefined);
    expect([...(await filesOn(dir)).keys()]).to.deep.equal([keyOf('g', 2)]);
    expect(store.usage()).to.include({ expirations: 1, entries: 1 });

    // At start: files whose mtime is past the age are deleted by the scan.
    const t = Date.now() / 1000 - 300;
    await utimes(path.join(dir, keyOf('g', 2)), t, t);
    const restarted = open({ maxAgeMs: 60_000 });
    await restarted.ready;
    expect([...(await filesOn(dir)).keys()]).to.deep.equal([]);
    expect(restarted.usage()).to.include({ expirations: 1, entries: 0, bytes: 0 });
  });

  it('sweeps expired entries that nobody reads again', async function () {
    const store = open({ maxAgeMs: 150, sweepMs: 50 });
    await store.ready;
    await store.put(keyOf('g', 1), makeEntry(ENTRY_BYTES));
    // Bounded wait for a background timer (not a speed assertion): gone within 3 s.
    for (let waited = 0; (await filesOn(dir)).size > 0 && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect([...(await filesOn(dir)).keys()]).to.deep.equal([]);
    expect(store.usage()).to.include({ expirations: 1, entries: 0 });
  });
});
