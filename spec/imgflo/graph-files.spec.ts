/**
 * What makes imgflo's graph files load unchanged: ports matched without case, GEGL properties
 * accepted but not honoured listed (in /graphs and to the log), noop graphs, CMYK JPEGs decoded
 * as GEGL did, and GEGL's c2g.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { compileGraph, createRuntime, parseGraphSource, type IgnoredProperty } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { c2g } from '../../operations/c2g.ts';
import { registry, runGraph } from '../_helpers/graphs.ts';
import { noiseRaw, pixels } from '../_helpers/images.ts';

describe('imgflo graph files', function () {
  this.timeout(20000);

  it('reads .fbp ports and exported names without case, lower-cased as noflo does', () => {
    const g = parseGraphSource('crop', 'INPORT=crop.INPUT:INPUT\nINPORT=crop.HEIGHT:CROPHEIGHT\nOUTPORT=nop.OUTPUT:OUTPUT\ncrop(gegl/crop) OUTPUT -> INPUT nop(gegl/nop)\n', 'fbp');
    expect(Object.keys(g.inports!)).to.deep.equal(['input', 'cropheight']);
    const plan = compileGraph('crop', g, registry);
    expect(plan.parameters.get('cropheight')!.targets).to.deep.equal([{ node: 'crop', param: 'height' }]);
  });

  it('matches JSON port names without case', () => {
    const plan = compileGraph('g', {
      inports: { input: { process: 'c', port: 'INPUT' }, w: { process: 'c', port: 'Width' } },
      outports: { OUTPUT: { process: 'c', port: 'OUTPUT' } },
      processes: { c: { component: 'gegl/crop' } },
      connections: [{ data: 7, tgt: { process: 'c', port: 'HEIGHT' } }],
    }, registry);
    expect(plan.nodes.get('c')!.params).to.include({ height: 7 });
    expect(plan.parameters.get('w')!.targets).to.deep.equal([{ node: 'c', param: 'width' }]);
  });

  it('lists GEGL properties it cannot honour, and not those it honours', () => {
    const graph = (clip: boolean) => ({
      inports: { input: { process: 'b', port: 'input' }, 'abyss-policy': { process: 'b', port: 'abyss-policy' } },
      outports: { output: { process: 'b', port: 'output' } },
      processes: { b: { component: 'gegl/gaussian-blur' } },
      connections: [{ data: clip, tgt: { process: 'b', port: 'clip-extent' } }],
    });
    const honoured = compileGraph('g', graph(true), registry).ignored;
    expect(honoured.map((i) => i.property)).to.deep.equal(['abyss-policy']);
    expect(honoured[0]).to.include({ node: 'b', parameter: 'abyss-policy' });
    const notHonoured = compileGraph('g', graph(false), registry).ignored;
    expect(notHonoured.map((i) => [i.property, i.value])).to.deep.include(['clip-extent', false]);
  });

  it('still refuses a misspelt port of a real GEGL operation', () => {
    expect(() => compileGraph('g', {
      inports: { input: { process: 'c', port: 'input' } },
      outports: { output: { process: 'c', port: 'output' } },
      processes: { c: { component: 'gegl/crop' } },
      connections: [{ data: 3, tgt: { process: 'c', port: 'widht' } }],
    }, registry)).to.throw(/has no port widht/);
  });

  describe('over HTTP', () => {
    let dir: string;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let base: string;
    const noted: [string, IgnoredProperty[]][] = [];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'imgflo-graphs-'));
      await writeFile(join(dir, 'passthrough.fbp'), 'INPORT=in.INPUT:INPUT\nINPORT=in.IGNORED:IGNORED\nOUTPORT=ou.OUTPUT:OUTPUT\n\nin(gegl/nop) OUTPUT -> INPUT ou(gegl/nop)\n');
      await writeFile(join(dir, 'noop.json'), JSON.stringify({ properties: { environment: { type: 'noop' } }, processes: {}, connections: [], inports: {}, outports: {} }));
      const runtime = await createRuntime({ graphsDir: dir, watch: false, computeThreads: 0, onIgnoredProperties: (g, i) => noted.push([g, i]) });
      app = await buildApp(loadConfig({ graphsDir: dir, logLevel: 'silent', cacheStore: 'none' }, {}), { runtime });
      app.addHook('onClose', () => runtime.close());
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await app?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('lists the ignored property in /graphs and tells the log', async () => {
      const body = await (await fetch(`${base}/graphs`)).json() as { graphs: Record<string, { parameters: { name: string }[]; ignoredProperties: IgnoredProperty[] }> };
      const passthrough = body.graphs.passthrough;
      expect(passthrough.parameters.map((p) => p.name)).to.include('ignored');
      expect(passthrough.ignoredProperties).to.have.length(1);
      expect(passthrough.ignoredProperties[0]).to.include({ node: 'in', property: 'ignored', parameter: 'ignored' });
      expect(noted.map(([g]) => g)).to.include('passthrough');
    });

    it('accepts the ignored URL parameter without changing the picture', async () => {
      const png = await sharp(noiseRaw(20, 10), { raw: { width: 20, height: 10, channels: 3 } }).png().toBuffer();
      const plain = await fetch(`${base}/graph/passthrough.png`, { method: 'POST', body: png });
      const ignored = await fetch(`${base}/graph/passthrough.png?ignored=yes`, { method: 'POST', body: png });
      expect([plain.status, ignored.status]).to.deep.equal([200, 200]);
      expect(Buffer.from(await ignored.arrayBuffer()).equals(Buffer.from(await plain.arrayBuffer()))).to.equal(true);
    });

    it('serves a noop graph as the input bytes when the format is the same, and re-encodes otherwise', async () => {
      const frames = await sharp(noiseRaw(16, 48), { raw: { width: 16, height: 48, channels: 3 } }).gif().toBuffer();
      const gif = await fetch(`${base}/graph/noop.gif`, { method: 'POST', body: frames });
      expect(gif.status).to.equal(200);
      expect(Buffer.from(await gif.arrayBuffer()).equals(frames)).to.equal(true);
      const png = await fetch(`${base}/graph/noop.png`, { method: 'POST', body: frames });
      expect(png.status).to.equal(200);
      expect((await sharp(Buffer.from(await png.arrayBuffer())).metadata()).format).to.equal('png');
      const withParam = await fetch(`${base}/graph/noop.gif?width=10`, { method: 'POST', body: frames });
      expect(withParam.status).to.equal(400);
    });

    it("keeps the input's type for a noop URL without an extension, whatever the client accepts", async () => {
      const frames = await sharp(noiseRaw(16, 48), { raw: { width: 16, height: 48, channels: 3 } }).gif().toBuffer();
      const res = await fetch(`${base}/graph/noop`, { method: 'POST', body: frames, headers: { accept: 'image/avif,image/webp,*/*' } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('image/gif');
      expect(Buffer.from(await res.arrayBuffer()).equals(frames)).to.equal(true);
    });
  });

  it('decodes a CMYK JPEG as GEGL did: RGB = (1 - CMY)(1 - K) on the stored values, not through its profile', async () => {
    const cmyk = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c8a050' } }).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).to.equal('cmyk');
    const stored = await sharp(cmyk).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer();
    const [c, m, y, k] = stored;
    const expected = [c, m, y].map((v) => Math.round(((255 - v) * (255 - k)) / 255));
    const out = await pixels(sharp((await runGraph({
      inports: { input: { process: 'n', port: 'input' } }, outports: { output: { process: 'n', port: 'output' } },
      processes: { n: { component: 'gegl/nop' } }, connections: [],
    }, cmyk, 'png')).bytes));
    expect([...out.data.subarray(0, 3)]).to.deep.equal(expected);
    // What a profile-based conversion gives is visibly different: the point of the test.
    const viaProfile = await sharp(cmyk).toColourspace('srgb').raw().toBuffer();
    expect(Math.max(...expected.map((v, i) => Math.abs(v - viaProfile[i])))).to.be.greaterThan(8);
  });

  it('turns gegl/rotate-on-center counter-clockwise, as GEGL does, and lists a sampler it cannot apply', async () => {
    // A red top-left corner on grey: a quarter turn counter-clockwise puts it bottom-left.
    const img = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } })
      .composite([{ input: { create: { width: 10, height: 10, channels: 3, background: '#ff0000' } }, left: 0, top: 0 }]).png().toBuffer();
    const graph = {
      inports: { input: { process: 'r', port: 'input' } }, outports: { output: { process: 'r', port: 'output' } },
      processes: { r: { component: 'gegl/rotate-on-center' } },
      connections: [{ data: 90, tgt: { process: 'r', port: 'degrees' } }, { data: 'nearest', tgt: { process: 'r', port: 'sampler' } }],
    };
    const out = await pixels(sharp((await runGraph(graph, img, 'png')).bytes).removeAlpha());
    expect([out.width, out.height]).to.deep.equal([20, 40]);
    const at = (x: number, y: number) => [...out.data.subarray((y * out.width + x) * out.channels, (y * out.width + x) * out.channels + 3)];
    expect(at(2, 37)).to.deep.equal([255, 0, 0]);
    expect(at(17, 2)).to.deep.equal([128, 128, 128]);
    expect(compileGraph('g', graph, registry).ignored.map((i) => [i.property, i.value])).to.deep.equal([['sampler', 'nearest']]);
  });

  describe("GEGL's c2g", () => {
    it('keeps apart colours of equal luminance that plain greyscale merges, reproducibly', () => {
      // Left half red, right half a green of about the same luminance.
      const width = 40, height = 20;
      const data = Buffer.alloc(width * height * 3);
      for (let i = 0; i < width * height; i++) data.set(i % width < 20 ? [200, 0, 0] : [0, 110, 0], i * 3);
      const a = c2g({ data, width, height, channels: 3 }, { radius: 30, samples: 4, iterations: 10 });
      const b = c2g({ data, width, height, channels: 3 }, { radius: 30, samples: 4, iterations: 10 });
      expect(a.data.equals(b.data)).to.equal(true);
      const mean = (x0: number) => {
        let s = 0;
        for (let y = 0; y < height; y++) for (let x = x0; x < x0 + 10; x++) s += a.data[(y * width + x) * 3];
        return s / (10 * height);
      };
      expect(Math.abs(mean(0) - mean(30))).to.be.greaterThan(20);
    });
  });
});
