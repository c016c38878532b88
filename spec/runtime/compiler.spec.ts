import { expect } from 'chai';
import sharp from 'sharp';
import { compileGraph, bindParameters, evaluatePlan, parseParams, ImgflowError } from '../../runtime/index.ts';
import type { GraphJson } from '../../runtime/graph.ts';
import { chainGraph, registry, runGraph, singleNodeGraph } from '../_helpers/graphs.ts';
import { testJpeg, testPng, pixels, maxDiff } from '../_helpers/images.ts';

function compileError(graph: GraphJson): ImgflowError {
  try {
    compileGraph('g', graph, registry);
  } catch (err) {
    return err as ImgflowError;
  }
  throw new Error('expected the graph to be refused');
}

describe('compiler', () => {
  describe('fusion', () => {
    it('runs three sharp operations plus the encoder as ONE pipeline: one decode, one encode', async () => {
      const input = await testJpeg(640, 480);
      const graph = chainGraph([
        ['imgflow/resize', { width: 320 }],
        ['imgflow/gaussian-blur', { 'std-dev-x': 2, 'std-dev-y': 2 }],
        ['imgflow/modulate', { saturation: 0.5 }],
        ['imgflow/encode-jpeg', { quality: 70 }],
      ]);
      const plan = bindParameters(compileGraph('g', graph, registry), {});
      expect(plan.stages).to.have.length(1);
      expect(plan.stages[0].nodes).to.deep.equal(['n0', 'n1', 'n2']);
      const result = await runGraph(graph, input, 'jpeg');
      expect(result.stats).to.deep.equal({ decodes: 1, encodes: 1, pipelines: 1 });
      // Byte-identical to sharp doing it in one pipeline: any intermediate encode would differ.
      const reference = await sharp(input).resize({ width: 320, withoutEnlargement: true }).blur(2).modulate({ saturation: 0.5 }).jpeg({ quality: 70 }).toBuffer();
      expect(Buffer.compare(result.bytes, reference)).to.equal(0);
    });

    it("starts a new pipeline (from raw pixels, not an encode) when sharp's fixed order would reorder steps", async () => {
      const input = await testPng(64, 48);
      // sharp blurs after it resizes, whatever the call order: blur -> resize must not fuse.
      const graph = chainGraph([['imgflow/gaussian-blur', { 'std-dev-x': 3, 'std-dev-y': 3 }], ['imgflow/resize', { width: 16 }]]);
      const result = await runGraph(graph, input, 'png');
      expect(result.stats).to.deep.equal({ decodes: 1, encodes: 1, pipelines: 2 });
      const reference = await sharp(await sharp(input).blur(3).raw().toBuffer(), { raw: { width: 64, height: 48, channels: 3 } }).resize({ width: 16 }).png().toBuffer();
      expect(maxDiff(await pixels(result.bytes), await pixels(reference))).to.equal(0);
    });

    it('keeps a crop after a flip (sharp would extract first if fused)', async () => {
      const input = await testPng(64, 48);
      const graph = chainGraph([['imgflow/flip'], ['imgflow/crop', { x: 0, y: 0, width: 10, height: 10 }]]);
      const got = await pixels((await runGraph(graph, input, 'png')).bytes);
      const want = await pixels(await sharp(await sharp(input).flip().png().toBuffer()).extract({ left: 0, top: 0, width: 10, height: 10 }).png().toBuffer());
      expect(maxDiff(got, want)).to.equal(0);
    });

    it('does not decode an input the caller already decoded (Flowhub previews)', async () => {
      const input = await testJpeg(40, 30);
      const plan = compileGraph('test', chainGraph([['gegl/gaussian-blur', { 'std-dev-x': 2 }], ['gegl/brightness-contrast', { contrast: 1.2 }]]), registry);
      const collect = () => undefined;
      const plain = await evaluatePlan(plan, registry, { input, format: 'png', collect });
      const { data, info } = await sharp(input, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true });
      const decodedInput = { data, width: info.width, height: info.height, channels: info.channels as 3 };
      const seeded = await evaluatePlan(plan, registry, { input, decodedInput, format: 'png', collect });
      expect(plain.stats.decodes).to.equal(1);
      expect(seeded.stats.decodes).to.equal(0);
      expect(seeded.bytes.equals(plain.bytes)).to.equal(true);
    });

    it('decodes a fanned-out input once and shares the pixels', async () => {
      const graph: GraphJson = {
        inports: { input: { process: 'split', port: 'input' } },
        outports: { output: { process: 'comp', port: 'output' } },
        processes: { split: { component: 'gegl/nop' }, blur: { component: 'gegl/gaussian-blur' }, comp: { component: 'svg/multiply' } },
        connections: [
          { src: { process: 'split', port: 'output' }, tgt: { process: 'blur', port: 'input' } },
          { src: { process: 'split', port: 'output' }, tgt: { process: 'comp', port: 'input' } },
          { src: { process: 'blur', port: 'output' }, tgt: { process: 'comp', port: 'aux' } },
        ],
      };
      const result = await runGraph(graph, await testJpeg(64, 48), 'webp');
      expect(result.stats.decodes).to.equal(1);
      expect(result.stats.encodes).to.equal(1);
    });

    it('skips identity nodes so their neighbours fuse', async () => {
      const graph = chainGraph([['imgflow/negate'], ['imgflow/resize'], ['imgflow/tint', { color: 'red' }]]);
      const plan = bindParameters(compileGraph('g', graph, registry), {});
      // negate (late in sharp's order) then tint (earlier): two pipelines; resize without size is skipped.
      expect(plan.stages.map((s) => s.nodes)).to.deep.equal([['n0'], ['n2']]);
    });
  });

  describe('structure', () => {
    it('orders nodes topologically with ties broken by node id, whatever the JSON order', () => {
      const graph: GraphJson = {
        inports: { input: { process: 'z', port: 'input' } },
        outports: { output: { process: 'a', port: 'output' } },
        processes: { a: { component: 'svg/src-over' }, m: { component: 'gegl/nop' }, b: { component: 'gegl/nop' }, z: { component: 'gegl/nop' } },
        connections: [
          { src: { process: 'z', port: 'output' }, tgt: { process: 'm', port: 'input' } },
          { src: { process: 'z', port: 'output' }, tgt: { process: 'b', port: 'input' } },
          { src: { process: 'm', port: 'output' }, tgt: { process: 'a', port: 'input' } },
          { src: { process: 'b', port: 'output' }, tgt: { process: 'a', port: 'aux' } },
        ],
      };
      const reversed = { ...graph, processes: Object.fromEntries(Object.entries(graph.processes).reverse()), connections: [...graph.connections].reverse() };
      const o1 = compileGraph('g', graph, registry).order;
      expect(o1).to.deep.equal(compileGraph('g', reversed, registry).order);
      expect(o1.indexOf('z')).to.be.lessThan(o1.indexOf('m'));
      expect(o1[o1.length - 1]).to.equal('a');
    });

    it('rejects cycles, naming the nodes', () => {
      const graph: GraphJson = {
        inports: { input: { process: 'a', port: 'input' } },
        outports: { output: { process: 'c', port: 'output' } },
        processes: { a: { component: 'svg/src-over' }, b: { component: 'gegl/nop' }, c: { component: 'gegl/nop' } },
        connections: [
          { src: { process: 'a', port: 'output' }, tgt: { process: 'b', port: 'input' } },
          { src: { process: 'b', port: 'output' }, tgt: { process: 'a', port: 'aux' } },
          { src: { process: 'b', port: 'output' }, tgt: { process: 'c', port: 'input' } },
        ],
      };
      const err = compileError(graph);
      expect(err.code).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
      expect(err.message).to.match(/cycle: (a -> b -> a|b -> a -> b)/);
    });

    it('names an unknown component and its node', () => {
      const err = compileError(singleNodeGraph('gegl/no-such-op'));
      expect(err.code).to.equal('IMGFLOW_ERR_COMPONENT_UNKNOWN');
      expect(err.message).to.equal('Node op uses unknown component gegl/no-such-op');
    });

    it('names the edge when a port does not exist', () => {
      const graph = chainGraph([['gegl/nop'], ['gegl/crop']]);
      graph.connections.push({ data: 3, tgt: { process: 'n1', port: 'widht' } });
      expect(compileError(graph).message).to.contain("edge '3' -> n1.widht: node n1 (gegl/crop) has no port widht");
    });

    it('refuses an image edge into a parameter port, and an unconnected required aux', () => {
      const graph = chainGraph([['gegl/nop'], ['gegl/crop']]);
      graph.connections = [{ src: { process: 'n0', port: 'output' }, tgt: { process: 'n1', port: 'x' } }];
      expect(compileError(graph).message).to.contain('connects an image to int port x');
      expect(compileError(singleNodeGraph('svg/src-over')).message).to.contain('node op: image port aux is not connected');
    });

    it('type-checks IIPs by port type when compiling', () => {
      const err = compileError(singleNodeGraph('gegl/gaussian-blur', { 'std-dev-x': 'wide' }));
      expect(err.code).to.equal('IMGFLOW_ERR_PARAM_INVALID');
      expect(err.message).to.contain('op.std-dev-x');
    });

    it('ignores imgflo editor-only nodes (gegl/load samples, Processor sinks)', async () => {
      const graph: GraphJson = {
        inports: { input: { process: 'in', port: 'input' } },
        outports: { output: { process: 'blur', port: 'output' } },
        processes: {
          load: { component: 'gegl/load' }, in: { component: 'gegl/nop' },
          blur: { component: 'gegl/gaussian-blur' }, proc: { component: 'Processor' },
        },
        connections: [
          { data: 'sample.jpg', tgt: { process: 'load', port: 'path' } },
          { src: { process: 'load', port: 'output' }, tgt: { process: 'in', port: 'input' } },
          { src: { process: 'in', port: 'output' }, tgt: { process: 'blur', port: 'input' } },
          { src: { process: 'blur', port: 'output' }, tgt: { process: 'proc', port: 'node' } },
        ],
      };
      const result = await runGraph(graph, await testPng(20, 20), 'png');
      expect(result.width).to.equal(20);
    });

    it('exports graph inports as parameters, with metadata over the port spec and IIPs as defaults', () => {
      const graph = singleNodeGraph('gegl/gaussian-blur', { 'std-dev-x': 3 });
      graph.inports!.blur = { process: 'op', port: 'std-dev-x', metadata: { description: 'How blurry', maximum: 50 } };
      const plan = compileGraph('g', graph, registry, { sizeParams: true });
      expect(plan.parameters.get('blur')!.spec).to.include({ type: 'number', description: 'How blurry', max: 50, min: 0, default: 3 });
      expect([...plan.parameters.keys()].sort()).to.deep.equal(['blur', 'dpr', 'fit', 'height', 'position', 'quality', 'width']);
    });

    it('turns an exported secondary image port into an image URL parameter', async () => {
      const graph: GraphJson = {
        inports: { input: { process: 'comp', port: 'input' }, overlay: { process: 'comp', port: 'aux', metadata: { description: 'Drawn on top' } } },
        outports: { output: { process: 'comp', port: 'output' } },
        processes: { comp: { component: 'svg/src-over' } },
        connections: [],
      };
      const plan = compileGraph('g', graph, registry);
      expect(plan.parameters.get('overlay')!.spec).to.include({ type: 'image', description: 'Drawn on top', required: true });
      const missing = (() => { try { parseParams(plan, {}); } catch (e) { return e as ImgflowError; } })();
      expect(missing?.code).to.equal('IMGFLOW_ERR_PARAM_MISSING');
      expect(() => parseParams(plan, { overlay: 'file:///etc/passwd' })).to.throw(/image URL/);
      const red = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).png().toBuffer();
      const result = await runGraph(graph, await testPng(8, 8), 'png', { overlay: 'http://example.test/red.png' }, { overlay: red });
      expect([...(await pixels(result.bytes)).data.subarray(0, 4)]).to.deep.equal([255, 0, 0, 255]);
      expect(result.stats.decodes).to.equal(2);
    });

    it('limits the number of nodes', () => {
      const graph = chainGraph([['gegl/nop'], ['gegl/nop'], ['gegl/nop']]);
      const err = (() => { try { compileGraph('g', graph, registry, { maxNodes: 2 }); } catch (e) { return e as ImgflowError; } })();
      expect(err?.code).to.equal('IMGFLOW_ERR_GRAPH_TOO_LARGE');
      expect(err?.statusCode).to.equal(413);
    });
  });
});
