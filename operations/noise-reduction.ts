import { defineOperation } from './define.ts';
import { neighbourhood } from './kernels/descriptor.ts';

/** The 8 neighbours of a pixel. */
export const NEIGHBOURS = [[-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]] as const;

export default defineOperation({
  name: 'noise-reduction',
  title: 'Noise Reduction',
  description: "Edge-preserving smoothing: each pass averages a pixel with the neighbours whose value is close to it (within threshold), so noise fades and edges stay. GEGL's noise-reduction is anisotropic-smoothing",
  icon: 'magic',
  category: 'filter',
  inputs: { input: { description: 'Image to denoise' } },
  params: {
    iterations: { type: 'int', default: 4, min: 0, max: 32, description: 'Number of smoothing passes; more is smoother' },
    threshold: { type: 'number', default: 0.12, min: 0.01, max: 1, description: 'Differences above this (0..1) count as edges and are not smoothed' },
  },
  kernel: neighbourhood({
    repeat: (p) => Number(p.iterations ?? 4),
    uniforms: (p) => [1 / Number(p.threshold ?? 0.12)],
    source: (k) => ['r', 'g', 'b'].map((c, n) => {
      const acc = k.v(`acc${c}`), ws = k.v(`ws${c}`);
      let s = `let ${acc} = 0.0; let ${ws} = 1.0;\n`;
      NEIGHBOURS.forEach(([dx, dy], j) => {
        const d = k.v(`d${c}${j}`), wt = k.v(`w${c}${j}`);
        s += `const ${d} = ${k.img(String(dx), String(dy), n)} - ${c};
const ${wt} = Math.max(1.0 - Math.abs(${d}) * ${k.p(0)}, 0.0);
${acc} += ${wt} * ${d}; ${ws} += ${wt};\n`;
      });
      return s + `${c} = ${c} + ${acc} / ${ws};\n`;
    }).join(''),
  }),
});
