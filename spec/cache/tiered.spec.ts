import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDiskStore } from '../../server/cache/disk.ts';
import { createMemoryStore } from '../../server/cache/memory.ts';
import { createResultCache } from '../../server/cache/tiered.ts';
import type { ResultStore } from '../../server/cache/types.ts';
import { keyOf, makeEntry, recordingLogger, tempDir } from './fixtures.ts';

/** A store whose every operation fails, like a dead S3. */
function brokenStore(): ResultStore & { calls: number } {
  const store = {
    name: 'broken',
    calls: 0,
    fail(): Promise<never> {
      store.calls++;
      return Promise.reject(new Error('connect ECONNREFUSED'));
    },
    get: () => store.fail(),
    head: () => store.fail(),
    put: () => store.fail(),
    delete: () => store.fail(),
    deletePrefix: () => store.fail(),
  };
  return store;
}

describe('cache/tiered', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('tiered');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('looks in memory, then the store, and promotes store hits into memory', async () => {
    const disk = createDiskStore({ directory: dir });
    const first = createResultCache({ memory: createMemoryStore({ maxBytes: 1_000_000 }), store: disk });
    const entry = makeEntry(1_000);
    await first.save(keyOf('g', 1), entry);
    expect(await first.lookup(keyOf('g', 1))).to.deep.include({ tier: 'memory', entry });

    // A second process: empty memory, same disk.
    const second = createResultCache({ memory: createMemoryStore({ maxBytes: 1_000_000 }), store: disk });
    expect((await second.lookup(keyOf('g', 1)))?.tier).to.equal('store');
    expect((await second.lookup(keyOf('g', 1)))?.tier).to.equal('memory');
    expect(await second.lookup(keyOf('g', 2))).to.equal(undefined);
    expect(await second.head(keyOf('g', 1))).to.deep.equal({ etag: entry.etag, contentType: 'image/webp', size: 1_000, tier: 'memory' });
    expect(second.stats()).to.deep.include({ hits: { memory: 1, store: 1 }, misses: 1, storeErrors: 0 });
  });

  it('writes memory before save returns, so a response need not wait for the store', async () => {
    let release!: () => void;
    const slowStore: ResultStore = {
      ...createDiskStore({ directory: dir }),
      put: () => new Promise<void>((resolve) => (release = resolve)),
    };
    const cache = createResultCache({ memory: createMemoryStore({ maxBytes: 1_000_000 }), store: slowStore });
    const saving = cache.save(keyOf('g', 1), makeEntry(10));
    expect((await cache.lookup(keyOf('g', 1)))?.tier).to.equal('memory');
    release();
    await saving;
    await cache.flush();
  });

  it('serves through a failing store: no throw, errors logged and counted, breaker opens', async () => {
    const logger = recordingLogger();
    const store = brokenStore();
    const cache = createResultCache({ memory: createMemoryStore({ maxBytes: 1_000_000 }), store, logger, breaker: { failureThreshold: 3, cooldownMs: 60_000 } });
    await cache.save(keyOf('g', 1), makeEntry(10));
    expect((await cache.lookup(keyOf('g', 1)))?.tier).to.equal('memory');
    expect(await cache.lookup(keyOf('g', 2))).to.equal(undefined);
    expect(await cache.head(keyOf('g', 3))).to.equal(undefined);
    // Breaker is now open: the store is not even called.
    expect(await cache.lookup(keyOf('g', 4))).to.equal(undefined);
    await cache.save(keyOf('g', 5), makeEntry(10));
    const stats = cache.stats();
    expect(stats).to.deep.include({ storeErrors: 3, storeSkipped: 2, storeBreakerOpen: true, misses: 2 });
    expect(store.calls).to.equal(3);
    expect(logger.lines).to.have.length(3);
    expect(logger.lines[0].obj).to.include({ store: 'broken', op: 'put', key: keyOf('g', 1) });
  });

  it('lets calls through again after the breaker cooldown', async () => {
    const store = brokenStore();
    const cache = createResultCache({ store, breaker: { failureThreshold: 1, cooldownMs: 30 } });
    await cache.lookup(keyOf('g', 1));
    await cache.lookup(keyOf('g', 1));
    expect(store.calls).to.equal(1);
    await sleep(40);
    await cache.lookup(keyOf('g', 1));
    expect(store.calls).to.equal(2);
  });

  it('purges a key or a graph prefix from both tiers, and reports a store failure', async () => {
    const disk = createDiskStore({ directory: dir });
    const cache = createResultCache({ memory: createMemoryStore({ maxBytes: 1_000_000 }), store: disk });
    for (const n of [1, 2, 3]) await cache.save(keyOf('blur', n), makeEntry(10));
    await cache.save(keyOf('crop', 1), makeEntry(10));
    await cache.purge({ key: keyOf('blur', 1) });
    expect(await cache.lookup(keyOf('blur', 1))).to.equal(undefined);
    await cache.purge({ prefix: 'blur/' });
    expect(await cache.lookup(keyOf('blur', 2))).to.equal(undefined);
    expect(await disk.get(keyOf('blur', 3))).to.equal(undefined);
    expect((await cache.lookup(keyOf('crop', 1)))?.tier).to.equal('memory');

    const failing = createResultCache({ store: brokenStore(), logger: recordingLogger() });
    let caught: unknown;
    await failing.purge({ prefix: 'blur/' }).catch((err) => (caught = err));
    expect(caught).to.have.property('code', 'IMGFLOW_ERR_CACHE_STORE');
    expect(failing.stats().storeErrors).to.equal(1);
  });

  it('getOrCompute: 20 concurrent misses compute once, later calls hit', async () => {
    const cache = createResultCache({ memory: createMemoryStore({ maxBytes: 1_000_000 }), store: createDiskStore({ directory: dir }) });
    let computes = 0;
    const entry = makeEntry(100);
    const compute = async () => {
      computes++;
      await sleep(20);
      return entry;
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.getOrCompute(keyOf('g', 1), compute)));
    expect(computes).to.equal(1);
    expect(results.every((r) => r.entry === entry && r.source === 'computed')).to.equal(true);
    expect(cache.stats()).to.deep.include({ joined: 19, inFlight: 0 });
    expect((await cache.getOrCompute(keyOf('g', 1), compute)).source).to.equal('memory');
    await cache.flush();
    expect((await createDiskStore({ directory: dir }).get(keyOf('g', 1)))?.etag).to.equal(entry.etag);
  });

  it('works with no tiers at all (cache disabled)', async () => {
    const cache = createResultCache({});
    await cache.save(keyOf('g', 1), makeEntry(10));
    expect(await cache.lookup(keyOf('g', 1))).to.equal(undefined);
    expect(cache.publicUrl(keyOf('g', 1))).to.equal(undefined);
  });
});
