import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { createHash, createHmac } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { buildSignedUploadDeleteUrl, buildSignedUploadUrl, uploadCanonicalForm } from '../../../rig/uploads.ts';
import { loadConfig } from '../../../server/config.ts';
import { request, startTestServer, tempDir, type TestServer } from '../auth-cache-fixtures.ts';
import { blackBitPng, filesUnder, photoJpeg, streamPost } from './_fixtures.ts';

describe('uploads: POST /uploads, variants as jobs, serving, delete (disk store, embedded engine)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let uploadDir: string;

  before(async () => {
    uploadDir = await tempDir('uploads');
    server = await startTestServer({ uploadDir, uploadStore: 'disk', uploadWaitSeconds: 30 });
  });
  after(async () => {
    await server.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  const post = (body: Buffer, query = '', headers: Record<string, string> = {}) => request(server.url(`/uploads${query}`), { method: 'POST', body: new Uint8Array(body), headers });
  const jobCounters = async () => (await request(server.url('/healthz'))).json().jobs as { submitted: number };

  it('makes the four default variants with the right formats and sizes, stores each once and serves them with their MIME types', async () => {
    const jpeg = await photoJpeg(640, 480, 1);
    const res = await post(jpeg);
    expect(res.status, res.body.toString()).to.equal(201);
    const body = res.json();
    expect(body.id).to.equal(createHash('sha256').update(jpeg).digest('hex'));
    expect(body.original).to.include({ type: 'image/jpeg', width: 640, height: 480, bytes: jpeg.length });
    expect(Object.keys(body.variants).sort()).to.deep.equal(['avif', 'jpeg', 'thumbnail', 'webp']);
    const expected: Record<string, [string, string, number, number]> = {
      webp: ['image/webp', 'webp', 640, 480],
      avif: ['image/avif', 'heif', 640, 480],
      jpeg: ['image/jpeg', 'jpeg', 640, 480],
      thumbnail: ['image/png', 'png', 256, 192],
    };
    for (const [name, [type, sharpFormat, width, height]] of Object.entries(expected)) {
      const v = body.variants[name];
      expect(v, name).to.include({ type, width, height });
      const served = await request(server.url(v.url));
      expect(served.status, name).to.equal(200);
      expect(served.headers.get('content-type'), name).to.equal(type);
      expect(served.headers.get('cache-control'), name).to.contain('immutable');
      expect(served.body.length, name).to.equal(v.bytes);
      const meta = await sharp(served.body).metadata();
      expect([meta.format, meta.width, meta.height], name).to.deep.equal([sharpFormat, width, height]);
      // ETag: a conditional request is answered 304 without the bytes.
      const again = await request(server.url(v.url), { headers: { 'if-none-match': served.headers.get('etag')! } });
      expect(again.status, name).to.equal(304);
    }
    // Stored once: the original, four variants (each under its definition, the URL's ?v=) and one owner mark, nothing else.
    const files = await filesUnder(uploadDir);
    const spec = (name: string) => new URL(body.variants[name].url, server.base).searchParams.get('v');
    expect(files.filter((f) => f.startsWith(`${body.id}/`)).map((f) => f.slice(body.id.length + 1)).sort())
      .to.deep.equal(['avif', 'jpeg', 'original', 'owner', 'thumbnail', 'webp'].map((k) => (k === 'original' || k === 'owner' ? k : `${k}.${spec(k)}`)).sort());
    const original = await request(server.url(`/uploads/${body.id}/original`));
    expect(original.body.equals(jpeg)).to.equal(true);
    const manifest = await request(server.url(`/uploads/${body.id}`));
    expect(manifest.json().variants.avif.url).to.equal(body.variants.avif.url);
  });

  it('answers a second upload of the same bytes with the same ids and starts no job', async () => {
    const jpeg = await photoJpeg(320, 240, 2);
    const first = await post(jpeg);
    expect(first.status).to.equal(201);
    const before = await jobCounters();
    const evaluations = server.evaluations();
    const second = await post(jpeg);
    expect(second.status).to.equal(200);
    expect(second.json().id).to.equal(first.json().id);
    expect(second.json().variants).to.deep.equal(first.json().variants);
    expect((await jobCounters()).submitted).to.equal(before.submitted);
    expect(server.evaluations()).to.equal(evaluations);
  });

  it('refuses a 20000x20000 PNG from its header, while the body is still streaming', async () => {
    const png = blackBitPng(20000, 20000);
    const first = png.subarray(0, 8192);
    let rest: Buffer | undefined = png.subarray(8192);
    const answer = await streamPost(server.url('/uploads'), first, () => { const r = rest; rest = undefined; return r; }, { holdOpenMs: 3000 });
    expect(answer.status).to.equal(422);
    expect(answer.body.code).to.equal('IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS');
    expect(answer.answeredWhileStreaming).to.equal(true);
    expect(answer.sentWhenAnswered).to.equal(8192);
  });

  it('refuses a 200 MB body at the byte limit while streaming, with bounded memory', async () => {
    const head = await photoJpeg(64, 48, 3);
    const total = 200 * 1024 * 1024;
    const zeros = Buffer.alloc(64 * 1024);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    try {
      // Chunked: no length declared, refused when the stream passes IMGFLOW_MAX_UPLOAD_BYTES.
      let sent = head.length;
      const chunked = await streamPost(server.url('/uploads'), head, () => {
        if (sent >= total) return undefined;
        sent += zeros.length;
        return zeros;
      });
      expect(chunked.status).to.equal(413);
      expect(chunked.body.code).to.equal('IMGFLOW_ERR_INPUT_TOO_LARGE');
      expect(chunked.answeredWhileStreaming).to.equal(true);
      expect(chunked.sentWhenAnswered).to.be.below(total / 2);
      // Declared: refused before the body is read.
      let sent2 = head.length;
      const declared = await streamPost(server.url('/uploads'), head, () => {
        if (sent2 >= total) return undefined;
        sent2 += zeros.length;
        return zeros;
      }, { declaredLength: total + head.length });
      expect(declared.status).to.equal(413);
      expect(declared.body.code).to.equal('IMGFLOW_ERR_INPUT_TOO_LARGE');
      expect(declared.answeredWhileStreaming).to.equal(true);
    } finally {
      clearInterval(sampler);
    }
    // The limit is 25 MiB; holding the whole body would be 200 MB. Generous for GC timing.
    expect(peak - rssBefore, `RSS grew ${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB`).to.be.below(120 * 2 ** 20);
  });

  it('refuses a non-image from its first bytes (415) and an empty body (400)', async () => {
    const text = await post(Buffer.from('hello '.repeat(2000)));
    expect(text.status).to.equal(415);
    expect(text.json().code).to.equal('IMGFLOW_ERR_INPUT_NOT_IMAGE');
    const empty = await post(Buffer.alloc(0));
    expect(empty.status).to.equal(400);
    expect(empty.json().code).to.equal('IMGFLOW_ERR_UPLOAD_EMPTY');
    const unknownSet = await post(await photoJpeg(32, 32, 4), '?set=nope');
    expect(unknownSet.status).to.equal(400);
    expect(unknownSet.json().code).to.equal('IMGFLOW_ERR_UPLOAD_SET_UNKNOWN');
  });

  it('serves an upload as the input of any graph (input=upload:<id>)', async () => {
    const jpeg = await photoJpeg(200, 150, 5);
    const { id } = (await post(jpeg, '', { prefer: 'respond-async' })).json();
    const blurred = await request(server.url(`/graph/gaussianblur.png?input=upload:${id}&std-dev-x=3&std-dev-y=3`));
    expect(blurred.status, blurred.body.toString()).to.equal(200);
    const meta = await sharp(blurred.body).metadata();
    expect([meta.format, meta.width, meta.height]).to.deep.equal(['png', 200, 150]);
    const direct = await request(server.url(`/graph/gaussianblur.png?std-dev-x=3&std-dev-y=3`), { method: 'POST', body: new Uint8Array(jpeg) });
    expect(blurred.body.equals(direct.body)).to.equal(true);
    const missing = await request(server.url(`/graph/gaussianblur.png?input=upload:${'0'.repeat(64)}`));
    expect(missing.status).to.equal(404);
    expect(missing.json().code).to.equal('IMGFLOW_ERR_UPLOAD_NOT_FOUND');
  });

  it('answers 202 with Location: /jobs/<id> when asked not to wait, and the manifest fills in', async () => {
    const jpeg = await photoJpeg(300, 200, 6);
    const res = await post(jpeg, '', { prefer: 'respond-async' });
    expect(res.status).to.equal(202);
    const location = res.headers.get('location')!;
    expect(location).to.match(/^\/jobs\/uploads\./);
    let job;
    for (let i = 0; i < 200; i++) {
      job = (await request(server.url(location))).json();
      if (job.state === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.state).to.equal('succeeded');
    expect(job.result).to.equal(`/uploads/${res.json().id}`);
    const manifest = (await request(server.url(job.result))).json();
    expect(Object.keys(manifest.variants).sort()).to.deep.equal(['avif', 'jpeg', 'thumbnail', 'webp']);
  });

  it('deletes original and variants from the disk store', async () => {
    const jpeg = await photoJpeg(120, 90, 7);
    const { id, variants } = (await post(jpeg)).json();
    expect((await filesUnder(uploadDir)).filter((f) => f.startsWith(`${id}/`))).to.have.length(6);
    const del = await request(server.url(`/uploads/${id}`), { method: 'DELETE' });
    expect(del.status).to.equal(204);
    expect((await filesUnder(uploadDir)).filter((f) => f.startsWith(`${id}/`))).to.deep.equal([]);
    expect((await request(server.url(variants.webp.url))).status).to.equal(404);
    expect((await request(server.url(`/uploads/${id}`))).json().code).to.equal('IMGFLOW_ERR_UPLOAD_NOT_FOUND');
  });
});

describe('uploads: signed for an app', function () {
  this.timeout(60_000);
  let server: TestServer;
  let uploadDir: string;
  const apps = { key: 'blog', secret: 'blog-secret-123' };

  before(async () => {
    uploadDir = await tempDir('uploads-signed');
    const sets = JSON.stringify({
      sets: {
        default: { variants: { webp: { graph: 'passthrough', format: 'webp', params: {} } } },
        small: { variants: { small: { graph: 'resize', format: 'png', params: { width: 50 } } }, apps: ['blog'] },
      },
    });
    const appsFile = path.join(uploadDir, 'apps.json');
    await writeFile(appsFile, JSON.stringify({ apps: [{ key: 'shop', secret: 'shop-secret-123' }, { key: 'reader', secret: 'reader-secret-123', quota: 0 }] }));
    server = await startTestServer({ uploadDir, uploadStore: 'disk', appsFile, appKey: apps.key, appSecret: apps.secret, adminKey: 'boss', adminSecret: 'boss-secret-123', uploadSets: sets });
  });
  after(async () => {
    await server.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  it('accepts a signed upload, refuses unsigned and badly signed ones; an admin app may delete it', async () => {
    const jpeg = await photoJpeg(100, 80, 8);
    const unsigned = await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(jpeg) });
    expect(unsigned.status).to.equal(403);
    expect(unsigned.json().code).to.equal('IMGFLOW_ERR_AUTH_UNSIGNED');
    expect(unsigned.json().message, 'says how an upload is signed').to.contain('/uploads/<key>/<signature>');
    const url = await buildSignedUploadUrl({ server: server.base, key: apps.key, secret: apps.secret, set: 'small' });
    const tampered = url.replace('set=small', 'set=default');
    expect((await request(tampered, { method: 'POST', body: new Uint8Array(jpeg) })).json().code).to.equal('IMGFLOW_ERR_AUTH_SIGNATURE');
    const res = await request(url, { method: 'POST', body: new Uint8Array(jpeg) });
    expect(res.status, res.body.toString()).to.equal(201);
    const { id, variants } = res.json();
    expect(variants.small).to.include({ type: 'image/png', width: 50, height: 40 });

    // The admin app did not upload these bytes, but an admin may delete any upload.
    const byAdmin = await request(await buildSignedUploadDeleteUrl({ server: server.base, key: 'boss', secret: 'boss-secret-123', id }), { method: 'DELETE' });
    expect(byAdmin.status).to.equal(204);
    expect((await filesUnder(uploadDir)).filter((f) => f.startsWith(`${id}/`))).to.deep.equal([]);
  });

  it('lets the owning app delete, refuses another app (and a signature for another id)', async () => {
    const jpeg = await photoJpeg(100, 80, 9);
    const res = await request(await buildSignedUploadUrl({ server: server.base, key: apps.key, secret: apps.secret }), { method: 'POST', body: new Uint8Array(jpeg) });
    const { id } = res.json();
    // A signature for another id does not delete this one.
    const other = await buildSignedUploadDeleteUrl({ server: server.base, key: apps.key, secret: apps.secret, id: 'a'.repeat(64) });
    expect((await request(other.replace('a'.repeat(64), id), { method: 'DELETE' })).json().code).to.equal('IMGFLOW_ERR_AUTH_SIGNATURE');
    // Another app, correctly signed, that never uploaded these bytes.
    const shop = await request(await buildSignedUploadDeleteUrl({ server: server.base, key: 'shop', secret: 'shop-secret-123', id }), { method: 'DELETE' });
    expect(shop.status).to.equal(403);
    expect(shop.json().code).to.equal('IMGFLOW_ERR_UPLOAD_FORBIDDEN');
    // The set limited to blog is not shop's.
    const shopSet = await request(await buildSignedUploadUrl({ server: server.base, key: 'shop', secret: 'shop-secret-123', set: 'small' }), { method: 'POST', body: new Uint8Array(jpeg) });
    expect(shopSet.json().code).to.equal('IMGFLOW_ERR_UPLOAD_SET_UNKNOWN');
    expect(await filesUnder(uploadDir)).to.include(`${id}/original`);
    const own = await request(await buildSignedUploadDeleteUrl({ server: server.base, key: apps.key, secret: apps.secret, id }), { method: 'DELETE' });
    expect(own.status).to.equal(204);
  });

  it('honours a signed expires (the graph routes\' rule): past it 403, a bad one 400', async () => {
    const jpeg = new Uint8Array(await photoJpeg(64, 48, 13));
    const past = await buildSignedUploadUrl({ server: server.base, key: apps.key, secret: apps.secret, expiresAt: Math.floor(Date.now() / 1000) - 3600 });
    const expired = await request(past, { method: 'POST', body: jpeg });
    expect(expired.status).to.equal(403);
    expect(expired.json().code).to.equal('IMGFLOW_ERR_AUTH_EXPIRED');
    // rig signs only whole seconds: a bad expires, correctly signed, by hand.
    const bad = `${server.base}/uploads/${apps.key}/${createHmac('sha256', apps.secret).update(uploadCanonicalForm('POST', undefined, new URLSearchParams('expires=soon'))).digest('base64url')}?expires=soon`;
    const invalid = await request(bad, { method: 'POST', body: jpeg });
    expect(invalid.status).to.equal(400);
    expect(invalid.json().code).to.equal('IMGFLOW_ERR_AUTH_EXPIRES_INVALID');
    const future = await buildSignedUploadUrl({ server: server.base, key: apps.key, secret: apps.secret, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    expect((await request(future, { method: 'POST', body: jpeg })).status).to.equal(201);
  });

  it("counts the variants' job against the app's quota (quota 0: refused)", async () => {
    const res = await request(await buildSignedUploadUrl({ server: server.base, key: 'reader', secret: 'reader-secret-123' }), { method: 'POST', body: new Uint8Array(await photoJpeg(64, 48, 10)) });
    expect(res.status).to.equal(403);
    expect(res.json().code).to.equal('IMGFLOW_ERR_AUTH_NO_PROCESSING');
  });
});

describe('uploads: results computed from a deleted upload', function () {
  this.timeout(60_000);
  const jwtSecret = 'uploads-jwt-secret-0123456789abcdef';
  let server: TestServer;
  let uploadDir: string;

  before(async () => {
    uploadDir = await tempDir('uploads-derived');
    server = await startTestServer({ uploadDir, uploadStore: 'disk', jwtSecret });
  });
  after(async () => {
    await server.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  it('stay cached after the delete (docs/uploads.md), until purged by URL through the admin API', async () => {
    const jpeg = await photoJpeg(120, 90, 14);
    const { id } = (await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(jpeg), headers: { prefer: 'respond-async' } })).json();
    const url = `/graph/gaussianblur.png?input=upload:${id}&std-dev-x=2&std-dev-y=2`;
    const first = await request(server.url(url));
    expect(first.status).to.equal(200);
    expect((await request(server.url(`/uploads/${id}`), { method: 'DELETE' })).status).to.equal(204);
    // The derived result is not the upload: still served, from the result cache.
    const after = await request(server.url(url));
    expect(after.status).to.equal(200);
    expect(after.body.equals(first.body)).to.equal(true);
    const token = jwt.sign({ admin: true }, jwtSecret, { algorithm: 'HS256', expiresIn: 300 });
    const purge = await request(server.url('/admin/purge'), { method: 'POST', body: JSON.stringify({ url }), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    expect(purge.status, purge.body.toString()).to.equal(200);
    expect(purge.json().purged.keys).to.have.length(1);
    const gone = await request(server.url(url));
    expect(gone.status).to.equal(404);
    expect(gone.json().code).to.equal('IMGFLOW_ERR_UPLOAD_NOT_FOUND');
  });
});

describe('uploads: the upload limit against the server\'s input bytes in flight', function () {
  this.timeout(60_000);

  it('refuses at start an upload limit the in-flight budget could never hold (not a 429 no retry can fix)', () => {
    let err: { code?: string; message?: string } | undefined;
    try {
      loadConfig({ maxInputBytes: 64_000, maxFetchBytesInFlight: 64_000 }, {});
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).to.equal('IMGFLOW_ERR_CONFIG_INVALID');
    expect(err?.message).to.contain('IMGFLOW_MAX_FETCH_BYTES_IN_FLIGHT must be at least IMGFLOW_MAX_UPLOAD_BYTES');
    expect(loadConfig({ maxInputBytes: 64_000, maxUploadBytes: 64_000, maxFetchBytesInFlight: 64_000 }, {}).maxUploadBytes).to.equal(64_000);
  });

  it('answers a second upload 429 at once while a first holds the budget (no deadlock), and the first completes', async () => {
    const uploadDir = await tempDir('uploads-in-flight');
    const limit = 100_000;
    const server = await startTestServer({ uploadDir, uploadStore: 'disk', maxInputBytes: limit, maxUploadBytes: limit, maxFetchBytesInFlight: limit });
    try {
      const a = await photoJpeg(500, 400, 15);
      const b = await photoJpeg(500, 400, 16);
      expect(a.length).to.be.within(limit * 0.6, limit);
      // The first sends most of its body, then holds the connection open for a while.
      const head = a.subarray(0, Math.floor(a.length * 0.9));
      let rest: Buffer | undefined = a.subarray(head.length);
      const first = streamPost(server.url('/uploads'), head, () => { const r = rest; rest = undefined; return r; }, { holdOpenMs: 1500 });
      await new Promise((r) => setTimeout(r, 500));
      const t0 = Date.now();
      const second = await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(b) });
      expect(second.status).to.equal(429);
      expect(second.json().code).to.equal('IMGFLOW_ERR_INPUT_BYTES_BUSY');
      expect(Date.now() - t0).to.be.below(1000);
      const done = await first;
      expect(done.status, JSON.stringify(done.body)).to.equal(201);
      // Its bytes released: the second fits now.
      expect((await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(b) })).status).to.equal(201);
    } finally {
      await server.close();
      await rm(uploadDir, { recursive: true, force: true });
    }
  });
});
