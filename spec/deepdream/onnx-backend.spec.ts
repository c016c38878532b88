import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { createOnnxBackend, onnxAvailable, sessionLimit } from '../../operations/deepdream/onnx/backend-onnx.ts';
import { SessionCache } from '../../operations/deepdream/onnx/session-cache.ts';
import { createTfjsBackend, dream, engineStatus, forward, loadNet, meanSquareObjective, objectiveGradient, selectBackend, subnet, type Objective, type TensorBackend } from '../../operations/deepdream/index.ts';
import { liveChannel, noiseInput, picture, relativeL2 } from './helpers.ts';

/** Central difference of the loss along the unit vector of `grad`, against |grad|. */
async function directionalError(backend: TensorBackend<any>, layer: string, x: Float32Array, s: number, grad: Float32Array, eps: number, objective: Objective): Promise<number> {
  const nodes = subnet(loadNet(), layer);
  let norm = 0;
  for (const g of grad) norm += g * g;
  norm = Math.sqrt(norm);
  const at = async (sign: number) => (await objectiveGradient(backend, nodes, x.map((v, i) => v + (sign * eps * grad[i]) / norm), s, s, objective)).loss;
  return Math.abs(((await at(1)) - (await at(-1))) / (2 * eps) - norm) / norm;
}

function gradientInWorker(backend: string, layer: string, size: number, seed: number): Promise<{ description: string; loss: number; grad: Float32Array }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./threaded-gradient-worker.mjs', import.meta.url), { workerData: { backend, threads: 2, layer, size, seed } });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('deepdream onnx backend (onnxruntime-node, forward + input gradient as one graph)', function () {
  this.timeout(120000);
  let onnx: TensorBackend<any>;
  let tfjs: TensorBackend<any>;

  before(async () => {
    onnx = await createOnnxBackend();
    tfjs = await createTfjsBackend();
  });

  it('loads, and is what cpu and onnx run (tfjs chooses tfjs-wasm)', async () => {
    expect(await onnxAvailable()).to.equal(true);
    expect(onnx.description).to.match(/^onnxruntime-node \d+\.\d+\.\d+ \(MLAS, \d+ intra-op thread/);
    expect(await selectBackend('onnx')).to.equal(onnx);
    expect(await selectBackend('cpu')).to.equal(onnx);
    expect(engineStatus()).to.deep.equal({ requested: 'cpu', engine: onnx.description });
    expect(await selectBackend('tfjs')).to.equal(tfjs);
    expect(engineStatus()).to.deep.equal({ requested: 'tfjs', engine: tfjs.description });
    expect(onnx.wholeGradient).to.be.a('function');
  });

  // The same cases as the cpu/gpu agreement spec: every op kind on the way to mixed0, mixed3, mixed5.
  for (let [layer, size, channel] of [['mixed0', 48, -1], ['mixed0', 48, 0], ['mixed3', 75, -1], ['mixed5', 75, 0], ['mixed2', 64, -1]] as [string, number, number][]) {
    it(`onnx and tfjs-wasm agree on ${layer}${channel >= 0 ? ' (one channel)' : ''} at ${size} px (loss 1e-5, gradient relative L2 < 1e-4)`, async () => {
      const nodes = subnet(loadNet(), layer);
      const x = noiseInput(size, size);
      if (channel >= 0) channel = await liveChannel(tfjs, nodes, x, size, size);
      const a = await objectiveGradient(tfjs, nodes, x, size, size, meanSquareObjective(channel));
      const b = await objectiveGradient(onnx, nodes, x, size, size, meanSquareObjective(channel));
      expect(Math.abs(a.loss - b.loss) / a.loss).to.be.below(1e-5);
      expect(relativeL2(a.grad, b.grad)).to.be.below(1e-4);
      expect(b.grad.some((v) => v !== 0)).to.equal(true);
    });
  }

  it('agrees on a non-square input with odd sides (strided conv and max-pool edges)', async () => {
    const nodes = subnet(loadNet(), 'mixed1');
    const [h, w] = [77, 90];
    const x = noiseInput(h, w, 9);
    const a = await objectiveGradient(tfjs, nodes, x, h, w, meanSquareObjective());
    const b = await objectiveGradient(onnx, nodes, x, h, w, meanSquareObjective());
    expect(Math.abs(a.loss - b.loss) / a.loss).to.be.below(1e-5);
    expect(relativeL2(a.grad, b.grad)).to.be.below(1e-4);
  });

  it('gradient matches finite differences on mixed0 at 48 px and mixed3 at 75 px (relative error < 1e-2)', async () => {
    for (const [layer, s, seed] of [['mixed0', 48, 3], ['mixed3', 75, 5]] as [string, number, number][]) {
      const x = noiseInput(s, s, seed);
      const obj = meanSquareObjective(-1);
      const { grad } = await objectiveGradient(onnx, subnet(loadNet(), layer), x, s, s, obj);
      expect(await directionalError(onnx, layer, x, s, grad, 3e-3, obj), layer).to.be.below(1e-2);
    }
  });

  it('dreams the same as tfjs-wasm: objective curve within 1%, pixels within a few levels', async () => {
    const img = await picture(96, 80);
    const curves: number[][] = [];
    const outs = [];
    for (const backend of [tfjs, onnx]) {
      const losses: number[] = [];
      outs.push(await dream(img, { layer: 'mixed3', octaves: 2, iterations: 4, backend }, (_, d) => losses.push(d.loss)));
      curves.push(losses);
    }
    expect(curves[1]).to.have.length(8);
    curves[1].forEach((l, i) => expect(Math.abs(l - curves[0][i]) / curves[0][i], `step ${i}`).to.be.below(0.01));
    let worst = 0;
    for (let i = 0; i < outs[0].data.length; i++) worst = Math.max(worst, Math.abs(outs[0].data[i] - outs[1].data[i]));
    expect(worst).to.be.at.most(3);
    expect(outs[1].data.equals(img.data)).to.equal(false);
  });

  it('runs guided dreams op by op (the guide objective is not a graph) and forward passes for guide features', async () => {
    const nodes = subnet(loadNet(), 'mixed0');
    const x = noiseInput(48, 48, 11);
    const [a, b] = [await forward(tfjs, nodes, x, 48, 48), await forward(onnx, nodes, x, 48, 48)];
    expect(relativeL2(a.activation, b.activation)).to.equal(0);
    const losses: number[] = [];
    await dream(await picture(64, 64), { layer: 'mixed0', octaves: 1, iterations: 3, jitter: 0, guide: await picture(48, 48), backend: onnx }, (_, d) => losses.push(d.loss));
    expect(losses[2]).to.be.above(losses[0]);
  });

  it('computes in a worker thread (the compute pool) the gradient the main thread computes', async () => {
    const inWorker = await gradientInWorker('onnx', 'mixed0', 64, 3);
    expect(inWorker.description).to.match(/^onnxruntime-node .*2 intra-op thread/);
    const here = await objectiveGradient(onnx, subnet(loadNet(), 'mixed0'), noiseInput(64, 64, 3), 64, 64, meanSquareObjective());
    expect(Math.abs(inWorker.loss - here.loss) / here.loss).to.be.below(1e-6);
    expect(relativeL2(here.grad, inWorker.grad)).to.be.below(1e-5);
  });

  it('keeps at most IMGFLOW_DEEPDREAM_ONNX_SESSIONS sessions (default 6) and refuses a bad value', () => {
    expect(sessionLimit(undefined)).to.equal(6);
    expect(sessionLimit('2')).to.equal(2);
    expect(() => sessionLimit('0')).to.throw(/IMGFLOW_DEEPDREAM_ONNX_SESSIONS/);
    expect(() => sessionLimit('x')).to.throw(/IMGFLOW_DEEPDREAM_ONNX_SESSIONS/);
  });

  it('releases the least recently used idle session past the limit, never one that is running', async () => {
    const released: string[] = [];
    const made: string[] = [];
    const cache = new SessionCache<{ release(): Promise<void> }>(2);
    const create = (k: string) => async () => (made.push(k), { release: async () => void released.push(k) });
    const use = (k: string) => cache.use(k, create(k), async () => k);
    await use('a');
    await use('b');
    await use('a'); // a is now the most recent
    await use('c');
    await new Promise((r) => setImmediate(r));
    expect(released).to.deep.equal(['b']);
    expect(made).to.deep.equal(['a', 'b', 'c']);
    let finish!: () => void;
    const running = cache.use('d', create('d'), () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setImmediate(r));
    await use('e'); // a and c idle go; d is running
    await new Promise((r) => setImmediate(r));
    expect(released).to.deep.equal(['b', 'a', 'c']);
    finish();
    await running;
    expect(cache.size).to.equal(2);
    const failed = await cache.use('f', async () => Promise.reject(new Error('bad model')), async () => 1).catch((e: Error) => e.message);
    expect(failed).to.equal('bad model');
    await new Promise((r) => setImmediate(r));
    expect(cache.size).to.equal(2); // the failed build is not kept
  });
});
