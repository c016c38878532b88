import { defineOperation } from './define.ts';
import { point } from './kernels/descriptor.ts';

export default defineOperation({
  name: 'levels',
  title: 'Levels',
  description: 'Stretches the input range in-low..in-high to out-low..out-high with a gamma on the way',
  icon: 'sliders',
  category: 'color',
  inputs: { input: { description: 'Image to adjust' } },
  params: {
    'in-low': { type: 'number', default: 0, min: 0, max: 1, description: 'Input value that becomes out-low' },
    'in-high': { type: 'number', default: 1, min: 0, max: 1, description: 'Input value that becomes out-high' },
    gamma: { type: 'number', default: 1, min: 0.1, max: 10, description: 'Midtone gamma: above 1 brightens, below 1 darkens' },
    'out-low': { type: 'number', default: 0, min: 0, max: 1, description: 'Output value for in-low and below' },
    'out-high': { type: 'number', default: 1, min: 0, max: 1, description: 'Output value for in-high and above' },
  },
  kernel: point({
    uniforms: (p) => [Number(p['in-low'] ?? 0), Number(p['in-high'] ?? 1), 1 / Number(p.gamma ?? 1), Number(p['out-low'] ?? 0), Number(p['out-high'] ?? 1)],
    source: (k) => ['r', 'g', 'b'].map((c) =>
      `${c} = Math.min(Math.max((${c} - ${k.p(0)}) / Math.max(${k.p(1)} - ${k.p(0)}, 0.000001), 0.0), 1.0);
${c} = ${k.p(3)} + Math.pow(${c}, ${k.p(2)}) * (${k.p(4)} - ${k.p(3)});\n`).join(''),
  }),
});
