import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { buildSignedUrl } from '../../rig/sign.ts';
import { request, startImageOrigin, startTestServer, tempDir, type ImageOrigin, type TestServer } from './auth-cache-fixtures.ts';

const HS_SECRET = 'admin-jwt-secret-0123456789abcdefghij';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const adminToken = (opts: jwt.SignOptions = {}, claims: object = { admin: true }) => jwt.sign(claims, HS_SECRET, { algorithm: 'HS256', expiresIn: 300, ...opts });

describe('server/admin: JWT-authenticated admin API', function () {
  let origin: ImageOrigin;
  let server: TestServer;
  let dir: string;
  let appsFile: string;

  const api = (method: string, p: string, token: string | undefined, body?: unknown, contentType = 'application/json') =>
    request(server.url(`/admin${p}`), {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  before(async () => {
    origin = await startImageOrigin();
    dir = await tempDir('admin');
    appsFile = path.join(dir, 'apps.json');
    await writeFile(appsFile, JSON.stringify({ apps: [{ key: 'site', secret: 'site-secret-0001' }] }));
    server = await startTestServer({
      appsFile,
      adminKey: 'root',
      adminSecret: 'root-secret-0001',
      jwtSecret: HS_SECRET,
      jwtPublicKey: PUBLIC_PEM,
      cacheStore: 'disk',
      cacheDir: path.join(dir, 'cache'),
    });
  });
  after(async () => {
    await server.close();
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('tokens', () => {
    it('refuses a missing token with 401 and WWW-Authenticate', async () => {
      const res = await api('GET', '/apps', undefined);
      expect(res.status).to.equal(401);
      expect(res.json().code).to.equal('IMGFLOW_ERR_ADMIN_UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).to.equal('Bearer');
    });

    it('refuses expired, forged, unexpiring, unsigned and algorithm-confused tokens', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['expired', adminToken({ expiresIn: -60 }), /token expired/],
        ['forged', jwt.sign({ admin: true }, 'another-secret-0123456789abcdefghijk', { algorithm: 'HS256', expiresIn: 300 }), /invalid token: invalid signature/],
        ['no exp', jwt.sign({ admin: true }, HS_SECRET, { algorithm: 'HS256' }), /must expire/],
        ['too long', adminToken({ expiresIn: 86400 * 30 }), /lifetime exceeds/],
        // Lifetime counted from now: an iat just before a far exp does not make it short.
        ['stretched by iat', jwt.sign({ admin: true, iat: 253402214340, exp: 253402214400 }, HS_SECRET, { algorithm: 'HS256' }), /iat is in the future/],
        ['alg none', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ admin: true, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}.`, /not accepted/],
        // HS256 keyed with the RSA public key (the classic confusion): HS256 uses only the HS secret.
        ['HS256 with the public key', jwt.sign({ admin: true }, PUBLIC_PEM, { algorithm: 'HS256', expiresIn: 300 }), /invalid signature/],
        ['garbage', 'not.a.jwt', /malformed token/],
      ];
      for (const [name, token, message] of cases) {
        const res = await api('GET', '/apps', token);
        expect(res.status, name).to.equal(401);
        expect(res.json().code, name).to.equal('IMGFLOW_ERR_ADMIN_UNAUTHORIZED');
        expect(res.json().message, name).to.match(message);
      }
    });

    it('accepts HS256 and RS256 admin tokens', async () => {
      expect((await api('GET', '/apps', adminToken())).status).to.equal(200);
      const rs = jwt.sign({ admin: true }, PRIVATE_PEM, { algorithm: 'RS256', expiresIn: 300 });
      expect((await api('GET', '/apps', rs)).status).to.equal(200);
    });

    it('limits an app token to its own app', async () => {
      const token = adminToken({}, { app: 'site' });
      const own = await api('GET', '/apps', token);
      expect(own.json().apps.map((a: { key: string }) => a.key)).to.deep.equal(['site']);
      expect((await api('GET', '/apps/site', token)).status).to.equal(200);
      const other = await api('GET', '/apps/root', token);
      expect(other.status).to.equal(403);
      expect(other.json().code).to.equal('IMGFLOW_ERR_ADMIN_FORBIDDEN');
      expect((await api('POST', '/apps', token, { key: 'mine' })).status).to.equal(403);
      expect((await api('DELETE', '/graphs/gaussianblur', token)).status).to.equal(403);
      const unknown = await api('GET', '/apps', adminToken({}, { app: 'ghost' }));
      expect(unknown.status).to.equal(403);
      const neither = await api('GET', '/apps', adminToken({}, { role: 'x' }));
      expect(neither.status).to.equal(403);
    });
  });

  describe('apps', () => {
    it('lists apps without their secrets', async () => {
      const res = await api('GET', '/apps', adminToken());
      const apps = res.json().apps;
      expect(apps.map((a: { key: string }) => a.key)).to.deep.equal(['root', 'site']);
      expect(JSON.stringify(apps)).to.not.include('secret-0001');
      expect(apps[0]).to.include({ key: 'root', admin: true, source: 'env', secretCount: 1 });
    });

    it('adds an app (secrets answered once, saved to the apps file), which can sign at once; disables it', async () => {
      const added = await api('POST', '/apps', adminToken(), { key: 'newsite', label: 'New site', quota: 100 });
      expect(added.status).to.equal(201);
      const app = added.json();
      expect(app).to.include({ key: 'newsite', enabled: true, quota: 100, secretCount: 1 });
      expect(app.secrets[0]).to.have.length.above(20);
      const saved = JSON.parse(await readFile(appsFile, 'utf8'));
      expect(saved.apps.map((a: { key: string }) => a.key)).to.deep.equal(['newsite', 'site']);
      expect(saved.apps[0].secrets).to.deep.equal(app.secrets);

      const url = await buildSignedUrl({ server: server.base, key: 'newsite', secret: app.secrets[0], graph: 'gaussianblur', ext: 'png', params: { input: origin.url('/img1.png') } });
      expect((await request(url)).status).to.equal(200);

      const disabled = await api('POST', '/apps/newsite/disable', adminToken());
      expect(disabled.json().enabled).to.equal(false);
      const refused = await request(url);
      expect(refused.status).to.equal(403);
      expect(refused.json().code).to.equal('IMGFLOW_ERR_AUTH_APP_DISABLED');
      expect(JSON.parse(await readFile(appsFile, 'utf8')).apps[0].enabled).to.equal(false);
      expect((await api('POST', '/apps/newsite/enable', adminToken())).json().enabled).to.equal(true);
      expect((await request(url)).status).to.equal(200);

      // Rotation through PATCH: a second secret, then the first one retired.
      await api('PATCH', '/apps/newsite', adminToken(), { secrets: [app.secrets[0], 'rotated-secret-0001'] });
      await api('PATCH', '/apps/newsite', adminToken(), { secrets: ['rotated-secret-0001'] });
      expect((await request(url)).status).to.equal(403);
    });

    it('refuses invalid and duplicate apps with 400 and 409, unknown ones with 404', async () => {
      const bad = await api('POST', '/apps', adminToken(), { key: 'x y', secret: 'short' });
      expect(bad.status).to.equal(400);
      expect(bad.json().code).to.equal('IMGFLOW_ERR_APP_INVALID');
      expect((await api('POST', '/apps', adminToken(), { key: 'k', secret: 'short' })).json().message).to.match(/at least 8 characters/);
      expect((await api('POST', '/apps', adminToken(), { key: 'k', secret: 'long-enough-secret', colour: 'red' })).json().message).to.match(/unknown field "colour"/);
      const dup = await api('POST', '/apps', adminToken(), { key: 'site' });
      expect(dup.status).to.equal(409);
      expect(dup.json().code).to.equal('IMGFLOW_ERR_APP_EXISTS');
      expect((await api('PATCH', '/apps/ghost', adminToken(), { enabled: false })).status).to.equal(404);
      expect((await api('PATCH', '/apps/site', adminToken(), { quota: -1 })).status).to.equal(400);
    });
  });

  describe('graphs', () => {
    it('accepts a graph that uses a stored graph as a subgraph node, and serves it', async () => {
      const wrapper = {
        properties: { name: 'wrapped' },
        inports: { input: { process: 'b', port: 'input' } },
        outports: { output: { process: 'b', port: 'output' } },
        processes: { b: { component: 'graphs/gaussianblur' } },
        connections: [],
      };
      const put = await api('PUT', '/graphs/wrapped', adminToken(), wrapper);
      expect(put.status, put.body.toString()).to.equal(201);
      const signed = await buildSignedUrl({ server: server.base, key: 'root', secret: 'root-secret-0001', graph: 'wrapped', ext: 'png', params: { input: origin.url('/img4.png') } });
      expect((await request(signed)).status).to.equal(200);
      // an unknown one is still a 400 before anything is saved
      const bad = await api('PUT', '/graphs/broken', adminToken(), { ...wrapper, processes: { b: { component: 'graphs/nothing-here' } } });
      expect(bad.status).to.equal(400);
      expect((await api('DELETE', '/graphs/broken', adminToken())).status).to.equal(404);
      expect((await api('DELETE', '/graphs/wrapped', adminToken())).status).to.equal(204);
    });

    it('uploads, serves, replaces and deletes a graph', async () => {
      const graph = JSON.parse(await readFile(path.join(server.graphsDir, 'gaussianblur.json'), 'utf8'));
      const put = await api('PUT', '/graphs/softer', adminToken(), graph);
      expect(put.status).to.equal(201);
      expect(put.json()).to.include({ name: 'softer', replaced: false });
      const signed = await buildSignedUrl({ server: server.base, key: 'root', secret: 'root-secret-0001', graph: 'softer', ext: 'png', params: { input: origin.url('/img2.png') } });
      const first = await request(signed);
      expect(first.status).to.equal(200);

      graph.properties.description = 'softer, edited';
      const replaced = await api('PUT', '/graphs/softer', adminToken(), graph);
      expect(replaced.status).to.equal(200);
      expect(replaced.json().revision).to.not.equal(put.json().revision);
      expect((await request(signed)).headers.get('x-cache')).to.equal('miss');

      const fbp = await api('PUT', '/graphs/plain', adminToken(), 'INPORT=in.input:input\nOUTPORT=out.output:output\nin(gegl/nop) output -> input out(gegl/nop)\n', 'text/plain');
      expect(fbp.status).to.equal(201);

      expect((await api('DELETE', '/graphs/softer', adminToken())).status).to.equal(204);
      const gone = await request(signed);
      expect(gone.status).to.equal(404);
      expect(gone.json().code).to.equal('IMGFLOW_ERR_GRAPH_NOT_FOUND');
      expect((await api('DELETE', '/graphs/softer', adminToken())).status).to.equal(404);
    });

    it('answers 400 for invalid graphs and names, and saves nothing', async () => {
      const unknown = await api('PUT', '/graphs/broken', adminToken(), {
        properties: { name: 'broken' },
        inports: { input: { process: 'a', port: 'input' } },
        outports: { output: { process: 'a', port: 'output' } },
        processes: { a: { component: 'gegl/no-such-op' } },
        connections: [],
      });
      expect(unknown.status).to.equal(400);
      expect(unknown.json().code).to.equal('IMGFLOW_ERR_COMPONENT_UNKNOWN');
      const shape = await api('PUT', '/graphs/broken', adminToken(), { processes: 3 });
      expect(shape.status).to.equal(400);
      expect((await api('PUT', '/graphs/bad.name', adminToken(), { processes: {} })).status).to.equal(400);
      expect(server.runtime.store.get('broken')).to.equal(undefined);
    });
  });

  describe('purge', () => {
    const blurUrl = () => buildSignedUrl({ server: server.base, key: 'site', secret: 'site-secret-0001', graph: 'gaussianblur', ext: 'png', params: { input: origin.url('/img3.png'), 'std-dev-x': 3 } });

    it('purges every result of a graph (memory and disk)', async () => {
      const url = await blurUrl();
      await request(url);
      expect((await request(url)).headers.get('x-cache')).to.equal('hit');
      const res = await api('POST', '/purge', adminToken(), { graph: 'gaussianblur' });
      expect(res.status).to.equal(200);
      expect(res.json().purged).to.deep.equal({ prefix: 'gaussianblur/' });
      expect((await request(url)).headers.get('x-cache')).to.equal('miss');
    });

    it('purges one URL; an app token may purge its own signed URLs only', async () => {
      const url = await blurUrl();
      await request(url);
      expect((await request(url)).headers.get('x-cache')).to.equal('hit');
      const own = await api('POST', '/purge', adminToken({}, { app: 'site' }), { url });
      expect(own.status).to.equal(200);
      expect(own.json().purged.keys).to.have.length(1);
      expect((await request(url)).headers.get('x-cache')).to.equal('miss');
      // An unsigned URL or a graph purge needs admin.
      expect((await api('POST', '/purge', adminToken({}, { app: 'site' }), { graph: 'gaussianblur' })).status).to.equal(403);
      const unsigned = server.url(`/graph/gaussianblur?input=${encodeURIComponent(origin.url('/img3.png'))}`);
      expect((await api('POST', '/purge', adminToken({}, { app: 'site' }), { url: unsigned })).status).to.equal(403);
      const all = await api('POST', '/purge', adminToken(), { url: unsigned });
      expect(all.json().purged.keys).to.have.length(4); // avif, webp, jpeg, and jpeg-or-png for transparent results
      expect((await api('POST', '/purge', adminToken(), {})).status).to.equal(400);
    });
  });
});

describe('server/admin: off without keys', () => {
  it('refuses every admin request when no JWT key is configured', async () => {
    const server = await startTestServer();
    try {
      const res = await request(server.url('/admin/apps'), { headers: { authorization: `Bearer ${adminToken()}` } });
      expect(res.status).to.equal(401);
      expect(res.json().message).to.match(/admin API is off/);
    } finally {
      await server.close();
    }
  });
});

describe('server/admin: open mode', () => {
  it('adds an app but warns that the server stays open until it restarts', async () => {
    const dir = await tempDir('admin-open');
    const server = await startTestServer({ appsFile: path.join(dir, 'apps.json'), jwtSecret: HS_SECRET });
    try {
      const res = await request(server.url('/admin/apps'), {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'late' }),
      });
      expect(res.status).to.equal(201);
      expect(res.json()).to.include({ key: 'late' });
      expect(res.json().warning).to.match(/open mode until it restarts/);
      // and it is true: an unsigned request is still served
      const origin = await startImageOrigin();
      try {
        const unsigned = await request(server.url(`/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img1.png'))}`));
        expect(unsigned.status).to.equal(200);
      } finally {
        await origin.close();
      }
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
