import { expect } from 'chai';
import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDiskStore } from '../../server/cache/disk.ts';
import { etagFor } from '../../server/cache/key.ts';
import { keyOf, makeEntry, tempDir } from './fixtures.ts';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('cache/disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('disk');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips bytes and metadata, heads without reading the bytes', async () => {
    const store = createDiskStore({ directory: dir });
    const entry = makeEntry(50_000, 'image/avif', { graph: 'blur', 'took-ms': '12', note: 'line\nbreak é' });
    await store.put(keyOf('blur', 1), entry);
    expect(await store.get(keyOf('blur', 1))).to.deep.equal(entry);
    expect(await store.head(keyOf('blur', 1))).to.deep.equal({ etag: entry.etag, contentType: 'image/avif', size: 50_000, meta: entry.meta });
    expect(await store.get(keyOf('blur', 2))).to.equal(undefined);
    expect(await store.head(keyOf('blur', 2))).to.equal(undefined);
    expect(await store.get(keyOf('nograph', 2))).to.equal(undefined);
  });

  it('never shows a partial file while the same key is written concurrently', async () => {
    const store = createDiskStore({ directory: dir });
    const key = keyOf('g', 1);
    const entries = Array.from({ length: 8 }, () => makeEntry(512 * 1024));
    const etags = new Set(entries.map((e) => e.etag));
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const got = await store.get(key);
        if (got) {
          reads++;
          expect(got.bytes.length).to.equal(512 * 1024);
          expect(etags.has(got.etag)).to.equal(true);
          expect(etagFor(got.bytes)).to.equal(got.etag, 'bytes and metadata come from the same write');
        }
      }
    })();
    await Promise.all(entries.map((e) => store.put(key, e)));
    writing = false;
    await reader;

    const final = await store.get(key);
    expect(final && etags.has(final.etag)).to.equal(true);
    expect(await readdir(path.join(dir, 'g'))).to.deep.equal([path.basename(key)], 'no temp file is left behind');
    expect(reads).to.be.greaterThan(0);
  });

  it('reads a truncated or foreign file as a miss', async () => {
    const store = createDiskStore({ directory: dir });
    const key = keyOf('g', 1);
    await store.put(key, makeEntry(10_000));
    const file = path.join(dir, key);
    await truncate(file, (await stat(file)).size - 1);
    expect(await store.get(key)).to.equal(undefined);
    expect(await store.head(key)).to.equal(undefined);
    await writeFile(file, 'not a cache entry');
    expect(await store.get(key)).to.equal(undefined);
  });

  it('rejects path-traversal and absolute keys without touching the file system', async () => {
    const store = createDiskStore({ directory: path.join(dir, 'root') });
    await writeFile(path.join(dir, 'secret.png'), 'secret');
    const bad = ['../secret.png', 'g/../../secret.png', '/etc/passwd', `${dir}/secret.png`, 'g\\..\\secret.png', 'g/.\0/x'];
    for (const key of bad) {
      for (const attempt of [store.get(key), store.head(key), store.put(key, makeEntry(10)), store.delete(key)]) {
        expect(await rejection(attempt), key).to.have.property('code', 'IMGFLOW_ERR_CACHE_KEY_INVALID');
      }
    }
    for (const prefix of ['..', '../', '/', '', '/etc/']) {
      expect(await rejection(store.deletePrefix(prefix)), prefix).to.have.property('code', 'IMGFLOW_ERR_CACHE_KEY_INVALID');
    }
    expect(await readFile(path.join(dir, 'secret.png'), 'utf8')).to.equal('secret');
    expect(await readdir(dir)).to.deep.equal(['secret.png']);
  });

  it('deletes one key, and every key under a graph prefix', async () => {
    const store = createDiskStore({ directory: dir });
    for (const n of [1, 2, 3]) await store.put(keyOf('blur', n), makeEntry(10));
    await store.put(keyOf('blurry', 1), makeEntry(10));
    await store.put(keyOf('crop', 1), makeEntry(10));
    await store.delete(keyOf('blur', 1));
    await store.delete(keyOf('blur', 99));
    expect(await store.get(keyOf('blur', 1))).to.equal(undefined);
    expect(await store.deletePrefix('blur/')).to.equal(2);
    expect(await store.get(keyOf('blur', 2))).to.equal(undefined);
    expect(await store.get(keyOf('blurry', 1))).to.not.equal(undefined);
    expect(await store.deletePrefix('blur')).to.equal(1, 'a bare prefix matches blurry/ too');
    expect(await store.get(keyOf('crop', 1))).to.not.equal(undefined);
    expect(await store.deletePrefix('nothing/')).to.equal(0);
    // The store keeps working after a purge removed a graph directory.
    await store.put(keyOf('blur', 4), makeEntry(10));
    expect(await store.get(keyOf('blur', 4))).to.not.equal(undefined);
  });

  it('writes into a directory removed behind its back (another process, an operator), whole', async () => {
    const store = createDiskStore({ directory: dir });
    await store.put(keyOf('blur', 1), makeEntry(10));
    // Not through the store: it still believes the directory is there.
    await rm(path.join(dir, 'blur'), { recursive: true });
    const entry = makeEntry(300_000, 'image/webp', { graph: 'blur' });
    await store.put(keyOf('blur', 2), entry);
    expect(await store.get(keyOf('blur', 2))).to.deep.equal(entry);
    expect(await readdir(path.join(dir, 'blur'))).to.deep.equal([path.basename(keyOf('blur', 2))], 'no temp file is left behind');
  });
});
