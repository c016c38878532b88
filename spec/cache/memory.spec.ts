import { expect } from 'chai';
import { createMemoryStore } from '../../server/cache/memory.ts';
import { keyOf, makeEntry } from './fixtures.ts';

describe('cache/memory', () => {
  it('evicts least recently used entries once the byte budget is spent', async () => {
    const store = createMemoryStore({ maxBytes: 10_000, maxEntryBytes: 5_000 });
    const entries = [0, 1, 2, 3].map(() => makeEntry(3_000));
    await store.put(keyOf('g', 0), entries[0]);
    await store.put(keyOf('g', 1), entries[1]);
    await store.put(keyOf('g', 2), entries[2]);
    // Touch 0 so that 1 is now the least recently used.
    expect(await store.get(keyOf('g', 0))).to.equal(entries[0]);
    await store.put(keyOf('g', 3), entries[3]);

    expect(await store.get(keyOf('g', 1))).to.equal(undefined);
    for (const n of [0, 2, 3]) expect(await store.get(keyOf('g', n)), `entry ${n}`).to.equal(entries[n]);
    const { entries: count, bytes } = store.usage();
    expect(count).to.equal(3);
    expect(bytes).to.be.at.most(10_000).and.at.least(9_000);
  });

  it('counts many small entries by bytes, not by number', async () => {
    const store = createMemoryStore({ maxBytes: 100_000 });
    for (let n = 0; n < 1_000; n++) await store.put(keyOf('g', n), makeEntry(1_000));
    expect(store.usage().bytes).to.be.at.most(100_000);
    expect(store.usage().entries).to.be.below(100);
  });

  it('does not keep an entry above maxEntryBytes, nor evict others for it', async () => {
    const store = createMemoryStore({ maxBytes: 10_000, maxEntryBytes: 4_000 });
    const small = makeEntry(1_000);
    await store.put(keyOf('g', 1), small);
    await store.put(keyOf('g', 2), makeEntry(5_000));
    expect(await store.get(keyOf('g', 2))).to.equal(undefined);
    expect(await store.get(keyOf('g', 1))).to.equal(small);
  });

  it('heads, deletes and deletes by prefix', async () => {
    const store = createMemoryStore({ maxBytes: 1_000_000 });
    const entry = makeEntry(100, 'image/png', { graph: 'a' });
    await store.put(keyOf('a', 1), entry);
    await store.put(keyOf('a', 2), makeEntry(100));
    await store.put(keyOf('ab', 1), makeEntry(100));
    await store.put(keyOf('b', 1), makeEntry(100));
    expect(await store.head(keyOf('a', 1))).to.deep.equal({ etag: entry.etag, contentType: 'image/png', size: 100, meta: { graph: 'a' } });
    expect(await store.head(keyOf('a', 2))).to.not.have.property('meta');
    await store.delete(keyOf('a', 1));
    expect(await store.head(keyOf('a', 1))).to.equal(undefined);
    expect(await store.deletePrefix('a/')).to.equal(1);
    expect(await store.get(keyOf('ab', 1))).to.not.equal(undefined);
    expect(await store.get(keyOf('b', 1))).to.not.equal(undefined);
  });

  it('refuses a bad budget at construction', () => {
    expect(() => createMemoryStore({ maxBytes: 0 })).to.throw().with.property('code', 'IMGFLOW_ERR_CONFIG_INVALID');
    expect(() => createMemoryStore({ maxBytes: 10, maxEntryBytes: 11 })).to.throw().with.property('code', 'IMGFLOW_ERR_CONFIG_INVALID');
  });

  it('rejects unsafe keys', async () => {
    const store = createMemoryStore({ maxBytes: 1_000 });
    let caught: unknown;
    await store.put('../x.png', makeEntry(1)).catch((err) => (caught = err));
    expect(caught).to.have.property('code', 'IMGFLOW_ERR_CACHE_KEY_INVALID');
  });
});
