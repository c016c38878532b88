/** The embedded job engine (no Redis): jobs run inside the server process with their own concurrency. */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../../runtime/index.ts';
import { buildApp } from '../../../server/app.ts';
import { loadConfig, workClassOptions } from '../../../server/config.ts';
import { APP_KEY, APP_SECRET, graphsDir, startJobOrigin, type JobOrigin } from './_fixtures.ts';
import { inputFor, jobBehaviour, type JobHarness } from './_behaviour.ts';
import { createImageCache, type ImageCache } from '../../../server/image-cache.ts';
import { expect } from 'chai';
import sharp from 'sharp';
import { noiseRaw } from '../../_helpers/images.ts';

describe('jobs: embedded engine', function () {
  this.timeout(20000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let origin: JobOrigin;
  let harness: JobHarness;
  let imageCache: ImageCache;
  const dirs: string[] = [];

  before(async () => {
    origin = await startJobOrigin();
    const graphs = await graphsDir();
    const cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-jobs-cache-'));
    dirs.push(graphs, cacheDir);
    const config = loadConfig({
      graphsDir: graphs, cacheDir, logLevel: 'silent', allowPrivateSources: true, appKey: APP_KEY, appSecret: APP_SECRET, allowUnsigned: true,
      jobWaitSeconds: 10, jobBackoffMs: 50, callbackBackoffMs: 50, jobConcurrency: 2,
    }, {});
    runtime = await createRuntime({ graphsDir: graphs, watch: false, concurrency: 2, workClasses: workClassOptions(config) });
    imageCache = createImageCache(config);
    app = await buildApp(config, { runtime, imageCache });
    await app.listen({ port: 0, host: '127.0.0.1' });
    harness = { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, origin };
  });

  after(async () => {
    await app?.close();
    await imageCache?.close();
    await runtime?.close();
    await origin?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  jobBehaviour(() => harness);

  it('a succeeded job whose result left the cache runs again for the next request (not a 502)', async () => {
    const input = inputFor(origin);
    const url = `${harness.base}/graph/jobby.png?input=${encodeURIComponent(input)}`;
    expect((await fetch(url)).status).to.equal(200);
    await imageCache.cache.purge({ prefix: 'jobby/' });
    const again = await fetch(url);
    expect(again.status).to.equal(200);
    expect(again.headers.get('x-cache')).to.equal('miss');
    expect(origin.fetches(input.slice(input.indexOf('/', 8)))).to.equal(2);
  });

  it('a negotiated request with transparency keeps it through a job (PNG, not a stale job or a JPEG)', async () => {
    const body = await sharp(noiseRaw(32, 24, 4), { raw: { width: 32, height: 24, channels: 4 } }).png().toBuffer();
    const res = await fetch(`${harness.base}/graph/jobby`, { method: 'POST', body: new Uint8Array(body), headers: { accept: 'image/jpeg,*/*' } });
    expect(res.status, await res.clone().text().then((t) => t.slice(0, 200))).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/png');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).stats()).isOpaque).to.equal(false);
  });
});
