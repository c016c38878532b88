import { defineOperation } from './define.ts';
import { point } from './kernels/descriptor.ts';

export default defineOperation({
  name: 'posterize',
  title: 'Posterize',
  description: 'Reduces each colour channel to a number of evenly spaced levels',
  icon: 'align-justify',
  category: 'color',
  inputs: { input: { description: 'Image to posterize' } },
  params: {
    levels: { type: 'int', default: 8, min: 2, max: 256, description: 'Number of levels per channel' },
  },
  kernel: point({
    // [steps, 1 / steps]: a multiply instead of a division per channel
    uniforms: (p) => [Number(p.levels ?? 8) - 1, 1 / (Number(p.levels ?? 8) - 1)],
    range: () => 'unit',
    // floor(v + 0.5), not Math.round: half up on every backend (WGSL's round() is half to
    // even)
    source: (k) => (['r', 'g', 'b'] as const).map((c) =>
      `${c} = Math.floor(${k.unit(c)} * ${k.p(0)} + 0.5) * ${k.p(1)};\n`).join(''),
  }),
});
