/**
 * imgflo put gegl:scale-size-keepaspect in front of the graph when a request had width or
 * height, and GEGL then handed retro-curve floats: it took its float path (country's contrast on
 * every channel, no indie push), unless the size was the input's own (GEGL's scaler then passed
 * the 8-bit values on). The compiler gives `imgfloextra/retro-curve` that path where it reads the
 * request's resize (OperationDef.geglInputPath), the executor takes it back at the input's size;
 * these check where it does and does not, through the HTTP server against GEGL's outputs.
 * spec/imgflo/gegl-operations.spec.ts compares the operation's float path with GEGL per preset.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { bindParameters, compileGraph } from '../../runtime/index.ts';
import type { GraphJson } from '../../runtime/graph.ts';
import { registry } from '../_helpers/graphs.ts';
import { startImgfloServer, type ImgfloServer } from './_harness.ts';

const gegl = fileURLToPath(new URL('../fixtures/gegl/', import.meta.url));

/**
 * imgflo's retro shape: input -> gegl/nop -> retro-curve, preset exported; `iips` on the curve.
 * `curve`: imgflow's own name for the operation makes it an imgflow graph (sharp's resize in front).
 */
function retroGraph(iips: Record<string, unknown> = {}, curve = 'imgfloextra/retro-curve'): GraphJson {
  return {
    inports: { input: { process: 'nop', port: 'input' }, preset: { process: 'curve', port: 'preset' } },
    outports: { output: { process: 'curve', port: 'output' } },
    processes: { nop: { component: 'gegl/nop' }, curve: { component: curve } },
    connections: [
      { src: { process: 'nop', port: 'output' }, tgt: { process: 'curve', port: 'input' } },
      ...Object.entries(iips).map(([port, data]) => ({ data, tgt: { process: 'curve', port } })),
    ],
  };
}

/** The curve node's path for a request, compiled as the runtime compiles every graph. */
function pathFor(graph: GraphJson, request: Record<string, unknown>): unknown {
  const plan = bindParameters(compileGraph('retro', graph, registry, { sizeParams: true }), { preset: 'country', ...request });
  return plan.nodes.get('curve')!.params.path;
}

async function rgb(bytes: Buffer) {
  return sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
}

/** Mean absolute difference per channel and the largest one. */
async function difference(a: Buffer, b: Buffer) {
  const [x, y] = await Promise.all([rgb(a), rgb(b)]);
  expect([x.info.width, x.info.height]).to.deep.equal([y.info.width, y.info.height]);
  const sums = [0, 0, 0];
  let max = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = Math.abs(x.data[i] - y.data[i]);
    sums[i % 3] += d;
    max = Math.max(max, d);
  }
  return { mean: sums.map((s) => (s * 3) / x.data.length), max };
}

describe("imgflo's float path for resized requests (retro-curve)", function () {
  this.timeout(60000);

  it('takes the u8 path without width/height, the float path with either (through gegl/nop)', () => {
    expect(pathFor(retroGraph(), {})).to.equal('u8');
    expect(pathFor(retroGraph(), { height: 96 })).to.equal('float');
    expect(pathFor(retroGraph(), { width: 449.4375 })).to.equal('float');
  });

  it('keeps the u8 path where GEGL did not scale: behind sharp\'s resize (an imgflow graph), or with fit', () => {
    expect(pathFor(retroGraph({}, 'imgflow/retro-curve'), { height: 96 })).to.equal('u8');
    expect(pathFor(retroGraph(), { height: 96, fit: 'cover' })).to.equal('u8');
  });

  it('keeps a path the graph sets', () => {
    expect(pathFor(retroGraph({ path: 'u8' }), { height: 96 })).to.equal('u8');
    expect(pathFor(retroGraph({ path: 'float' }), {})).to.equal('float');
  });

  describe('through the HTTP server', () => {
    let server: ImgfloServer;
    let graphs: string;
    before(async () => {
      graphs = await mkdtemp(join(tmpdir(), 'imgflow-retro-float-'));
      await writeFile(join(graphs, 'retrocurve.json'), JSON.stringify({ properties: { environment: { type: 'imgflo' } }, ...retroGraph() }));
      server = await startImgfloServer(graphs, gegl);
    });
    after(async () => {
      await server?.close();
      await rm(graphs, { recursive: true, force: true });
    });

    const get = async (query: string) => {
      const res = await fetch(`${server.base}/graph/retrocurve.png?input=${encodeURIComponent(server.origin.url('/files/input.png'))}&${query}`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status, body.toString('utf8', 0, 300)).to.equal(200);
      return body;
    };

    it('country without height is GEGL u8 path (1/255 mean, 2/255 at most)', async () => {
      const d = await difference(await get('preset=country'), await readFile(join(gegl, 'reference', 'retro-curve-country.png')));
      for (const m of d.mean) expect(m).to.be.at.most(1);
      expect(d.max).to.be.at.most(2);
    });

    it("country at the input's own size (width=256, or 256.7 and height=192) is GEGL's u8 path: its scaler passed u8 on", async () => {
      const reference = await readFile(join(gegl, 'reference', 'retro-curve-country.png'));
      for (const query of ['preset=country&width=256', 'preset=country&width=256.7&height=192']) {
        const d = await difference(await get(query), reference);
        for (const m of d.mean) expect(m, query).to.be.at.most(1);
        expect(d.max, query).to.be.at.most(2);
      }
    });

    it("country with height=96 follows GEGL's resized chain", async () => {
      // GEGL's scale in front (operations/gegl-scale.ts): measured 0.56 / 0.55 / 0.18 (the same
      // chain as cases.json's retro-curve-resized-country); with sharp's resize it was 13.92 / 8.97 / 0.68.
      const d = await difference(await get('preset=country&height=96'), await readFile(join(gegl, 'reference', 'retro-curve-resized-country.png')));
      for (const m of d.mean) expect(m).to.be.at.most(0.7);
    });
  });
});
