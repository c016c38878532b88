/**
 * imgflo's request shapes over HTTP: an input that is a path on this server (one graph's output
 * as another's input, signed with imgflo-url's MD5 token by an app in imgflo mode) is answered
 * in-process; nesting is capped; the inner request is authenticated as usual.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { createRuntime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { CHAIN_DEPTH_HEADER } from '../../server/input/chained.ts';
import { inputBudgetFor } from '../../server/input/input-budget.ts';
import { loadSource } from '../../server/source.ts';
import { imgfloUrl, srcset } from '../../rig/imgflo.ts';
import { startOrigin, type Origin } from '../input/_origin.ts';
import { noiseRaw } from '../_helpers/images.ts';

const graphs = fileURLToPath(new URL('../fixtures/imgflo/graphs/', import.meta.url));

/** The server on 127.0.0.1 with one evaluation at a time: a chain must not wait for a slot its own outer request holds. */
async function startServer(config: Config): Promise<{ base: string; close(): Promise<void> }> {
  const runtime = await createRuntime({ graphsDir: graphs, watch: false, computeThreads: 0, concurrency: 1 });
  const server = await buildApp(config, { runtime });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    base: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}

describe("imgflo's chained requests", function () {
  this.timeout(20000);
  let origin: Origin;
  let dir: string;
  let base: string;
  let close: () => Promise<void>;
  const app = { key: 'legacy', secret: 'legacy-secret' };

  before(async () => {
    const jpeg = await sharp(noiseRaw(400, 300), { raw: { width: 400, height: 300, channels: 3 } }).jpeg().toBuffer();
    origin = await startOrigin((_req, res) => res.writeHead(200).end(jpeg));
    dir = await mkdtemp(join(tmpdir(), 'imgflo-chain-'));
    const appsFile = join(dir, 'apps.json');
    await writeFile(appsFile, JSON.stringify({ apps: [{ ...app, imgfloCompat: true }] }));
    ({ base, close } = await startServer(loadConfig({ graphsDir: graphs, logLevel: 'silent', cacheStore: 'none', allowPrivateSources: true, appsFile, maxChainDepth: 1 }, {})));
  });
  after(async () => {
    await close?.();
    await origin?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A relative imgflo URL (server ''), as imgflo's chained_requests test built it. */
  const relative = (graph: string, params: Record<string, unknown>, format?: string) => imgfloUrl({ ...app, server: '' }, graph, params, format);
  const absolute = (graph: string, params: Record<string, unknown>, format?: string) => imgfloUrl({ ...app, server: `${base}/` }, graph, params, format);

  it("uses one graph's output as another's input, each signed with its MD5 token", async () => {
    const inner = relative('crop', { input: origin.url('/photo.jpg'), x: 20, y: 10, cropwidth: 130, cropheight: 110 }, 'png');
    expect(inner).to.match(/^graph\/legacy\/[0-9a-f]{32}\/crop\.png\?/);
    const res = await fetch(absolute('passthrough', { input: inner }, 'png'));
    expect(res.status, await res.clone().text()).to.equal(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).to.deep.equal(['png', 130, 110]);
  });

  it("refuses the chain with the inner request's own error when its token is wrong", async () => {
    const inner = relative('crop', { input: origin.url('/photo.jpg') }, 'png').replace(/\/[0-9a-f]{32}\//, `/${'0'.repeat(32)}/`);
    const res = await fetch(absolute('passthrough', { input: inner }, 'png'));
    expect(res.status).to.equal(403);
    expect(((await res.json()) as { code: string }).code).to.equal('IMGFLOW_ERR_AUTH_SIGNATURE');
  });

  it("serves the URLs rig 0.4 builds, unrounded sizes included (449.4375 is read as imgflo did: 449)", async () => {
    const block = { cover: { src: origin.url('/photo.jpg'), width: 400, height: 300 } };
    const set = srcset({ block, config: { ...app, server: `${base}/` }, graph: 'passthrough', breakpoints: [150, 599] });
    const [small] = set.srcset.split(', ');
    expect(small).to.contain('height=112.5&');
    const res = await fetch(small.replace(/ 150w$/, ''));
    expect(res.status, await res.clone().text()).to.equal(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    // 150 x 112 asked: the aspect ratio is kept inside it (149 x 112), as for any imgflow request.
    expect([meta.format, meta.width, meta.height]).to.deep.equal(['jpeg', 149, 112]);
  });

  it('caps the nesting (IMGFLOW_MAX_CHAIN_DEPTH), whatever depth header a client sends', async () => {
    const inner = relative('crop', { input: origin.url('/photo.jpg') }, 'png');
    const middle = relative('passthrough', { input: inner }, 'png');
    const res = await fetch(absolute('passthrough', { input: middle }, 'png'));
    expect(res.status).to.equal(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).to.equal('IMGFLOW_ERR_INPUT_URL');
    expect(body.message).to.contain('at most 1 deep');
    const spoofed = await fetch(absolute('passthrough', { input: inner }, 'png'), { headers: { [CHAIN_DEPTH_HEADER]: '9:guess' } });
    expect(spoofed.status).to.equal(200);
  });
});

describe('chained inputs count as inputs: size limit and byte budget', function () {
  this.timeout(20000);
  const maxInputBytes = 64 * 1024;
  const config = loadConfig({ graphsDir: graphs, logLevel: 'silent', cacheStore: 'none', allowPrivateSources: true, maxInputBytes, maxUploadBytes: maxInputBytes, maxFetchBytesInFlight: maxInputBytes }, {});
  let origin: Origin;
  let base: string;
  let close: () => Promise<void>;

  before(async () => {
    // Noise: its PNG is about 3 bytes a pixel, so the crop's size decides which side of the limit it lands.
    const jpeg = await sharp(noiseRaw(400, 300), { raw: { width: 400, height: 300, channels: 3 } }).jpeg({ quality: 30 }).toBuffer();
    expect(jpeg.length).to.be.below(maxInputBytes);
    origin = await startOrigin((_req, res) => res.writeHead(200).end(jpeg));
    ({ base, close } = await startServer(config));
  });
  after(async () => {
    await close?.();
    await origin?.close();
  });

  const chain = (width: number) => `${base}/graph/passthrough.png?input=${encodeURIComponent(`graph/crop.png?input=${origin.url('/photo.jpg')}&cropwidth=${width}&cropheight=100`)}`;

  it('refuses an inner result over IMGFLOW_MAX_INPUT_BYTES with 413, as a fetched input would be', async () => {
    const res = await fetch(chain(400));
    expect(res.status).to.equal(413);
    expect(((await res.json()) as { code: string }).code).to.equal('IMGFLOW_ERR_INPUT_TOO_LARGE');
    const small = await fetch(chain(100));
    expect(small.status, await small.clone().text()).to.equal(200);
    expect((await sharp(Buffer.from(await small.arrayBuffer())).metadata()).width).to.equal(100);
    expect(inputBudgetFor(config).bytesInFlight, 'every hold released').to.equal(0);
  });

  it("takes the inner result's bytes from the request's hold, and nothing when it refuses it", async () => {
    const hold = inputBudgetFor(config).hold();
    const fits = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
    await loadSource(config, 'graph/crop.png?input=x', undefined, undefined, hold, async () => fits);
    expect(hold.held).to.equal(fits.length);
    hold.release();
    const tooLarge = Buffer.alloc(maxInputBytes + 1);
    const err = await loadSource(config, 'graph/crop.png?input=x', undefined, undefined, hold, async () => tooLarge).then(() => undefined, (e: { code: string }) => e);
    expect(err?.code).to.equal('IMGFLOW_ERR_INPUT_TOO_LARGE');
    expect(hold.held).to.equal(0);
  });
});
