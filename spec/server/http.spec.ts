/**
 * The HTTP server on 127.0.0.1 against a real local origin serving images made with sharp:
 * the happy paths and every error status a user can cause.
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
import { loadConfig, type Config } from '../../server/config.ts';
import { startOrigin, type Origin } from '../input/_origin.ts';
import { noiseRaw, pixels } from '../_helpers/images.ts';

/** Sum of absolute horizontal neighbour differences: lower means smoother. */
function roughness(p: { data: Buffer; width: number; height: number; channels: number }): number {
  let s = 0;
  for (let y = 0; y < p.height; y++) for (let x = 1; x < p.width; x++) for (let c = 0; c < 3; c++) {
    const i = (y * p.width + x) * p.channels + c;
    s += Math.abs(p.data[i] - p.data[i - p.channels]);
  }
  return s;
}

interface Server { app: FastifyInstance; runtime: Runtime; base: string }

async function startServer(overrides: Partial<Config>): Promise<Server> {
  const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent', ...overrides }, {});
  const runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false, concurrency: config.concurrency, maxQueue: config.maxQueue });
  const app = await buildApp(config, { runtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, runtime, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe('HTTP /graph', function () {
  this.timeout(30000);
  let origin: Origin;
  let server: Server;
  let cacheDir: string;
  const files = new Map<string, Buffer>();

  before(async () => {
    const jpeg = await sharp(noiseRaw(200, 150), { raw: { width: 200, height: 150, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    files.set('/photo.jpg', jpeg);
    files.set('/photo-no-ext', jpeg);
    files.set('/truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    files.set('/notes.txt', Buffer.from('this is not an image\n'.repeat(20)));
    // 4000 x 4000 of one colour: tiny as PNG, 16 MP to decode.
    files.set('/huge.png', await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#808080' } }).png().toBuffer());
    files.set('/big.png', await sharp(noiseRaw(400, 400), { raw: { width: 400, height: 400, channels: 3 } }).png().toBuffer());
    origin = await startOrigin((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/slow.jpg') {
        setTimeout(() => { res.writeHead(200, { 'content-type': 'image/jpeg' }); res.end(files.get('/photo.jpg')); }, 2000);
        return;
      }
      const body = files.get(path);
      if (!body) { res.writeHead(404); res.end('missing'); return; }
      // Deliberately wrong Content-Type: the format must be sniffed from the bytes.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    });
    cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-http-'));
    server = await startServer({
      allowPrivateSources: true, fetchTimeoutMs: 500, maxInputBytes: 200_000, maxInputPixels: 4_000_000, cacheDir,
    });
  });

  after(async () => {
    await server.app.close();
    server.runtime.close();
    await origin.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.base}${path}`, { headers });
  const input = (name: string) => encodeURIComponent(origin.url(name));

  it('GET /graph/gaussianblur.png?input=<url>&std-dev-x=4 returns a blurred PNG', async () => {
    const res = await get(`/graph/gaussianblur.png?input=${input('/photo.jpg')}&std-dev-x=4`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/png');
    expect(res.headers.get('server-timing')).to.match(/process;dur=/);
    const out = await pixels(Buffer.from(await res.arrayBuffer()));
    const original = await pixels(files.get('/photo.jpg')!);
    expect([out.width, out.height]).to.deep.equal([200, 150]);
    expect(roughness(out)).to.be.lessThan(roughness(original) / 3);
  });

  it('takes the image as a POST body', async () => {
    const res = await fetch(`${server.base}/graph/resize.webp?width=50`, { method: 'POST', body: new Uint8Array(files.get('/photo.jpg')!), headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/webp');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).to.equal(50);
  });

  it('negotiates the format from Accept when the URL has no extension (avif > webp > jpeg)', async () => {
    const url = `/graph/passthrough?input=${input('/photo-no-ext')}`;
    const avif = await get(url, { accept: 'image/avif,image/webp,*/*' });
    expect(avif.headers.get('content-type')).to.equal('image/avif');
    expect(avif.headers.get('vary')).to.equal('Accept');
    expect((await get(url, { accept: 'image/webp,*/*;q=0.8' })).headers.get('content-type')).to.equal('image/webp');
    expect((await get(url, { accept: 'image/avif;q=0,image/webp' })).headers.get('content-type')).to.equal('image/webp');
    const jpeg = await get(url, { accept: 'text/html' });
    expect(jpeg.headers.get('content-type')).to.equal('image/jpeg');
    expect((await sharp(Buffer.from(await jpeg.arrayBuffer())).metadata()).format).to.equal('jpeg');
  });

  it('accepts width and height on every graph', async () => {
    const res = await get(`/graph/gaussianblur.jpg?input=${input('/photo.jpg')}&width=40`);
    expect(res.status).to.equal(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).to.deep.equal([40, 30]);
  });

  it('lists graphs with typed, described parameters at GET /graphs', async () => {
    const res = await get('/graphs');
    expect(res.status).to.equal(200);
    const { graphs } = await res.json() as { graphs: Record<string, { parameters: { name: string; type: string; description: string; min?: number }[] }> };
    for (const name of ['passthrough', 'crop', 'croprotate', 'gaussianblur', 'desaturate', 'resize', 'thumbnail']) expect(graphs).to.have.property(name);
    const sx = graphs.gaussianblur.parameters.find((p) => p.name === 'std-dev-x')!;
    expect(sx).to.include({ type: 'number', min: 0 });
    expect(sx.description).to.be.a('string').and.not.empty;
    for (const [name, g] of Object.entries(graphs)) {
      expect((g as { description?: string }).description, name).to.be.a('string').and.not.empty;
      for (const p of g.parameters) expect(p.description, `${name}.${p.name}`).to.be.a('string').and.not.empty;
    }
  });

  it('answers GET /healthz', async () => {
    const res = await get('/healthz');
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ status: 'ok' });
  });

  const errorCases: [string, () => string, number, string][] = [
    ['a corrupt (truncated) image', () => `/graph/passthrough.png?input=${input('/truncated.jpg')}`, 422, 'IMGFLOW_ERR_INPUT_CORRUPT'],
    ['a non-image', () => `/graph/passthrough.png?input=${input('/notes.txt')}`, 415, 'IMGFLOW_ERR_INPUT_NOT_IMAGE'],
    ['too many pixels', () => `/graph/passthrough.png?input=${input('/huge.png')}`, 422, 'IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS'],
    ['too many bytes', () => `/graph/passthrough.png?input=${input('/big.png')}`, 413, 'IMGFLOW_ERR_INPUT_TOO_LARGE'],
    ['a slow origin', () => `/graph/passthrough.png?input=${input('/slow.jpg')}`, 504, 'IMGFLOW_ERR_UPSTREAM_TIMEOUT'],
    ['a 404 origin', () => `/graph/passthrough.png?input=${input('/nothing.jpg')}`, 502, 'IMGFLOW_ERR_UPSTREAM_STATUS'],
    // Port 1 refuses: the network's own code (ECONNREFUSED) is a detail, never the body's code.
    ['an origin that refuses the connection', () => `/graph/passthrough.png?input=${encodeURIComponent('http://127.0.0.1:1/photo.jpg')}`, 502, 'IMGFLOW_ERR_UPSTREAM_UNREACHABLE'],
    ['an unknown graph', () => `/graph/nonesuch.png?input=${input('/photo.jpg')}`, 404, 'IMGFLOW_ERR_GRAPH_NOT_FOUND'],
    ['a bad parameter value', () => `/graph/gaussianblur.png?input=${input('/photo.jpg')}&std-dev-x=lots`, 400, 'IMGFLOW_ERR_PARAM_INVALID'],
    ['an out-of-range parameter', () => `/graph/gaussianblur.png?input=${input('/photo.jpg')}&std-dev-x=5000`, 400, 'IMGFLOW_ERR_PARAM_INVALID'],
    ['an unknown parameter', () => `/graph/gaussianblur.png?input=${input('/photo.jpg')}&std-dev-z=1`, 400, 'IMGFLOW_ERR_PARAM_UNKNOWN'],
    ['a repeated parameter', () => `/graph/gaussianblur.png?input=${input('/photo.jpg')}&std-dev-x=1&std-dev-x=2`, 400, 'IMGFLOW_ERR_PARAM_INVALID'],
    ['an unsupported output format', () => `/graph/gaussianblur.svg?input=${input('/photo.jpg')}`, 415, 'IMGFLOW_ERR_FORMAT_UNSUPPORTED'],
    ['a missing input', () => '/graph/gaussianblur.png', 400, 'IMGFLOW_ERR_INPUT_MISSING'],
    ['a non-http input', () => `/graph/gaussianblur.png?input=${encodeURIComponent('file:///etc/passwd')}`, 400, 'IMGFLOW_ERR_INPUT_URL'],
    ['an output over the pixel limit', () => `/graph/resize.png?input=${input('/photo.jpg')}&width=16000&height=16000`, 422, 'IMGFLOW_ERR_OUTPUT_TOO_LARGE'],
    ['an unknown route', () => '/nothing/here', 404, 'IMGFLOW_ERR_NOT_FOUND'],
    ['a crop outside the image', () => `/graph/crop.png?input=${input('/photo.jpg')}&x=190&cropwidth=50`, 422, 'IMGFLOW_ERR_PROCESSING'],
  ];
  for (const [what, path, status, code] of errorCases) {
    it(`answers ${what} with ${status} ${code}`, async () => {
      const res = await get(path());
      expect(res.status).to.equal(status);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      const body = await res.json() as { statusCode: number; code: string; message: string };
      expect(body).to.include({ statusCode: status, code });
      expect(body.message).to.be.a('string').and.not.empty;
      expect(JSON.stringify(body)).to.not.match(/at .+\.ts:\d+/);
    });
  }

  it('names the parameter and what it accepts in a 400', async () => {
    const body = await (await get(`/graph/gaussianblur.png?input=${input('/photo.jpg')}&std-dev-x=lots`)).json();
    expect(body).to.include({ parameter: 'std-dev-x', accepts: 'number between 0 and 1000' });
    const unknown = await (await get(`/graph/gaussianblur.png?input=${input('/photo.jpg')}&blurr=1`)).json();
    expect(unknown.accepts).to.deep.equal(['abyss-policy', 'dpr', 'fit', 'height', 'position', 'quality', 'std-dev-x', 'std-dev-y', 'width']);
  });

  it('stays up after all of that', async () => {
    expect((await get(`/graph/crop.png?input=${input('/photo.jpg')}&cropwidth=10&cropheight=10`)).status).to.equal(200);
  });

  describe('with the default source policy', () => {
    let strict: Server;
    before(async () => { strict = await startServer({ cacheDir }); });
    after(async () => { await strict.app.close(); strict.runtime.close(); });

    it('refuses inputs on loopback addresses without connecting to them', async () => {
      const before = origin.connections();
      const res = await fetch(`${strict.base}/graph/passthrough.png?input=${input('/photo.jpg')}`);
      expect(res.status).to.equal(400);
      expect((await res.json()).code).to.equal('IMGFLOW_ERR_INPUT_URL');
      expect(origin.connections()).to.equal(before);
    });
  });
});
