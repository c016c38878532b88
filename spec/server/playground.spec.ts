/**
 * The playground's server side on 127.0.0.1: the page and its content-hashed assets, the
 * config document (every graph with the catalogue's parameters), sample images, thumbnails,
 * and signing for admin tokens only. The page itself runs in spec/browser/playground.browser.ts.
 */
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import sharp from 'sharp';
import { makePng, request, startTestServer, type TestServer } from './auth-cache-fixtures.ts';

const JWT_SECRET = 'playground-jwt-secret-0123456789abcdef';
const token = (claims: object) => jwt.sign(claims, JWT_SECRET, { algorithm: 'HS256', expiresIn: 300 });

describe('playground (server side)', function () {
  this.timeout(30000);

  describe('open mode', () => {
    let server: TestServer;
    before(async () => { server = await startTestServer({ jwtSecret: JWT_SECRET }); });
    after(async () => server?.close());

    it('serves the page at / with a CSP, no outside URL, and assets under content hashes', async () => {
      const page = await request(server.url('/'));
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
      expect(page.headers.get('cache-control')).to.equal('no-cache');
      expect(page.headers.get('content-security-policy')).to.match(/script-src 'self' 'sha256-/);
      const html = page.body.toString();
      expect(html).to.not.match(/(src|href)="(https?:)?\/\//);
      const assets = [...html.matchAll(/(?:src|href)="(\/playground\/assets\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).to.be.greaterThanOrEqual(3);
      for (const url of assets) {
        expect(url).to.match(/\.[0-9a-f]{10}\.(js|css|svg)$/);
        const res = await request(server.url(url));
        expect(res.status, url).to.equal(200);
        expect(res.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
      }
      // The import map sends every module's plain name to its hashed one.
      const map = JSON.parse(/<script type="importmap">(.*?)<\/script>/s.exec(html)![1]) as { imports: Record<string, string> };
      expect(Object.keys(map.imports)).to.include.members(['/playground/assets/form.js', '/playground/assets/request.js', '/playground/assets/snippets.js']);
      const plain = await request(server.url('/playground/assets/form.js'));
      expect(plain.headers.get('cache-control')).to.equal('no-cache');
      expect(plain.headers.get('content-type')).to.match(/^text\/javascript/);
      const missing = await request(server.url('/playground/assets/nope.js'));
      expect(missing.status).to.equal(404);
      expect(missing.json().code).to.equal('IMGFLOW_ERR_NOT_FOUND');
    });

    it('describes every graph with the parameters of the catalogue', async () => {
      const config = (await request(server.url('/playground/config'))).json();
      expect(config.mode).to.equal('open');
      const catalogue = (await request(server.url('/graphs'))).json().graphs;
      expect(config.graphs.map((g: { name: string }) => g.name).sort()).to.deep.equal(Object.keys(catalogue).sort());
      for (const g of config.graphs) expect(g.parameters, g.name).to.deep.equal(catalogue[g.name].parameters);
    });

    it('serves sample images and a thumbnail per graph, immutable under their hash or revision', async () => {
      const config = (await request(server.url('/playground/config'))).json();
      expect(config.samples.length).to.equal(3);
      for (const s of config.samples) {
        const res = await request(server.url(s.url));
        expect(res.status).to.equal(200);
        expect(res.headers.get('cache-control')).to.match(/immutable/);
        expect(await sharp(res.body).metadata()).to.include({ format: 'jpeg', width: s.width, height: s.height });
      }
      const tampered = await request(server.url(config.samples[0].url.replace(/\.[0-9a-f]{10}\./, '.0000000000.')));
      expect(tampered.status).to.equal(404);
      const blur = config.graphs.find((g: { name: string }) => g.name === 'gaussianblur');
      // Thumbnails go through runtime.evaluate (the concurrency limiter), not the request admission.
      let evaluations = 0;
      const evaluate = server.runtime.evaluate;
      server.runtime.evaluate = (prepared, opts) => { evaluations++; return evaluate(prepared, opts); };
      const thumb = await request(server.url(blur.thumbnail));
      expect(thumb.status).to.equal(200);
      expect(thumb.headers.get('cache-control')).to.match(/immutable/);
      expect(await sharp(thumb.body).metadata()).to.include({ format: 'webp', width: 240, height: 160 });
      await request(server.url(blur.thumbnail));
      expect(evaluations, 'made once, then remembered').to.equal(1);
      const unknown = await request(server.url('/playground/thumbnails/nosuchgraph'));
      expect(unknown.status).to.equal(404);
      expect(unknown.json().code).to.equal('IMGFLOW_ERR_GRAPH_NOT_FOUND');
    });
  });

  describe('signed mode', () => {
    let server: TestServer;
    before(async () => { server = await startTestServer({ appKey: 'site', appSecret: 'site-secret-0001', jwtSecret: JWT_SECRET }); });
    after(async () => server?.close());

    const sign = (auth: string | undefined, body: unknown) => request(server.url('/playground/sign'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });

    it('says it is signed and lists the app keys, never a secret', async () => {
      const res = await request(server.url('/playground/config'));
      const config = res.json();
      expect(config.mode).to.equal('signed');
      expect(config.keys).to.deep.equal(['site']);
      expect(res.body.toString()).to.not.contain('site-secret-0001');
    });

    it('signs only for an admin token', async () => {
      const body = { graph: 'gaussianblur', ext: 'png', params: { 'std-dev-x': '3' } };
      const none = await sign(undefined, body);
      expect(none.status).to.equal(401);
      expect(none.json().code).to.equal('IMGFLOW_ERR_ADMIN_UNAUTHORIZED');
      const appToken = await sign(token({ app: 'site' }), body);
      expect(appToken.status).to.equal(403);
      expect(appToken.json().code).to.equal('IMGFLOW_ERR_ADMIN_FORBIDDEN');
      const forged = await sign(jwt.sign({ admin: true }, 'another-secret-0123456789abcdefghij', { algorithm: 'HS256', expiresIn: 300 }), body);
      expect(forged.status).to.equal(401);
    });

    it('answers a signed URL the server accepts, and 4xx for bad requests', async () => {
      const admin = token({ admin: true });
      const res = await sign(admin, { graph: 'gaussianblur', ext: 'png', params: { 'std-dev-x': '3' } });
      expect(res.status).to.equal(200);
      const { url, key } = res.json();
      expect(key).to.equal('site');
      expect(url).to.match(/^\/graph\/site\/[A-Za-z0-9_-]{43}\/gaussianblur\.png\?std-dev-x=3$/);
      const image = await makePng(3);
      const ok = await request(server.url(url), { method: 'POST', body: new Uint8Array(image) });
      expect(ok.status).to.equal(200);
      expect(ok.headers.get('content-type')).to.equal('image/png');
      // The same request, unsigned, is refused: the signature is what let it through.
      const unsigned = await request(server.url('/graph/gaussianblur.png?std-dev-x=3'), { method: 'POST', body: new Uint8Array(image) });
      expect(unsigned.status).to.equal(403);
      const tampered = await request(server.url(url.replace('std-dev-x=3', 'std-dev-x=4')), { method: 'POST', body: new Uint8Array(image) });
      expect(tampered.status).to.equal(403);
      for (const [body, code] of [
        [{ graph: 'gaussianblur', ext: 'png', key: 'other' }, 'IMGFLOW_ERR_APP_NOT_FOUND'],
        [{ ext: 'png' }, 'IMGFLOW_ERR_BAD_REQUEST'],
        [{ graph: 'a/b', ext: 'png' }, 'IMGFLOW_ERR_BAD_REQUEST'],
        [{ graph: 'gaussianblur', params: { x: { y: 1 } } }, 'IMGFLOW_ERR_BAD_REQUEST'],
        [{ graph: 'gaussianblur', params: [1] }, 'IMGFLOW_ERR_BAD_REQUEST'],
      ] as const) {
        const bad = await sign(admin, body);
        expect(bad.status, JSON.stringify(body)).to.equal(code === 'IMGFLOW_ERR_APP_NOT_FOUND' ? 404 : 400);
        expect(bad.json().code, JSON.stringify(body)).to.equal(code);
      }
    });
  });
});
