import { defineOperation } from './define.ts';
import { point, type KernelSource } from './kernels/descriptor.ts';

/** Deterministic per-pixel random number in [0, 1): the classic fract(sin(dot) * 43758.5453) hash. */
export function hash01(x: number, y: number, seed: number, k: number): number {
  const v = Math.sin(x * 12.9898 + y * 78.233 + seed * 37.719 + k * 4.581) * 43758.5453;
  return v - Math.floor(v);
}

function kHash(k: KernelSource, n: number): string {
  const v = k.v(`h${n}`);
  return `const ${v}s = Math.sin(x * 12.9898 + y * 78.233 + ${k.p(3)} * 37.719 + ${n}.0 * 4.581) * 43758.5453;
const ${v} = ${v}s - Math.floor(${v}s);\n`;
}

export default defineOperation({
  name: 'noise',
  title: 'Colour Noise',
  description: 'Adds deterministic per-pixel noise to lightness, chroma and hue (in YCbCr, an approximation of GEGL noise-cie-lch); the same seed gives the same image',
  icon: 'random',
  category: 'filter',
  inputs: { input: { description: 'Image to add noise to' } },
  params: {
    'lightness-distance': { type: 'number', default: 40, min: 0, max: 100, description: 'Largest lightness change, in percent of full range' },
    'chroma-distance': { type: 'number', default: 40, min: 0, max: 100, description: 'Largest relative chroma change, in percent' },
    'hue-distance': { type: 'number', default: 3, min: 0, max: 180, unit: 'degrees', description: 'Largest hue rotation' },
    seed: { type: 'int', default: 0, min: 0, max: 1000000, description: 'Random seed' },
  },
  kernel: point({
    uniforms: (p) => [Number(p['lightness-distance'] ?? 40) / 100, Number(p['chroma-distance'] ?? 40) / 100, (Number(p['hue-distance'] ?? 3) * Math.PI) / 180, Number(p.seed ?? 0)],
    range: () => 'unit',
    source: (k) => {
      const [Y, cb, cr, s, hh, cs, sn, nb, nr] = ['Y', 'cb', 'cr', 's', 'hh', 'cs', 'sn', 'nb', 'nr'].map(k.v);
      return `${kHash(k, 0)}${kHash(k, 1)}${kHash(k, 2)}
const ${Y} = 0.2126 * r + 0.7152 * g + 0.0722 * b + (${k.v('h0')} * 2.0 - 1.0) * ${k.p(0)};
const ${cb} = (b - (0.2126 * r + 0.7152 * g + 0.0722 * b)) / 1.8556;
const ${cr} = (r - (0.2126 * r + 0.7152 * g + 0.0722 * b)) / 1.5748;
const ${s} = 1.0 + (${k.v('h1')} * 2.0 - 1.0) * ${k.p(1)};
const ${hh} = (${k.v('h2')} * 2.0 - 1.0) * ${k.p(2)};
const ${cs} = Math.cos(${hh}); const ${sn} = Math.sin(${hh});
const ${nb} = (${cb} * ${cs} - ${cr} * ${sn}) * ${s};
const ${nr} = (${cb} * ${sn} + ${cr} * ${cs}) * ${s};
r = Math.min(Math.max(${Y} + 1.5748 * ${nr}, 0.0), 1.0);
b = Math.min(Math.max(${Y} + 1.8556 * ${nb}, 0.0), 1.0);
g = Math.min(Math.max((${Y} - 0.2126 * (${Y} + 1.5748 * ${nr}) - 0.0722 * (${Y} + 1.8556 * ${nb})) / 0.7152, 0.0), 1.0);\n`;
    },
  }),
});
