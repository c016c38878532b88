import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import S3rver from 's3rver';
import { createMemoryStore } from '../../server/cache/memory.ts';
import { createS3Store, type S3Store, type S3StoreOptions } from '../../server/cache/s3.ts';
import { createResultCache } from '../../server/cache/tiered.ts';
import { keyOf, makeEntry, recordingLogger, tempDir } from './fixtures.ts';

const BUCKET = 'imgcache';

/** A real s3rver on 127.0.0.1, random free port, temp directory. It does not verify SigV4. */
async function startS3rver(): Promise<{ server: S3rver; endpoint: string; stop(): Promise<void> }> {
  const directory = await tempDir('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  let stopped = false;
  return {
    server,
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (!stopped) {
        stopped = true;
        // close() alone waits for the SDK's keep-alive sockets to go idle.
        server.httpServer?.closeAllConnections();
        await server.close();
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function storeFor(endpoint: string, extra: Partial<S3StoreOptions> = {}): S3Store {
  return createS3Store({
    bucket: BUCKET,
    prefix: 'results',
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    ...extra,
  });
}

describe('cache/s3 (against s3rver)', function () {
  this.timeout(10_000);
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let store: S3Store;

  beforeEach(async () => {
    s3 = await startS3rver();
    store = storeFor(s3.endpoint);
  });
  afterEach(async () => {
    store.close();
    await s3.stop();
  });

  it('puts, gets, heads and deletes with content type and our ETag', async () => {
    const entry = makeEntry(200_000, 'image/webp', { graph: 'blur', note: 'é, "quoted"' });
    await store.put(keyOf('blur', 1), entry);
    const got = await store.get(keyOf('blur', 1));
    expect(got?.bytes.equals(entry.bytes)).to.equal(true);
    expect(got).to.deep.include({ contentType: 'image/webp', etag: entry.etag, createdAt: entry.createdAt, meta: entry.meta });
    expect(await store.head(keyOf('blur', 1))).to.deep.equal({ etag: entry.etag, contentType: 'image/webp', size: 200_000, meta: entry.meta });

    expect(await store.get(keyOf('blur', 2))).to.equal(undefined);
    expect(await store.head(keyOf('blur', 2))).to.equal(undefined);
    await store.delete(keyOf('blur', 1));
    await store.delete(keyOf('blur', 1));
    expect(await store.get(keyOf('blur', 1))).to.equal(undefined);
  });

  it('deletes every object of a graph by prefix, and only those', async () => {
    for (let n = 0; n < 5; n++) await store.put(keyOf('blur', n), makeEntry(10));
    await store.put(keyOf('blurry', 1), makeEntry(10));
    const other = storeFor(s3.endpoint, { prefix: 'other' });
    await other.put(keyOf('blur', 1), makeEntry(10));
    expect(await store.deletePrefix('blur/')).to.equal(5);
    expect(await store.get(keyOf('blur', 3))).to.equal(undefined);
    expect(await store.get(keyOf('blurry', 1))).to.not.equal(undefined);
    expect(await other.get(keyOf('blur', 1)), 'outside the store prefix').to.not.equal(undefined);
    expect(await store.deletePrefix('blur/')).to.equal(0);
    other.close();
  });

  it('gives a public URL that serves the bytes (redirect mode)', async () => {
    const entry = makeEntry(30_000, 'image/png');
    await store.put(keyOf('blur', 1), entry);
    const url = store.publicUrl(keyOf('blur', 1));
    expect(url).to.equal(`${s3.endpoint}/${BUCKET}/results/${keyOf('blur', 1)}`);
    const res = await fetch(url);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/png');
    expect(res.headers.get('cache-control')).to.equal('public, max-age=86400');
    expect(Buffer.from(await res.arrayBuffer()).equals(entry.bytes)).to.equal(true);
  });

  it('builds virtual-host, AWS and CDN public URLs', () => {
    const key = keyOf('blur', 1);
    const opts = { bucket: 'b', prefix: 'p/' };
    const urls = [
      createS3Store({ ...opts, endpoint: 'https://s3.example.net' }),
      createS3Store({ ...opts, region: 'eu-west-1' }),
      createS3Store({ ...opts, region: 'eu-west-1', forcePathStyle: true }),
      createS3Store({ ...opts, publicBaseUrl: 'https://cdn.example.com/img/' }),
    ].map((s) => {
      s.close();
      return s.publicUrl(key);
    });
    expect(urls).to.deep.equal([
      `https://b.s3.example.net/p/${key}`,
      `https://b.s3.eu-west-1.amazonaws.com/p/${key}`,
      `https://s3.eu-west-1.amazonaws.com/b/p/${key}`,
      `https://cdn.example.com/img/p/${key}`,
    ]);
  });

  it('rejects unsafe keys before any request', async () => {
    let caught: unknown;
    await store.get('../../etc/passwd').catch((err) => (caught = err));
    expect(caught).to.have.property('code', 'IMGFLOW_ERR_CACHE_KEY_INVALID');
  });

  it('keeps serving when S3 goes down mid-run, fails fast and counts the errors', async () => {
    const logger = recordingLogger();
    const cache = createResultCache({ memory: createMemoryStore({ maxBytes: 1_000_000 }), store, logger });
    const stored = makeEntry(1_000);
    await cache.save(keyOf('g', 1), stored);
    expect(cache.stats().storeErrors).to.equal(0);
    // Only in S3, not in this process's memory.
    await store.put(keyOf('g', 2), makeEntry(1_000));
    expect((await cache.lookup(keyOf('g', 2)))?.tier).to.equal('store');

    await s3.stop();
    const started = performance.now();
    expect((await cache.lookup(keyOf('g', 1)))?.tier).to.equal('memory');
    expect(await cache.lookup(keyOf('g', 3))).to.equal(undefined);
    await cache.save(keyOf('g', 4), makeEntry(1_000));
    expect((await cache.lookup(keyOf('g', 4)))?.tier, 'memory still takes new results').to.equal('memory');
    expect(await cache.head(keyOf('g', 5))).to.equal(undefined);
    const elapsed = performance.now() - started;

    const stats = cache.stats();
    expect(stats.storeErrors).to.equal(3);
    expect(stats.misses).to.equal(1);
    expect(logger.lines).to.have.length(3);
    expect(elapsed).to.be.below(3_000);
  });

  it('gives up on an S3 that accepts connections but never answers, within the request timeout', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as import('node:net').AddressInfo;
    const hung = storeFor(`http://127.0.0.1:${port}`, { requestTimeoutMs: 300, maxAttempts: 1 });
    const cache = createResultCache({ store: hung, logger: recordingLogger() });
    try {
      const started = performance.now();
      expect(await cache.lookup(keyOf('g', 1))).to.equal(undefined);
      const elapsed = performance.now() - started;
      expect(cache.stats().storeErrors).to.equal(1);
      expect(elapsed).to.be.within(250, 2_000);
    } finally {
      hung.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
