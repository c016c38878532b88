/**
 * The reproduction from the hardening issue, as a user runs it: while large motion blurs run
 * (at angle 30, off the axes: seconds of JavaScript each on the compute threads), the server still answers /healthz
 * and cache hits, and each heavy request ends at its time limit instead of after its stage.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { noiseRaw } from '../_helpers/images.ts';

describe('HTTP: heavy kernels do not stall other requests', function () {
  this.timeout(60000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;
  let photo: Buffer;

  before(async () => {
    const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent', processingTimeoutMs: 1000, cacheStore: 'none', concurrency: 4 }, {});
    runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false, concurrency: 4, computeThreads: 2, gpu: 'cpu' });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    photo = await sharp(noiseRaw(3000, 2000), { raw: { width: 3000, height: 2000, channels: 3 } }).jpeg().toBuffer();
  });
  after(async () => {
    await app.close();
    await runtime.close();
  });

  const post = (path: string, body: Buffer) => fetch(`${base}${path}`, { method: 'POST', body: new Uint8Array(body) });

  it('answers /healthz and cache hits while two 3000x2000 motion blurs run, which end at the limit', async () => {
    const thumb = await sharp(noiseRaw(64, 48), { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer();
    expect((await post('/graph/resize.png?width=32', thumb)).status).to.equal(200);

    const t0 = performance.now();
    const heavy = [1, 2].map(async () => {
      const res = await post('/graph/motionblur.jpg?length=256&angle=30', photo);
      return { status: res.status, body: await res.json() as { code: string }, ms: performance.now() - t0 };
    });
    const latencies: number[] = [];
    let done = false;
    void Promise.all(heavy).then(() => { done = true; });
    while (!done) {
      const s = performance.now();
      const health = await fetch(`${base}/healthz`);
      expect(health.status).to.equal(200);
      const hit = await post('/graph/resize.png?width=32', thumb);
      expect(hit.headers.get('x-cache')).to.equal('hit');
      await hit.arrayBuffer();
      latencies.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const h of await Promise.all(heavy)) {
      expect(h.status).to.equal(503);
      expect(h.body.code).to.equal('IMGFLOW_ERR_PROCESSING_TIMEOUT');
      // Decode + limit + answer: the stage alone runs for many seconds.
      expect(h.ms).to.be.below(1000 + 1500);
    }
    expect(latencies.length).to.be.at.least(5);
    // On the event loop, one such blur held every request for 29-45 s.
    expect(Math.max(...latencies)).to.be.below(750);
  });
});
