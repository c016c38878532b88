import { expect } from 'chai';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { request, startImageOrigin, startTestServer, tempDir, type ImageOrigin, type TestServer } from './auth-cache-fixtures.ts';

describe('server/cache: the graph route with the result cache', function () {
  let origin: ImageOrigin;
  let server: TestServer;
  let cacheDir: string;
  const blur = (seed: number, extra = '') => server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url(`/img${seed}.png`))}&std-dev-x=2${extra}`);

  before(async () => {
    origin = await startImageOrigin();
    cacheDir = await tempDir('results');
    server = await startTestServer({ cacheStore: 'disk', cacheDir });
  });
  after(async () => {
    await server.close();
    await origin.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('computes once, then serves hits with the same ETag and bytes', async () => {
    const first = await request(blur(1));
    expect(first.status).to.equal(200);
    expect(first.headers.get('x-cache')).to.equal('miss');
    expect(first.headers.get('etag')).to.match(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers.get('server-timing')).to.match(/fetch;dur=.*process;dur=/);
    const evals = server.evaluations();
    const hits = origin.imageHits();
    const second = await request(blur(1));
    expect(second.headers.get('x-cache')).to.equal('hit');
    expect(second.headers.get('etag')).to.equal(first.headers.get('etag'));
    expect(second.body.equals(first.body)).to.equal(true);
    expect(server.evaluations()).to.equal(evals);
    expect(origin.imageHits()).to.equal(hits);
  });

  it('answers If-None-Match with 304 without fetching the input or processing', async () => {
    const first = await request(blur(2));
    const etag = first.headers.get('etag')!;
    const evals = server.evaluations();
    const hits = origin.imageHits();
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await request(blur(2), { headers: { 'if-none-match': header } });
      expect(res.status, header).to.equal(304);
      expect(res.body.length).to.equal(0);
      expect(res.headers.get('etag')).to.equal(etag);
      expect(res.headers.get('x-cache')).to.equal('hit');
    }
    const other = await request(blur(2), { headers: { 'if-none-match': '"nope"' } });
    expect(other.status).to.equal(200);
    expect(server.evaluations()).to.equal(evals);
    expect(origin.imageHits()).to.equal(hits);
  });

  it('gives the same key for any parameter order and equal coerced values', async () => {
    await request(blur(3));
    const input = encodeURIComponent(origin.url('/img3.png'));
    const res = await request(server.url(`/graph/gaussianblur.png?std-dev-x=2.0&input=${input}`));
    expect(res.headers.get('x-cache')).to.equal('hit');
    const different = await request(server.url(`/graph/gaussianblur.png?std-dev-x=2.5&input=${input}`));
    expect(different.headers.get('x-cache')).to.equal('miss');
    const otherFormat = await request(server.url(`/graph/gaussianblur.webp?std-dev-x=2&input=${input}`));
    expect(otherFormat.headers.get('x-cache')).to.equal('miss');
    expect(otherFormat.headers.get('content-type')).to.equal('image/webp');
  });

  it('misses after the graph is edited (the revision is in the key)', async () => {
    await request(blur(4));
    expect((await request(blur(4))).headers.get('x-cache')).to.equal('hit');
    const file = path.join(server.graphsDir, 'gaussianblur.json');
    const graph = JSON.parse(await readFile(file, 'utf8'));
    graph.properties.description = `${graph.properties.description} (edited)`;
    await server.runtime.store.put('gaussianblur', graph);
    const after = await request(blur(4));
    expect(after.headers.get('x-cache')).to.equal('miss');
    expect(after.headers.get('x-imgflow-graph-revision')).to.equal(server.runtime.store.get('gaussianblur')!.revision);
  });

  it('runs ONE evaluation and ONE fetch for 20 identical concurrent requests', async () => {
    origin.delayMs = 300;
    try {
      const evals = server.evaluations();
      const hits = origin.imageHits();
      const results = await Promise.all(Array.from({ length: 20 }, () => request(blur(5))));
      expect(results.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
      expect(new Set(results.map((r) => r.headers.get('etag'))).size).to.equal(1);
      expect(server.evaluations() - evals).to.equal(1);
      expect(origin.imageHits() - hits).to.equal(1);
      const health = (await request(server.url('/healthz'))).json();
      expect(health.cache.joined).to.be.at.least(19);
    } finally {
      origin.delayMs = 0;
    }
  });

  it('keys a POSTed image by its content', async () => {
    const png = (await request(origin.url('/img6.png'))).body;
    const post = () => request(server.url('/graph/gaussianblur.png?std-dev-x=1'), { method: 'POST', body: new Uint8Array(png), headers: { 'content-type': 'application/octet-stream' } });
    expect((await post()).headers.get('x-cache')).to.equal('miss');
    expect((await post()).headers.get('x-cache')).to.equal('hit');
  });

  it('serves from the disk store after a restart, without evaluating', async () => {
    const first = await request(blur(7));
    expect(first.headers.get('x-cache')).to.equal('miss');
    await server.app.close(); // flushes store writes
    const again = await startTestServer({ cacheStore: 'disk', cacheDir }, { graphsDir: server.graphsDir });
    try {
      const hits = origin.imageHits();
      const res = await request(again.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/img7.png'))}&std-dev-x=2`));
      expect(res.headers.get('x-cache')).to.equal('hit');
      expect(res.body.equals(first.body)).to.equal(true);
      const inm = await request(again.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/img7.png'))}&std-dev-x=2`), { headers: { 'if-none-match': first.headers.get('etag')! } });
      expect(inm.status).to.equal(304);
      expect(again.evaluations()).to.equal(0);
      expect(origin.imageHits()).to.equal(hits);
      const health = (await request(again.url('/healthz'))).json();
      expect(health.cache).to.include({ store: 'disk', serve: 'stream' });
      expect(health.cache.hits.store).to.equal(1);
    } finally {
      await again.close();
      server = await startTestServer({ cacheStore: 'disk', cacheDir }, { graphsDir: server.graphsDir });
    }
  });

  it('does not cache errors', async () => {
    const missing = server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/nothing.png'))}`);
    const cacheStats = async () => (await request(server.url('/healthz'))).json().cache as { hits: { memory: number; store: number }; misses: number; saves: number };
    const before = await cacheStats();
    expect((await request(missing)).status).to.equal(502);
    expect((await request(missing)).status).to.equal(502);
    const after = await cacheStats();
    // both went to the origin: two misses, nothing saved, no hit
    expect(after.misses - before.misses).to.equal(2);
    expect(after.saves).to.equal(before.saves);
    expect(after.hits).to.deep.equal(before.hits);
  });

  it('exposes Prometheus metrics', async () => {
    await request(blur(1));
    await request(blur(1));
    const res = await request(server.url('/metrics'));
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const text = res.body.toString();
    for (const re of [
      /imgflow_http_responses_total\{status="200"\} \d+/,
      /imgflow_cache_hits_total\{tier="memory"\} [1-9]\d*/,
      /imgflow_cache_misses_total [1-9]\d*/,
      /imgflow_cache_store_errors_total\{store="disk"\} 0/,
      /imgflow_evaluations_active 0/,
      /imgflow_evaluations_queued 0/,
      /imgflow_processing_seconds_bucket\{le="\+Inf"\} [1-9]\d*/,
      /imgflow_processing_seconds_count [1-9]\d*/,
    ]) expect(text).to.match(re);
  });
});

describe('server/cache: memory tier only', () => {
  it('serves from memory with IMGFLOW_CACHE_STORE=none and evicts by bytes', async () => {
    const origin = await startImageOrigin();
    // Room for about one result: each blurred 64x48 PNG is several KB.
    const server = await startTestServer({ cacheStore: 'none', cacheMemoryMaxBytes: 12_000, cacheMemoryMaxEntryBytes: 12_000 });
    try {
      const url = (seed: number) => server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url(`/img${seed}.png`))}`);
      await request(url(1));
      expect((await request(url(1))).headers.get('x-cache')).to.equal('hit');
      for (let seed = 2; seed < 6; seed++) await request(url(seed));
      const health = (await request(server.url('/healthz'))).json();
      expect(health.cache.store).to.equal('none');
      expect(health.cache.memory.bytes).to.be.at.most(12_000);
      expect((await request(url(1))).headers.get('x-cache')).to.equal('miss');
    } finally {
      await server.close();
      await origin.close();
    }
  });

  it('refuses a redirect mode without a store that can serve directly', async () => {
    const { loadConfig } = await import('../../server/config.ts');
    expect(() => loadConfig({ cacheServe: 'redirect', cacheStore: 'disk' }, {})).to.throw(/IMGFLOW_CACHE_SERVE=redirect needs the s3 store/);
    expect(() => loadConfig({}, { IMGFLOW_CACHE_STORE: 's3' })).to.throw(/needs IMGFLOW_S3_BUCKET/);
    expect(() => loadConfig({}, { IMGFLOW_CACHE_MEMORY_MAX_BYTES: '-1' })).to.throw(/IMGFLOW_CACHE_MEMORY_MAX_BYTES/);
  });
});
