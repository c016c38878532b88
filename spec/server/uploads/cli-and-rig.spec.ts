import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildSignedUploadUrl, uploadPicture, type UploadManifest } from '../../../rig/uploads.ts';
import { request, startTestServer, tempDir, type TestServer } from '../auth-cache-fixtures.ts';
import { photoJpeg } from './_fixtures.ts';

const BIN = fileURLToPath(new URL('../../../bin/imgflow.js', import.meta.url));
const run = promisify(execFile);

describe('uploads: imgflow upload (CLI) and rig uploadPicture', function () {
  this.timeout(90_000);
  let server: TestServer;
  let dir: string;
  const key = 'site';
  const secret = 'site-secret-0001';

  before(async () => {
    dir = await tempDir('uploads-cli');
    server = await startTestServer({ uploadDir: dir, uploadStore: 'disk', appKey: key, appSecret: secret });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('imgflow upload signs the upload and prints one URL per variant, each served', async () => {
    const file = path.join(dir, 'photo.jpg');
    await writeFile(file, await photoJpeg(320, 200, 21));
    const { stdout } = await run(process.execPath, [BIN, 'upload', file, '--server', server.base, '--key', key, '--secret', secret], { timeout: 60_000, env: { ...process.env, IMGFLOW_KEY: '', IMGFLOW_SECRET: '' } });
    const lines = stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(lines[0][0]).to.equal('id');
    const variants = Object.fromEntries(lines.slice(1).map(([name, type, size, url]) => [name, { type, size, url }]));
    expect(Object.keys(variants).sort()).to.deep.equal(['avif', 'jpeg', 'thumbnail', 'webp']);
    expect(variants.thumbnail).to.include({ type: 'image/png', size: '256x160' });
    for (const v of Object.values(variants)) {
      const res = await request(v.url);
      expect(res.status, v.url).to.equal(200);
      expect(res.headers.get('content-type')).to.equal(v.type);
    }
  });

  it('uploadPicture builds <picture> from a manifest the server answered', async () => {
    // Unsigned uploads are refused once an app is configured (and a bad token is a 401): sign with rig.
    const unsigned = await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(await photoJpeg(300, 150, 22)) });
    expect(unsigned.status).to.equal(403);
    const badToken = await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(await photoJpeg(300, 150, 22)), headers: { authorization: 'Bearer none' } });
    expect(badToken.json().code).to.equal('IMGFLOW_ERR_ADMIN_UNAUTHORIZED');
    const signed = await request(await buildSignedUploadUrl({ server: server.base, key, secret }), { method: 'POST', body: new Uint8Array(await photoJpeg(300, 150, 22)) });
    const manifest = signed.json() as UploadManifest;
    const html = uploadPicture(manifest, { server: server.base, alt: 'a "photo"', loading: 'lazy' });
    const v = manifest.variants;
    const abs = (u: string) => `${server.base}${u}`.replace(/&/g, '&amp;');
    expect(html).to.equal([
      '<picture>',
      `  <source type="image/avif" srcset="${abs(v.avif.url)} 300w" sizes="100vw">`,
      `  <source type="image/webp" srcset="${abs(v.webp.url)} 300w" sizes="100vw">`,
      `  <img src="${abs(v.jpeg.url)}" srcset="${abs(v.jpeg.url)} 300w" sizes="100vw" width="300" height="150" alt="a &quot;photo&quot;" loading="lazy" style="background-size:cover;background-image:url(${abs(v.thumbnail.url)})">`,
      '</picture>',
    ].join('\n'));
    // Every URL in it is served by the server.
    for (const url of html.matchAll(/(http:\/\/[^\s")]+)/g)) expect((await request(url[1].replace(/&amp;/g, '&'))).status, url[1]).to.equal(200);
    expect(() => uploadPicture({ id: 'x', variants: { webp: v.webp } })).to.throw(/no image\/jpeg variant/);
  });
});

describe('uploads: imgflow upload --set, following the job', function () {
  this.timeout(90_000);
  let server: TestServer;
  let dir: string;

  before(async () => {
    dir = await tempDir('uploads-cli-set');
    const sets = JSON.stringify({
      sets: {
        default: { variants: { webp: { graph: 'passthrough', format: 'webp', params: {} } } },
        other: { variants: { small: { graph: 'resize', format: 'png', params: { width: 40 } } } },
      },
    });
    // No wait: every upload is answered 202 and the CLI follows the job.
    server = await startTestServer({ uploadDir: dir, uploadStore: 'disk', uploadSets: sets, uploadWaitSeconds: 0 });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the requested set's variants only, though the upload has another set's too", async () => {
    const file = path.join(dir, 'photo.jpg');
    await writeFile(file, await photoJpeg(200, 100, 23));
    const env = { ...process.env, IMGFLOW_KEY: '', IMGFLOW_SECRET: '' };
    const first = await run(process.execPath, [BIN, 'upload', file, '--server', server.base], { timeout: 60_000, env });
    expect(first.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[0])).to.deep.equal(['webp']);
    const { stdout } = await run(process.execPath, [BIN, 'upload', file, '--server', server.base, '--set', 'other'], { timeout: 60_000, env });
    const lines = stdout.trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(lines.map((l) => l[0])).to.deep.equal(['small']);
    expect(lines[0][2]).to.equal('40x20');
  });
});
