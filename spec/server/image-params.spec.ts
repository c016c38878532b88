/**
 * The generic image parameters every graph takes (quality, fit, position, dpr with width and
 * height), animated inputs, and format negotiation that keeps transparency: real HTTP on
 * 127.0.0.1, images made with sharp and POSTed as the request body.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { noiseRaw, pixels } from '../_helpers/images.ts';

/** Three 40 x 30 frames of different colours, as an animated GIF. */
async function animatedGif(): Promise<Buffer> {
  const [w, h, n] = [40, 30, 3];
  const raw = Buffer.alloc(w * h * n * 4);
  for (let f = 0; f < n; f++) for (let i = 0; i < w * h; i++) raw.set([f * 100, 50, 200 - f * 60, 255], (f * w * h + i) * 4);
  return sharp(raw, { raw: { width: w, height: h * n, channels: 4, pageHeight: h } }).gif({ loop: 0 }).toBuffer();
}

/** Mean of the first channel. */
function meanRed(p: { data: Buffer; channels: number }): number {
  let s = 0;
  for (let i = 0; i < p.data.length; i += p.channels) s += p.data[i];
  return s / (p.data.length / p.channels);
}

describe('generic image parameters', function () {
  this.timeout(30000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;
  let photo: Buffer;
  let transparent: Buffer;
  let opaqueWithAlpha: Buffer;
  let gif: Buffer;
  let cacheDir: string;

  before(async () => {
    // A fresh result cache: results from an earlier run must not answer for this code.
    cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-image-params-'));
    const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent', cacheDir }, {});
    runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false, computeThreads: 1 });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    photo = await sharp(noiseRaw(200, 150), { raw: { width: 200, height: 150, channels: 3 } }).png().toBuffer();
    transparent = await sharp(noiseRaw(64, 48, 4), { raw: { width: 64, height: 48, channels: 4 } }).png().toBuffer();
    opaqueWithAlpha = await sharp(noiseRaw(64, 48), { raw: { width: 64, height: 48, channels: 3 } }).ensureAlpha().png().toBuffer();
    gif = await animatedGif();
  });

  after(async () => {
    await app.close();
    await runtime.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const post = async (path: string, body: Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream', ...headers } });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${bytes.toString()}`);
    return { res, bytes, meta: await sharp(bytes, { animated: true }).metadata() };
  };

  for (const graph of ['passthrough', 'desaturate', 'gaussianblur']) {
    describe(graph, () => {
      it('quality: lower quality, fewer bytes, in jpeg, webp and avif', async () => {
        for (const ext of ['jpg', 'webp', 'avif']) {
          const low = await post(`/graph/${graph}.${ext}?quality=15`, photo);
          const high = await post(`/graph/${graph}.${ext}?quality=95`, photo);
          expect(low.bytes.length, ext).to.be.lessThan(high.bytes.length * 0.8);
          expect(low.res.headers.get('etag')).to.not.equal(high.res.headers.get('etag'));
        }
      });

      it('fit: inside keeps the aspect ratio, cover and fill fill the box, contain pads it', async () => {
        const size = async (fit: string) => { const { meta } = await post(`/graph/${graph}.png?width=60&height=60&fit=${fit}`, photo); return [meta.width, meta.height]; };
        expect(await size('inside')).to.deep.equal([60, 45]);
        expect(await size('cover')).to.deep.equal([60, 60]);
        expect(await size('fill')).to.deep.equal([60, 60]);
        expect(await size('contain')).to.deep.equal([60, 60]);
        expect(await size('outside')).to.deep.equal([80, 60]);
      });

      it('dpr multiplies width and height', async () => {
        const { meta } = await post(`/graph/${graph}.png?width=50&dpr=2`, photo);
        expect([meta.width, meta.height]).to.deep.equal([100, 75]);
        const { meta: both } = await post(`/graph/${graph}.png?width=40&height=40&fit=cover&dpr=1.5`, photo);
        expect([both.width, both.height]).to.deep.equal([60, 60]);
      });
    });
  }

  it('position: fit=cover keeps the side it names', async () => {
    // noiseRaw's red rises from left to right: the west crop is darker than the east one.
    const crop = async (position: string) => meanRed(await pixels((await post(`/graph/passthrough.png?width=50&height=50&fit=cover&position=${position}`, photo)).bytes));
    const [west, centre, east] = [await crop('west'), await crop('centre'), await crop('east')];
    expect(west).to.be.lessThan(centre - 10);
    expect(centre).to.be.lessThan(east - 10);
  });

  it('the resize graph, which exports its own width and height, takes dpr and position too', async () => {
    const { meta } = await post('/graph/resize.png?width=50&dpr=2', photo);
    expect([meta.width, meta.height]).to.deep.equal([100, 75]);
    const crop = async (position: string) => meanRed(await pixels((await post(`/graph/resize.png?width=50&height=50&fit=cover&position=${position}`, photo)).bytes));
    expect(await crop('west')).to.be.lessThan((await crop('east')) - 10);
  });

  it('refuses bad values with 400s that name the parameter', async () => {
    for (const [q, code] of [['quality=0', 'IMGFLOW_ERR_PARAM_INVALID'], ['fit=stretch', 'IMGFLOW_ERR_PARAM_INVALID'], ['dpr=9', 'IMGFLOW_ERR_PARAM_INVALID']]) {
      const res = await fetch(`${base}/graph/passthrough.png?${q}`, { method: 'POST', body: new Uint8Array(photo), headers: { 'content-type': 'application/octet-stream' } });
      expect(res.status, q).to.equal(400);
      expect((await res.json()).code, q).to.equal(code);
    }
  });

  it('lists them in the catalogue, with the per-format quality defaults', async () => {
    const info = await (await fetch(`${base}/graphs/gaussianblur`)).json();
    const names = info.parameters.map((p: { name: string }) => p.name);
    expect(names).to.include.members(['width', 'height', 'fit', 'position', 'dpr', 'quality']);
    const quality = info.parameters.find((p: { name: string }) => p.name === 'quality');
    expect(quality.description).to.match(/jpeg 80/).and.match(/avif 50/);
  });

  describe("imgflo graphs (gegl/* components only): GEGL's scale-size-keepaspect rule", () => {
    const size = async (path: string) => { const { meta } = await post(path, photo); return [meta.width, meta.height]; };

    it('one size keeps the aspect ratio (the last, partly covered pixel counted) and enlarges; both stretch', async () => {
      expect(await size('/graph/gaussianblur.png?height=70')).to.deep.equal([94, 70]);
      expect(await size('/graph/gaussianblur.png?width=300')).to.deep.equal([300, 225]);
      expect(await size('/graph/gaussianblur.png?width=100&height=100')).to.deep.equal([100, 100]);
      expect(await size('/graph/gaussianblur.png?width=100&dpr=2')).to.deep.equal([200, 150]);
    });

    it('an imgflow graph, or fit set, keeps the resize that never enlarges and keeps the aspect ratio', async () => {
      expect(await size('/graph/resize.png?width=300')).to.deep.equal([200, 150]);
      expect(await size('/graph/gaussianblur.png?width=300&fit=inside')).to.deep.equal([200, 150]);
      expect(await size('/graph/gaussianblur.png?width=100&height=100&fit=inside')).to.deep.equal([100, 75]);
    });

    it('an enlargement past the output limit is refused from the plan, before any work', async () => {
      const res = await fetch(`${base}/graph/gaussianblur.png?width=16384`, { method: 'POST', body: new Uint8Array(photo), headers: { 'content-type': 'application/octet-stream' } });
      expect([res.status, ((await res.json()) as { code: string }).code]).to.deep.equal([422, 'IMGFLOW_ERR_OUTPUT_TOO_LARGE']);
    });
  });

  describe('animated GIF', () => {
    it('passthrough.gif and resize.webp keep every frame', async () => {
      const same = await post('/graph/passthrough.gif', gif);
      expect([same.meta.pages, same.meta.width, same.meta.pageHeight ?? same.meta.height]).to.deep.equal([3, 40, 30]);
      const resized = await post('/graph/resize.webp?width=20', gif);
      expect(resized.meta.format).to.equal('webp');
      expect([resized.meta.pages, resized.meta.width, resized.meta.pageHeight]).to.deep.equal([3, 20, 15]);
      const sized = await post('/graph/passthrough.gif?width=20&height=20&fit=cover', gif);
      expect([sized.meta.pages, sized.meta.width, sized.meta.pageHeight]).to.deep.equal([3, 20, 20]);
      // The frames are still distinct: the last one is the reddest.
      const frames = await sharp(sized.bytes, { animated: true }).raw().toBuffer({ resolveWithObject: true });
      const frame = (i: number) => ({ data: frames.data.subarray(i * 20 * 20 * frames.info.channels, (i + 1) * 20 * 20 * frames.info.channels), channels: frames.info.channels });
      expect(meanRed(frame(2))).to.be.greaterThan(meanRed(frame(0)) + 100);
    });

    it('a graph whose operations do not handle frames gives the first frame, as its catalogue entry says', async () => {
      const blurred = await post('/graph/gaussianblur.gif', gif);
      expect(blurred.meta.pages ?? 1).to.equal(1);
      expect((await (await fetch(`${base}/graphs/gaussianblur`)).json()).frames).to.equal(false);
      expect((await (await fetch(`${base}/graphs/passthrough`)).json()).frames).to.equal(true);
      expect((await (await fetch(`${base}/graphs/resize`)).json()).frames).to.equal(true);
      // A format that cannot hold frames gets the first one.
      const png = await post('/graph/passthrough.png', gif);
      expect([png.meta.pages ?? 1, png.meta.height]).to.deep.equal([1, 30]);
    });
  });

  describe('negotiation keeps transparency', () => {
    const alphaOf = async (bytes: Buffer) => (await sharp(bytes).stats()).isOpaque === false;

    it('avif for a client that takes it, with alpha', async () => {
      const { res, bytes } = await post('/graph/passthrough', transparent, { accept: 'image/avif,image/webp,*/*' });
      expect(res.headers.get('content-type')).to.equal('image/avif');
      expect(await alphaOf(bytes)).to.equal(true);
    });

    it('png rather than a flattened jpeg when the client takes any image', async () => {
      const { res, bytes } = await post('/graph/passthrough', transparent, { accept: 'image/jpeg,*/*' });
      expect(res.headers.get('content-type')).to.equal('image/png');
      expect(res.headers.get('vary')).to.equal('Accept');
      expect(await alphaOf(bytes)).to.equal(true);
    });

    it('jpeg, flattened, when the client takes only jpeg', async () => {
      const { res, bytes } = await post('/graph/passthrough', transparent, { accept: 'image/jpeg' });
      expect(res.headers.get('content-type')).to.equal('image/jpeg');
      expect((await sharp(bytes).metadata()).hasAlpha).to.equal(false);
    });

    it('jpeg for an opaque image, even with an alpha channel', async () => {
      const { res } = await post('/graph/gaussianblur', opaqueWithAlpha, { accept: 'image/jpeg,*/*' });
      expect(res.headers.get('content-type')).to.equal('image/jpeg');
    });
  });
});
