/** The disk tier's budget as the server configures and reports it (/healthz, /metrics). */
import { expect } from 'chai';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { createImageCache } from '../../server/image-cache.ts';
import { request, startImageOrigin, startTestServer, tempDir, type ImageOrigin, type TestServer } from './auth-cache-fixtures.ts';

describe('server/cache: IMGFLOW_CACHE_DISK_MAX_BYTES', function () {
  this.timeout(20_000);
  const MAX = 8_000; // about two results (each ~3 KB)
  let origin: ImageOrigin;
  let server: TestServer;
  let cacheDir: string;
  let imageCache: ReturnType<typeof createImageCache>;

  before(async () => {
    origin = await startImageOrigin();
    cacheDir = await tempDir('results-budget');
    // Memory tier off, so every hit below is the disk's.
    const overrides = { cacheStore: 'disk', cacheDir, cacheDiskMaxBytes: MAX, cacheMemoryMaxBytes: 0 } as const;
    imageCache = createImageCache(loadConfig(overrides, {}));
    server = await startTestServer(overrides, { deps: { imageCache } });
  });
  after(async () => {
    await server.close();
    await imageCache.close();
    await origin.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('keeps the result files within the budget and reports it in /healthz and /metrics', async () => {
    const blur = (seed: number) => server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url(`/img${seed}.png`))}&std-dev-x=2`);
    for (let seed = 1; seed <= 8; seed++) {
      expect((await request(blur(seed))).status).to.equal(200);
      await imageCache.cache.flush();
    }
    let onDisk = 0;
    for (const graph of await readdir(cacheDir)) {
      for (const name of await readdir(path.join(cacheDir, graph))) onDisk += (await stat(path.join(cacheDir, graph, name))).size;
    }
    const disk = (await request(server.url('/healthz'))).json().cache.disk;
    expect(disk).to.include({ maxBytes: MAX, maxAgeSeconds: 0, bytes: onDisk, scanned: true, tooLarge: 0 });
    expect(onDisk).to.be.at.most(MAX);
    expect(disk.evictions).to.be.greaterThan(0);
    expect(disk.entries + disk.evictions).to.equal(8);
    // The newest result is still a hit; the oldest was evicted and is computed again.
    expect((await request(blur(8))).headers.get('x-cache')).to.equal('hit');
    expect((await request(blur(1))).headers.get('x-cache')).to.equal('miss');

    const metrics = (await request(server.url('/metrics'))).body.toString();
    expect(metrics).to.match(new RegExp(`^imgflow_cache_disk_max_bytes ${MAX}$`, 'm'));
    expect(metrics).to.match(/^imgflow_cache_disk_bytes \d+$/m);
    expect(metrics).to.match(/^imgflow_cache_disk_evictions_total [1-9]\d*$/m);
  });
});
