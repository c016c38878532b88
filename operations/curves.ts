import { defineOperation } from './define.ts';
import { inUnit, point } from './kernels/descriptor.ts';
import { CURVE_PRESET_NAMES, paddedTables } from './kernels/curves.ts';

export default defineOperation({
  name: 'curves',
  title: 'Curves',
  description: 'Maps red, green and blue through preset tone curves (the retro and Instagram-like looks), mixed with the original by strength',
  icon: 'line-chart',
  category: 'color',
  inputs: { input: { description: 'Image to tone' } },
  params: {
    preset: { type: 'enum', values: CURVE_PRESET_NAMES, default: 'none', description: 'Curve set: none (identity), the retro looks prog/indie/batcave/country (the curve step of retro-curve alone), or the Instagram-like 1977/brannan/hefe/lordkelvin/nashville/xproii' },
    strength: { type: 'number', default: 1, min: 0, max: 1, description: 'Mix of the curved colours over the original, 0 (original) to 1' },
  },
  kernel: point({
    // 3 x 257 lookup table (master curve folded in; each channel's last entry repeated so
    // index i0 + 1 needs no clamp), then strength
    uniforms: (p) => [...paddedTables(String(p.preset ?? 'none')), Number(p.strength ?? 1)],
    // table values are 0..1, so a mix of them with 0..1 input stays there
    range: (p) => (inUnit(p.strength ?? 1) ? 'keeps-unit' : undefined),
    source: (k) => (['r', 'g', 'b'] as const).map((c, n) => {
      const [f, i0, o] = ['f', 'i0', 'o'].map((x) => k.v(x + c));
      return `const ${f} = ${k.unit(c)} * 255.0;
const ${i0} = Math.floor(${f});
const ${o} = ${k.pAt(`${n * 257} + ${i0}`)} + (${k.pAt(`${n * 257 + 1} + ${i0}`)} - ${k.pAt(`${n * 257} + ${i0}`)}) * (${f} - ${i0});
${c} = ${c} + (${o} - ${c}) * ${k.p(771)};\n`;
    }).join(''),
  }),
});
