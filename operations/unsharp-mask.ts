import { defineOperation } from './define.ts';
import { neighbourhood } from './kernels/descriptor.ts';

export const UNSHARP_MAX_RADIUS = 30;

/** Radius (3 sigma, capped) and the normalised 1D Gaussian weights w[0..radius]. */
export function gaussianWeights(stdDev: number): { radius: number; weights: number[] } {
  if (stdDev <= 0) return { radius: 0, weights: [1] };
  const radius = Math.min(UNSHARP_MAX_RADIUS, Math.ceil(3 * stdDev));
  const raw = Array.from({ length: radius + 1 }, (_, i) => Math.exp(-(i * i) / (2 * stdDev * stdDev)));
  const sum = raw[0] + 2 * raw.slice(1).reduce((s, v) => s + v, 0);
  return { radius, weights: raw.map((v) => v / sum) };
}

export default defineOperation({
  name: 'unsharp-mask',
  title: 'Unsharp Mask',
  description: 'Sharpens by adding back the difference between the image and a Gaussian blur of it',
  icon: 'eye',
  category: 'filter',
  inputs: { input: { description: 'Image to sharpen' } },
  params: {
    'std-dev': { type: 'number', default: 3, min: 0, max: 10, unit: 'px', description: 'Standard deviation of the blur (the radius of the effect); the window is capped at 30 px' },
    scale: { type: 'number', default: 0.5, min: 0, max: 10, description: 'Amount of the difference added back' },
    threshold: { type: 'number', default: 0, min: 0, max: 1, description: 'Differences smaller than this (0..1) are left alone' },
  },
  kernel: neighbourhood({
    // radius, scale, threshold, then 31 weights (unused ones 0) so every std-dev shares a kernel
    uniforms: (p) => {
      const { radius, weights } = gaussianWeights(Number(p['std-dev'] ?? 3));
      const w = new Array(UNSHARP_MAX_RADIUS + 1).fill(0);
      weights.forEach((v, i) => { w[i] = v; });
      return [radius, Number(p.scale ?? 0.5), Number(p.threshold ?? 0), ...w];
    },
    source: (k) => {
      const [br, bg, bb, jj, ii, dx, dy, wt] = ['br', 'bg', 'bb', 'jj', 'ii', 'dx', 'dy', 'wt'].map(k.v);
      let s = `let ${br} = 0.0; let ${bg} = 0.0; let ${bb} = 0.0;
for (let ${jj} = 0; ${jj} <= 2.0 * ${k.p(0)}; ${jj}++) {
  const ${dy} = ${jj} - ${k.p(0)};
  for (let ${ii} = 0; ${ii} <= 2.0 * ${k.p(0)}; ${ii}++) {
    const ${dx} = ${ii} - ${k.p(0)};
    const ${wt} = ${k.pAt(`3 + Math.abs(${dx})`)} * ${k.pAt(`3 + Math.abs(${dy})`)};
    ${br} += ${k.img(dx, dy, 0)} * ${wt};
    ${bg} += ${k.img(dx, dy, 1)} * ${wt};
    ${bb} += ${k.img(dx, dy, 2)} * ${wt};
  }
}\n`;
      for (const [c, bl] of [['r', br], ['g', bg], ['b', bb]]) {
        const d = k.v(`d${c}`);
        s += `const ${d} = ${c} - ${bl};
if (Math.abs(${d}) >= ${k.p(2)}) { ${c} = Math.min(Math.max(${c} + ${k.p(1)} * ${d}, 0.0), 1.0); }\n`;
      }
      return s;
    },
  }),
});
