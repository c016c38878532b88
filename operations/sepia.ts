import { defineOperation } from './define.ts';
import { inUnit, point } from './kernels/descriptor.ts';
import { kLinearToSrgb, kSrgbToLinear, kTableLookup, SRGB_TABLE, srgbTables } from './kernels/color.ts';

/** The classic sepia tone matrix (rows: r, g, b). */
export const SEPIA = [0.393, 0.769, 0.189, 0.349, 0.686, 0.168, 0.272, 0.534, 0.131] as const;

export default defineOperation({
  name: 'sepia',
  title: 'Sepia',
  description: 'Tones the image brown like an old photograph, mixed with the original by scale',
  icon: 'coffee',
  category: 'color',
  inputs: { input: { description: 'Image to tone' } },
  params: {
    scale: { type: 'number', default: 1, min: 0, max: 1, description: 'Strength of the sepia effect, 0 (unchanged) to 1' },
    srgb: { type: 'boolean', default: true, description: 'Apply the matrix to sRGB-encoded values (true) or to linear light (false)' },
  },
  kernel: point({
    // the matrix, scale, and in linear mode the sRGB tables (a lookup instead of a Math.pow)
    uniforms: (p) => [...SEPIA, p.scale as number, ...(p.srgb === false ? srgbTables() : [])],
    // positive weights capped at 1, mixed in by a 0..1 scale
    range: (p) => (inUnit(p.scale ?? 1) ? 'keeps-unit' : undefined),
    source: (k, p) => {
      const lin = p.srgb === false;
      // the tables cover 0..1 only: other values take the exact curves
      const fast = k.unitIn && inUnit(p.scale ?? 1);
      const convert = (to: 'linear' | 'srgb') => (['r', 'g', 'b'] as const).map((c) => (fast
        ? kTableLookup(k.pAt, c, to === 'linear' ? 10 : 10 + SRGB_TABLE + 2, k.v(`${to}f${c}`), k.v(`${to}i${c}`))
        : to === 'linear' ? kSrgbToLinear(c) : kLinearToSrgb(c))).join('');
      const m = (i: number) => k.p(i);
      return `${lin ? convert('linear') : ''}
const ${k.v('r')} = Math.min(${m(0)} * r + ${m(1)} * g + ${m(2)} * b, 1.0);
const ${k.v('g')} = Math.min(${m(3)} * r + ${m(4)} * g + ${m(5)} * b, 1.0);
const ${k.v('b')} = Math.min(${m(6)} * r + ${m(7)} * g + ${m(8)} * b, 1.0);
r = r + (${k.v('r')} - r) * ${m(9)};
g = g + (${k.v('g')} - g) * ${m(9)};
b = b + (${k.v('b')} - b) * ${m(9)};
${lin ? convert('srgb') : ''}`;
    },
  }),
});
