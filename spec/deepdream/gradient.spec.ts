import { expect } from 'chai';
import { createGpujsBackend, createTfjsBackend, loadNet, meanSquareObjective, objectiveGradient, subnet, type Objective, type TensorBackend } from '../../operations/deepdream/index.ts';
import { liveChannel, noiseInput, relativeL2 } from './helpers.ts';

/** Central difference of the loss along the unit vector of `grad`, against |grad|. */
async function directionalError(backend: TensorBackend<any>, layer: string, x: Float32Array, s: number, grad: Float32Array, eps: number, objective: Objective): Promise<number> {
  const nodes = subnet(loadNet(), layer);
  let norm = 0;
  for (const g of grad) norm += g * g;
  norm = Math.sqrt(norm);
  const at = async (sign: number) => (await objectiveGradient(backend, nodes, x.map((v, i) => v + (sign * eps * grad[i]) / norm), s, s, objective)).loss;
  const fd = ((await at(1)) - (await at(-1))) / (2 * eps);
  return Math.abs(fd - norm) / norm;
}

describe('deepdream input gradients', function () {
  this.timeout(120000);
  let cpu: TensorBackend<any>;
  let gpu: TensorBackend<any>;

  before(async () => {
    cpu = await createTfjsBackend();
    gpu = await createGpujsBackend('cpu');
  });

  // 48 px reaches mixed0 (5x5 spatial); 75 px reaches mixed3-5 (3x3), through every op kind:
  // strided valid convs, same convs 1x1, 3x3, 5x5, 1x7, 7x1, max and avg pools, concats.
  for (let [layer, size, channel] of [['mixed0', 48, -1], ['mixed0', 48, 0], ['mixed3', 75, -1], ['mixed5', 75, 0]] as [string, number, number][]) {
    it(`cpu and gpu backends agree on ${layer}${channel >= 0 ? ' (one channel)' : ''} at ${size} px (relative L2 < 1e-4)`, async () => {
      const nodes = subnet(loadNet(), layer);
      const x = noiseInput(size, size);
      // A single-channel objective needs a channel that fires on this input.
      if (channel >= 0) channel = await liveChannel(cpu, nodes, x, size, size);
      const a = await objectiveGradient(cpu, nodes, x, size, size, meanSquareObjective(channel));
      const b = await objectiveGradient(gpu, nodes, x, size, size, meanSquareObjective(channel));
      expect(Math.abs(a.loss - b.loss) / a.loss).to.be.below(1e-5);
      expect(relativeL2(a.grad, b.grad)).to.be.below(1e-4);
      expect(a.grad.some((v) => v !== 0)).to.equal(true);
    });
  }

  it('cpu gradient matches finite differences on mixed0 at 48 px (relative error < 1e-2)', async () => {
    const x = noiseInput(48, 48, 3);
    const obj = meanSquareObjective(-1);
    const { grad } = await objectiveGradient(cpu, subnet(loadNet(), 'mixed0'), x, 48, 48, obj);
    for (const eps of [3e-3, 1e-2]) expect(await directionalError(cpu, 'mixed0', x, 48, grad, eps, obj), `eps ${eps}`).to.be.below(1e-2);
  });

  it('gpu gradient matches finite differences on mixed0 at 48 px (relative error < 1e-2)', async () => {
    const x = noiseInput(48, 48, 4);
    const obj = meanSquareObjective(-1);
    const { grad } = await objectiveGradient(gpu, subnet(loadNet(), 'mixed0'), x, 48, 48, obj);
    expect(await directionalError(gpu, 'mixed0', x, 48, grad, 3e-3, obj)).to.be.below(1e-2);
  });

  it('cpu gradient matches finite differences on mixed3 at 75 px (relative error < 1e-2)', async () => {
    const x = noiseInput(75, 75, 5);
    const obj = meanSquareObjective(-1);
    const { grad } = await objectiveGradient(cpu, subnet(loadNet(), 'mixed3'), x, 75, 75, obj);
    expect(await directionalError(cpu, 'mixed3', x, 75, grad, 3e-3, obj)).to.be.below(1e-2);
  });

  it('the gpu backend ran gpu.js kernels (CPUKernel in this mode)', () => {
    expect(gpu.description).to.match(/gpu\.js cpu \(CPUKernel\)/);
  });
});
