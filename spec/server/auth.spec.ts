import { expect } from 'chai';
import { buildImgfloUrl, buildSignedUrl, signRequest } from '../../rig/sign.ts';
import type { App } from '../../server/auth/apps.ts';
import { imgfloServerToken, verifyRequest } from '../../server/auth/verify.ts';
import { request, startImageOrigin, startTestServer, tempDir, type ImageOrigin, type TestServer } from './auth-cache-fixtures.ts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

function app(over: Partial<App> = {}): App {
  return { key: 'k', secrets: ['secret'], enabled: true, admin: false, quota: null, imgfloCompat: false, source: 'file', ...over };
}

/** Splits a URL made by rig into what the server's verifier sees. */
function partsOf(url: string) {
  const u = new URL(url);
  const segs = u.pathname.split('/');
  const last = segs[4];
  const dot = last.lastIndexOf('.');
  return {
    graph: decodeURIComponent(dot > 0 ? last.slice(0, dot) : last),
    ext: dot > 0 ? last.slice(dot + 1) : undefined,
    rawGraphSegment: last,
    rawQuery: u.search,
    signature: segs[3],
  };
}

describe('server/auth: signature vectors', () => {
  it('accepts the vectors of docs/signing.md', () => {
    const vectors: Array<[string, string | undefined, string, string]> = [
      ['gradientmap', 'jpg', '?color1=%230A2A2F&input=https%3A%2F%2Fa.com%2Fb.jpg&srgb=true', 'hvLKlR1gM55P29_26d-MFF0ZFSqczq_6PNHXndFoxKA'],
      ['noop', undefined, '', 'HjHuXNh_gAvSEgbSZhFxcDlPZYHAHIEuVrNmLrZhaf0'],
      // Sent in another order and encoding than the canonical one: still the same signature.
      ['passthrough', 'webp', "?text=it's+a+(b)*+c!&tag=b&tag=a&emoji=%C3%A9%E2%98%83&expires=1700000000", 'zobd2LUE1EAtHzFdLGAkNGZtKI0OetrGhQpvrVebrGI'],
    ];
    for (const [graph, ext, rawQuery, signature] of vectors) {
      const rawGraphSegment = ext ? `${graph}.${ext}` : graph;
      expect(verifyRequest(app(), { graph, ext, rawGraphSegment, rawQuery, signature }), graph).to.deep.equal({ scheme: 'hmac', secretIndex: 0 });
    }
  });

  it("reproduces imgflo-url's published tokens and accepts them only for imgfloCompat apps", () => {
    const gradient = '?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge&srgb=true';
    expect(imgfloServerToken('gradientmap.jpg', gradient, 'secret')).to.equal('49467a1d8a94cf6c8350841299ecfb56');
    expect(imgfloServerToken('noop.gif', '?input=https%3A%2F%2Fa.com%2Fb.gif', 'secret')).to.equal('408ff9579217fc27ec7472b8de5e8c3b');
    const parts = { graph: 'noop', ext: 'gif', rawGraphSegment: 'noop.gif', rawQuery: '?input=https%3A%2F%2Fa.com%2Fb.gif', signature: '408ff9579217fc27ec7472b8de5e8c3b' };
    expect(verifyRequest(app({ imgfloCompat: true }), parts)).to.deep.equal({ scheme: 'imgflo', secretIndex: 0 });
    expect(verifyRequest(app(), parts)).to.equal(undefined);
    // The legacy token covers the raw query: another order is another token.
    expect(verifyRequest(app({ imgfloCompat: true }), { ...parts, rawQuery: '?input=https%3A%2F%2Fa.com%2Fb.gif&x=1' })).to.equal(undefined);
  });

  it('refuses tampered, truncated and padded signatures, and other secrets', async () => {
    const url = await buildSignedUrl({ server: 'http://h', key: 'k', secret: 'secret', graph: 'gaussianblur', ext: 'png', params: { input: 'http://o/a.png', 'std-dev-x': 4 } });
    const p = partsOf(url);
    expect(verifyRequest(app(), p)).to.not.equal(undefined);
    const flipped = p.signature.slice(0, 10) + (p.signature[10] === 'A' ? 'B' : 'A') + p.signature.slice(11);
    for (const signature of [flipped, p.signature.slice(0, 42), p.signature.slice(0, 16), `${p.signature}=`, `${p.signature}A`, '']) {
      expect(verifyRequest(app(), { ...p, signature }), signature).to.equal(undefined);
    }
    expect(verifyRequest(app({ secrets: ['another-secret'] }), p)).to.equal(undefined);
    expect(verifyRequest(app(), { ...p, rawQuery: p.rawQuery.replace('std-dev-x=4', 'std-dev-x=5') })).to.equal(undefined);
    expect(verifyRequest(app(), { ...p, ext: 'jpg', rawGraphSegment: 'gaussianblur.jpg' })).to.equal(undefined);
    // Rotation: any of the app's secrets.
    expect(verifyRequest(app({ secrets: ['new-secret', 'secret'] }), p)).to.deep.equal({ scheme: 'hmac', secretIndex: 1 });
  });
});

describe('server/auth: signed requests against a real server', function () {
  let origin: ImageOrigin;
  let server: TestServer;
  let dir: string;
  const SITE_OLD = 'site-secret-old-0001';
  const SITE_NEW = 'site-secret-new-0002';

  const sign = (key: string, secret: string, params: Record<string, string | number>, extra: { graph?: string; ext?: string; expiresAt?: number } = {}) =>
    buildSignedUrl({ server: server.base, key, secret, graph: extra.graph ?? 'gaussianblur', ext: extra.ext ?? 'png', params, expiresAt: extra.expiresAt });

  before(async () => {
    origin = await startImageOrigin();
    dir = await tempDir('apps');
    const appsFile = path.join(dir, 'apps.json');
    await writeFile(appsFile, JSON.stringify({
      apps: [
        { key: 'site', secrets: [SITE_NEW, SITE_OLD], label: 'rotating' },
        { key: 'legacy', secret: 'legacy-secret-1', imgfloCompat: true },
        { key: 'off', secret: 'off-secret-0001', enabled: false },
        { key: 'cacheonly', secret: 'cacheonly-secret', quota: 0 },
        { key: 'one', secret: 'one-secret-00001', quota: 1 },
      ],
    }));
    server = await startTestServer({ appsFile, appKey: 'envapp', appSecret: 'env-secret-0001' });
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('serves a signed URL, then from cache, with an immutable Cache-Control', async () => {
    const url = await sign('site', SITE_NEW, { input: origin.url('/img1.png'), 'std-dev-x': 2 });
    const first = await request(url);
    expect(first.status, first.body.toString()).to.equal(200);
    expect(first.headers.get('x-cache')).to.equal('miss');
    expect(first.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    const again = await request(url);
    expect(again.headers.get('x-cache')).to.equal('hit');
    expect(again.body.equals(first.body)).to.equal(true);
  });

  it('accepts every secret of a rotating app, and the env app', async () => {
    const params = { input: origin.url('/img1.png'), 'std-dev-x': 2 };
    expect((await request(await sign('site', SITE_OLD, params))).status).to.equal(200);
    expect((await request(await sign('envapp', 'env-secret-0001', params))).status).to.equal(200);
  });

  it('verifies the parameters in any order and encoding, and caches them as one', async () => {
    const url = await sign('site', SITE_NEW, { input: origin.url('/img1.png'), 'std-dev-x': 2 });
    const u = new URL(url);
    const pairs = [...u.searchParams].reverse();
    const reordered = `${u.origin}${u.pathname}?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%3A/g, ':')}`).join('&')}`;
    expect(reordered).to.not.equal(url);
    const res = await request(reordered);
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-cache')).to.equal('hit');
  });

  async function refusal(url: string, status: number, code: string) {
    const before = { evals: server.evaluations(), hits: origin.imageHits() };
    const res = await request(url);
    expect(res.status, res.body.toString()).to.equal(status);
    expect(res.json()).to.include({ statusCode: status, code });
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(server.evaluations()).to.equal(before.evals);
    expect(origin.imageHits()).to.equal(before.hits);
    return res.json();
  }

  it('refuses tampered parameters, signatures, extensions and truncated signatures with 403', async () => {
    const url = await sign('site', SITE_NEW, { input: origin.url('/img2.png'), 'std-dev-x': 3 });
    const sig = new URL(url).pathname.split('/')[3];
    await refusal(url.replace('std-dev-x=3', 'std-dev-x=30'), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    await refusal(`${url}&width=10`, 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    await refusal(url.replace('img2.png', 'img3.png'), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    await refusal(url.replace('gaussianblur.png', 'gaussianblur.webp'), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    await refusal(url.replace(sig, sig.slice(0, 30)), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    await refusal(url.replace(sig, `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    await refusal(url.replace(sig, `${sig}%3D`), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    // Signed by another app's secret.
    await refusal(url.replace('/graph/site/', '/graph/legacy/'), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
  });

  it('does not find the signature by searching: extra path segments are not a signed request', async () => {
    const url = await sign('site', SITE_NEW, { input: origin.url('/img2.png') });
    const sig = new URL(url).pathname.split('/')[3];
    const res = await request(url.replace(`/${sig}/`, `/${sig}/${sig}/`));
    expect(res.status).to.equal(404);
  });

  it('refuses unknown keys and disabled apps with distinct codes', async () => {
    const params = { input: origin.url('/img2.png') };
    const unknown = await refusal(await sign('nobody', 'nobody-secret', params), 403, 'IMGFLOW_ERR_AUTH_KEY_UNKNOWN');
    expect(unknown.key).to.equal('nobody');
    await refusal(await sign('off', 'off-secret-0001', params), 403, 'IMGFLOW_ERR_AUTH_APP_DISABLED');
  });

  it('checks expires: future served, past 403, malformed 400', async () => {
    const params = { input: origin.url('/img1.png'), 'std-dev-x': 2 };
    const now = Math.floor(Date.now() / 1000);
    expect((await request(await sign('site', SITE_NEW, params, { expiresAt: now + 60 }))).status).to.equal(200);
    const expired = await refusal(await sign('site', SITE_NEW, params, { expiresAt: now - 60 }), 403, 'IMGFLOW_ERR_AUTH_EXPIRED');
    expect(expired.expires).to.equal(now - 60);
    await refusal(await sign('site', SITE_NEW, { ...params, expires: 'tomorrow' }), 400, 'IMGFLOW_ERR_AUTH_EXPIRES_INVALID');
    await refusal(await sign('site', SITE_NEW, { ...params, expires: '1.5' }), 400, 'IMGFLOW_ERR_AUTH_EXPIRES_INVALID');
    // Removing the expiry breaks the signature.
    const limited = await sign('site', SITE_NEW, params, { expiresAt: now + 60 });
    await refusal(limited.replace(/&?expires=\d+/, ''), 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
  });

  it('expires a remembered URL too', async () => {
    const params = { input: origin.url('/img1.png'), 'std-dev-x': 2 };
    const soon = Math.floor(Date.now() / 1000) - server.config.expiresSkewSeconds + 1;
    const url = await sign('site', SITE_NEW, params, { expiresAt: soon });
    expect((await request(url)).status).to.equal(200);
    await new Promise((r) => setTimeout(r, 1500));
    await refusal(url, 403, 'IMGFLOW_ERR_AUTH_EXPIRED');
  });

  it('refuses unsigned requests when apps are configured', async () => {
    await refusal(server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/img1.png'))}`), 403, 'IMGFLOW_ERR_AUTH_UNSIGNED');
  });

  it("accepts imgflo-url's MD5 tokens for an imgfloCompat app only", async () => {
    const params = { input: origin.url('/img4.png'), 'std-dev-x': 2 };
    const legacy = buildImgfloUrl({ server: `${server.base}/`, key: 'legacy', secret: 'legacy-secret-1' }, 'gaussianblur', params, 'png');
    const res = await request(legacy);
    expect(res.status, res.body.toString()).to.equal(200);
    // Same request under imgflow's own signature: the same cache entry.
    const signed = await request(await sign('site', SITE_NEW, params));
    expect(signed.headers.get('x-cache')).to.equal('hit');
    // The raw query is covered as received: reordering it breaks the token.
    const u = new URL(legacy);
    const reordered = `${u.origin}${u.pathname}?${u.search.slice(1).split('&').reverse().join('&')}`;
    await refusal(reordered, 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
    const notCompat = buildImgfloUrl({ server: `${server.base}/`, key: 'site', secret: SITE_NEW }, 'gaussianblur', params, 'png');
    await refusal(notCompat, 403, 'IMGFLOW_ERR_AUTH_SIGNATURE');
  });

  it('quota 0: cached results are served, misses refused', async () => {
    const params = { input: origin.url('/img5.png'), 'std-dev-x': 1 };
    await refusal(await sign('cacheonly', 'cacheonly-secret', params), 403, 'IMGFLOW_ERR_AUTH_NO_PROCESSING');
    expect((await request(await sign('site', SITE_NEW, params))).headers.get('x-cache')).to.equal('miss');
    const hit = await request(await sign('cacheonly', 'cacheonly-secret', params));
    expect(hit.status).to.equal(200);
    expect(hit.headers.get('x-cache')).to.equal('hit');
  });

  it('a positive quota counts evaluations per hour (429 past it)', async () => {
    expect((await request(await sign('one', 'one-secret-00001', { input: origin.url('/img6.png') }))).status).to.equal(200);
    const body = await refusal(await sign('one', 'one-secret-00001', { input: origin.url('/img7.png') }), 429, 'IMGFLOW_ERR_QUOTA_EXCEEDED');
    expect(body.retryAfterSeconds).to.be.within(1, 3600);
  });

  it('counts refusals by code in /metrics', async () => {
    const text = (await request(server.url('/metrics'))).body.toString();
    expect(text).to.match(/imgflow_auth_refusals_total\{code="IMGFLOW_ERR_AUTH_SIGNATURE"\} \d+/);
    expect(text).to.match(/imgflow_http_responses_total\{status="403"\} \d+/);
  });
});

describe('server/auth: open mode and IMGFLOW_ALLOW_UNSIGNED', () => {
  let origin: ImageOrigin;
  before(async () => {
    origin = await startImageOrigin();
  });
  after(() => origin.close());

  it("serves the README's unsigned request when no app is configured, and ignores keys", async () => {
    const server = await startTestServer();
    try {
      const res = await request(server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/img1.png'))}&std-dev-x=4`));
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('image/png');
      expect(res.headers.get('cache-control')).to.equal(`public, max-age=${server.config.cacheMaxAgeSeconds}`);
      const health = (await request(server.url('/healthz'))).json();
      expect(health.auth).to.deep.equal({ mode: 'open', apps: 0 });
      // imgflo-server's rule: with auth off, a key and token are accepted as they are.
      const signed = await request(server.url(`/graph/any/${'x'.repeat(43)}/gaussianblur.png?input=${encodeURIComponent(origin.url('/img1.png'))}&std-dev-x=4`));
      expect(signed.status).to.equal(200);
      expect(signed.headers.get('cache-control')).to.not.include('immutable');
    } finally {
      await server.close();
    }
  });

  it('serves unsigned and signed requests with IMGFLOW_ALLOW_UNSIGNED=1', async () => {
    const server = await startTestServer({ appKey: 'k1', appSecret: 'k1-secret-0001', allowUnsigned: true });
    try {
      const unsigned = await request(server.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url('/img1.png'))}`));
      expect(unsigned.status).to.equal(200);
      const bad = await request(server.url(`/graph/k1/${await signRequest('wrong-secret', { graph: 'x' })}/gaussianblur.png?input=x`));
      expect(bad.status).to.equal(403);
      expect(bad.json().code).to.equal('IMGFLOW_ERR_AUTH_SIGNATURE');
    } finally {
      await server.close();
    }
  });
});
