import { expect } from 'chai';
import { createGpujsBackend, createTfjsBackend, dream, type TensorBackend } from '../../operations/deepdream/index.ts';
import { picture } from './helpers.ts';

describe('deepdream gpu backend (gpu.js kernels, cpu mode)', function () {
  this.timeout(120_000);

  it('dreams the same as the cpu backend on a small image (objective within 1e-3, pixels within 1 level)', async () => {
    const img = await picture(48, 48);
    const opts = { layer: 'mixed0' as const, octaves: 1, iterations: 2, jitter: 8, seed: 5 };
    const run = async (backend: TensorBackend<any>) => {
      const losses: number[] = [];
      const out = await dream(img, { ...opts, backend }, (_, d) => losses.push(d.loss));
      return { out, losses };
    };
    const cpu = await run(await createTfjsBackend());
    const gpu = await run(await createGpujsBackend('cpu'));
    expect(gpu.losses).to.have.length(2);
    gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]) / cpu.losses[i], `step ${i}`).to.be.below(1e-3));
    let worst = 0;
    let changed = 0;
    for (let i = 0; i < img.data.length; i++) {
      worst = Math.max(worst, Math.abs(gpu.out.data[i] - cpu.out.data[i]));
      if (cpu.out.data[i] !== img.data[i]) changed++;
    }
    expect(worst).to.be.at.most(1);
    expect(changed).to.be.above(img.data.length / 4); // the dream did change the picture
  });
});
