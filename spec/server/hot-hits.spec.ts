import { expect } from 'chai';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { buildSignedUrl } from '../../rig/sign.ts';
import { createAppRegistry, type AppRegistry } from '../../server/auth/apps.ts';
import { loadConfig } from '../../server/config.ts';
import { createRequestLog } from '../../server/request-log.ts';
import { request, startImageOrigin, startTestServer, tempDir, type ImageOrigin, type TestServer } from './auth-cache-fixtures.ts';

const OLD = 'site-secret-old-0001';
const NEW = 'site-secret-new-0001';

/** Headers a hit must repeat, whoever answers it (not Date, and not what only a miss sends). */
function comparable(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    if (!['date', 'x-cache', 'server-timing'].includes(k)) out[k] = v;
  });
  return out;
}

describe('server/hot-hits: repeated GETs answered before routing', function () {
  let origin: ImageOrigin;
  let server: TestServer;
  let apps: AppRegistry;
  let dir: string;
  const hotHits = async () => (await request(server.url('/healthz'))).json().cache.hotHits as number;
  const sign = (params: Record<string, string | number>, secret = NEW, expiresAt?: Date) =>
    buildSignedUrl({ server: server.base, key: 'site', secret, graph: 'gaussianblur', ext: 'png', params, expiresAt });

  before(async () => {
    origin = await startImageOrigin();
    dir = await tempDir('hot');
    const appsFile = path.join(dir, 'apps.json');
    await writeFile(appsFile, JSON.stringify({ apps: [{ key: 'site', secrets: [NEW, OLD] }] }));
    const overrides = { appsFile, allowUnsigned: true, expiresSkewSeconds: 0 };
    apps = await createAppRegistry(loadConfig({ ...overrides, allowPrivateSources: true }, {}));
    server = await startTestServer(overrides, { deps: { apps } });
  });
  after(async () => {
    await server.close();
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the second GET of a URL with the headers and bytes the route gave, and 304s', async () => {
    const url = server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/img1.png'))}&std-dev-x=2`);
    const first = await request(url);
    expect(first.headers.get('x-cache')).to.equal('miss');
    const before = await hotHits();
    const second = await request(url);
    expect(await hotHits()).to.equal(before + 1);
    expect(second.status).to.equal(200);
    expect(second.headers.get('x-cache')).to.equal('hit');
    expect(comparable(second.headers)).to.deep.equal(comparable(first.headers));
    expect(second.body.equals(first.body)).to.equal(true);
    const etag = first.headers.get('etag')!;
    for (const inm of [etag, `W/${etag}`, `"x", ${etag}`, '*']) {
      const res = await request(url, { headers: { 'if-none-match': inm } });
      expect(res.status, inm).to.equal(304);
      expect(res.body.length).to.equal(0);
      expect(res.headers.get('etag')).to.equal(etag);
    }
    expect((await request(url, { headers: { 'if-none-match': '"nope"' } })).status).to.equal(200);
    expect(await hotHits()).to.equal(before + 6);
    // /metrics counts what it answered.
    const metrics = (await request(server.url('/metrics'))).body.toString();
    expect(metrics).to.match(/imgflow_http_responses_total\{status="304"\} [4-9]/);
  });

  it('keeps Vary: Accept and the negotiated format apart per Accept header', async () => {
    const url = server.url(`/graph/gaussianblur?input=${encodeURIComponent(origin.url('/img2.png'))}&std-dev-x=2`);
    const webp = { headers: { accept: 'image/webp' } };
    await request(url, webp);
    const before = await hotHits();
    const hit = await request(url, webp);
    expect(await hotHits()).to.equal(before + 1);
    expect(hit.headers.get('vary')).to.equal('Accept');
    expect(hit.headers.get('content-type')).to.equal('image/webp');
    const other = await request(url, { headers: { accept: 'image/jpeg' } });
    expect(other.headers.get('x-cache')).to.equal('miss');
    expect(other.headers.get('content-type')).to.equal('image/jpeg');
  });

  it('stops answering a signed URL once its secret is rotated out or its app disabled', async () => {
    const params = { input: origin.url('/img3.png'), 'std-dev-x': 2 };
    const oldUrl = await sign(params, OLD);
    const newUrl = await sign(params, NEW);
    expect((await request(oldUrl)).status).to.equal(200);
    expect((await request(newUrl)).headers.get('x-cache')).to.equal('hit');
    expect((await request(oldUrl)).headers.get('x-cache')).to.equal('hit');
    await apps.update('site', { secrets: [NEW] });
    const refused = await request(oldUrl);
    expect(refused.status).to.equal(403);
    expect(refused.json().code).to.equal('IMGFLOW_ERR_AUTH_SIGNATURE');
    expect((await request(newUrl)).status).to.equal(200);
    await apps.update('site', { enabled: false });
    const disabled = await request(newUrl);
    expect(disabled.status).to.equal(403);
    expect(disabled.json().code).to.equal('IMGFLOW_ERR_AUTH_APP_DISABLED');
    await apps.update('site', { enabled: true });
    expect((await request(newUrl)).status).to.equal(200);
  });

  it('stops answering a signed URL once it has expired', async () => {
    const url = await sign({ input: origin.url('/img4.png'), 'std-dev-x': 2 }, NEW, new Date(Date.now() + 1500));
    expect((await request(url)).status).to.equal(200);
    const before = await hotHits();
    expect((await request(url)).status).to.equal(200);
    expect(await hotHits()).to.equal(before + 1);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await request(url);
    expect(expired.status).to.equal(403);
    expect(expired.json().code).to.equal('IMGFLOW_ERR_AUTH_EXPIRED');
  });

  it('lets the route recompute after the graph is edited', async () => {
    const url = server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/img5.png'))}&std-dev-x=2`);
    await request(url);
    expect((await request(url)).headers.get('x-cache')).to.equal('hit');
    const graph = structuredClone(server.runtime.store.get('gaussianblur')!.graph) as { properties: Record<string, string> };
    graph.properties.description = `${graph.properties.description} (edited)`;
    await server.runtime.store.put('gaussianblur', graph as never);
    const after = await request(url);
    expect(after.headers.get('x-cache')).to.equal('miss');
    expect(after.headers.get('x-imgflow-graph-revision')).to.equal(server.runtime.store.get('gaussianblur')!.revision);
  });
});

describe('server/request-log: hits past the per-second budget', function () {
  it('logs misses and the first hits one by one, and the rest in one summary line', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
        done();
      },
    });
    const log = createRequestLog({ sampleRate: 1, perSecond: 2, logger: pino(sink) as unknown as FastifyBaseLogger });
    const hit = { method: 'GET', url: '/graph/a.png', status: 200, cache: 'hit', ms: 0.3 };
    for (let i = 0; i < 4; i++) log.finished(hit);
    log.finished({ ...hit, status: 304, ms: 2.5 });
    log.finished({ ...hit, cache: 'miss', ms: 40 });
    log.finished({ ...hit, status: 400, cache: undefined });
    expect(lines.filter((l) => l.msg === 'request').map((l) => [l.status, l.cache])).to.deep.equal([[200, 'hit'], [200, 'hit'], [200, 'miss'], [400, undefined]]);
    await new Promise((r) => setTimeout(r, 1100));
    const summary = lines.filter((l) => l.msg === 'cache hits not logged one by one');
    expect(summary).to.have.length(1);
    expect(summary[0]).to.include({ hits: 2, notModified: 1, maxMs: 2.5, example: '/graph/a.png' });
  });
});
