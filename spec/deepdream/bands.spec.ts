import { expect } from 'chai';
import { createTfjsBackend, dream, inferShapes, loadNet, meanSquareObjective, objectiveGradient, resolveDreamOptions, subnet } from '../../operations/deepdream/index.ts';
import { bandGradient } from '../../operations/deepdream/band-pool.ts';
import { crop } from '../../operations/deepdream/image-array.ts';
import { bandObjective, planRowBands, rowReach } from '../../operations/deepdream/row-bands.ts';
import { noiseInput, picture, relativeL2 } from './helpers.ts';

describe('deepdream row bands (one gradient on several threads)', function () {
  this.timeout(120000);

  // Shapes where bands save work: tall enough that a band reads clearly less than the image.
  for (const [layer, h, w] of [['mixed0', 230, 48], ['mixed3', 420, 76], ['mixed4', 640, 76]] as const) {
    it(`the bands' losses and gradients add up to the whole image's on ${layer} at ${w}x${h}`, async () => {
      const nodes = subnet(loadNet(), layer);
      const backend = await createTfjsBackend();
      const x = noiseInput(h, w, 11);
      const whole = await objectiveGradient(backend, nodes, x, h, w, meanSquareObjective());
      const bands = planRowBands(nodes, h, w, 2);
      expect(bands).to.have.length(2);
      const layerRows = inferShapes(nodes, h, w).get(layer)![0];
      expect(bands[0].own[0]).to.equal(0);
      expect(bands[0].own[1]).to.equal(bands[1].own[0]);
      expect(bands[1].own[1]).to.equal(layerRows);
      for (const b of bands) expect(b.input[1] - b.input[0]).to.be.below(0.9 * h);
      const grad = new Float32Array(x.length);
      let loss = 0;
      for (const b of bands) {
        const rows = b.input[1] - b.input[0];
        const r = await objectiveGradient(backend, nodes, crop(x, w, 3, b.input[0], 0, rows, w), rows, w, bandObjective(meanSquareObjective(), b, layerRows));
        r.grad.forEach((g, i) => (grad[b.input[0] * w * 3 + i] += g));
        loss += r.loss;
      }
      expect(Math.abs(loss - whole.loss) / whole.loss).to.be.below(1e-6);
      expect(relativeL2(whole.grad, grad)).to.be.below(1e-5);
    });
  }

  it('reads the receptive field of mixed3 from the net (stride 16, 159 input rows per layer row)', () => {
    const r = rowReach(subnet(loadNet(), 'mixed3'));
    expect(r.stride).to.equal(16);
    expect(r.hi - r.lo + 1).to.equal(159);
  });

  it('keeps short images whole (bands would read nearly all of it)', () => {
    const nodes = subnet(loadNet(), 'mixed3');
    const rows = inferShapes(nodes, 131, 131).get('mixed3')![0];
    expect(planRowBands(nodes, 131, 131, 2)).to.deep.equal([{ input: [0, 131], own: [0, rows], ownInBand: [0, rows] }]);
  });

  it('computes the bands in worker threads with the same result as one thread', async () => {
    const nodes = subnet(loadNet(), 'mixed3');
    const [h, w] = [420, 76];
    const x = noiseInput(h, w, 5);
    const whole = await objectiveGradient(await createTfjsBackend(), nodes, x, h, w, meanSquareObjective(3));
    const split = await bandGradient(nodes, x, h, w, { threads: 2, cacheDir: resolveDreamOptions({}).cacheDir, layer: 'mixed3', objective: { kind: 'mean-square', channel: 3 } });
    expect(split).to.not.equal(undefined);
    expect(Math.abs(split!.loss - whole.loss) / whole.loss).to.be.below(1e-6);
    expect(relativeL2(whole.grad, split!.grad)).to.be.below(1e-5);
  });

  it('dreams the same on 2 threads as on 1 (objective curve within 1e-4, pixels within rounding)', async () => {
    const img = await picture(76, 420);
    const run = async (threads: number) => {
      const losses: number[] = [];
      const out = await dream(img, { layer: 'mixed3', octaves: 1, iterations: 2, backend: 'cpu', threads }, (_, d) => losses.push(d.loss));
      return { out, losses };
    };
    const one = await run(1);
    const two = await run(2);
    two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]) / one.losses[i], `step ${i}`).to.be.below(1e-4));
    let worst = 0;
    for (let i = 0; i < one.out.data.length; i++) worst = Math.max(worst, Math.abs(one.out.data[i] - two.out.data[i]));
    expect(worst).to.be.at.most(1);
  });

  it('takes the thread count from IMGFLOW_DEEPDREAM_THREADS, else the CPU count', () => {
    expect(resolveDreamOptions({}, { IMGFLOW_DEEPDREAM_THREADS: '3' }).threads).to.equal(3);
    expect(resolveDreamOptions({ threads: 1 }, { IMGFLOW_DEEPDREAM_THREADS: '3' }).threads).to.equal(1);
    expect(resolveDreamOptions({}, {}).threads).to.be.at.least(1);
    expect(() => resolveDreamOptions({}, { IMGFLOW_DEEPDREAM_THREADS: '0' })).to.throw(/IMGFLOW_DEEPDREAM_THREADS/);
  });
});
