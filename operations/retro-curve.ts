/**
 * imgflo's retro-curve (imgflo-components-extra; the same operation as GNOME Photos'
 * insta-curve), which imgflo's `retro` graph fades over the original. Its presets prog, indie,
 * batcave and country are the 1977, Brannan, Gotham and Nashville looks.
 *
 * What GEGL runs for an 8-bit input (imgflo's graphs got one: its jpg and png loaders give
 * R'G'B' u8, and retro-curve then takes its u8 path), in sRGB-encoded values:
 * - country first raises contrast (x 1.1 around the middle) and lowers brightness (-0.05) on
 *   red only, truncated to 8 bits: the u8 path computes green and blue's adjusted values and
 *   then stores the unadjusted ones (an imgflo quirk, kept: its float path adjusts all three);
 * - each channel goes through its curve (here the fitted points of kernels/curves.ts);
 * - indie then moves each channel 10% of the way to the pixel's largest one, in whole 8-bit
 *   steps rounded half up (imgflo's saturation push; its float path rounds every push to 0).
 * The result is opaque, as GEGL's: both paths work in R'G'B' (no alpha), so an R'G'B'A input
 * loses its alpha (none passes the input through, alpha and all).
 * spec/imgflo/gegl-operations.spec.ts compares every preset with GEGL's output.
 */
import { defineOperation } from './define.ts';
import { point } from './kernels/descriptor.ts';
import { paddedTables } from './kernels/curves.ts';

export const RETRO_PRESETS = ['none', 'prog', 'indie', 'batcave', 'country'];

export default defineOperation({
  name: 'retro-curve',
  title: 'Retro Curve',
  description: "imgflo's retro-curve: preset colour curves (prog, indie, batcave, country: the 1977, Brannan, Gotham and Nashville looks) with its contrast and saturation steps, as GEGL runs it on 8-bit images; the result is opaque, as GEGL's",
  icon: 'line-chart',
  category: 'color',
  inputs: { input: { description: 'Image to tone' } },
  params: {
    preset: { type: 'enum', values: RETRO_PRESETS, default: 'none', description: 'Curve preset: none, prog, indie, batcave or country' },
  },
  identity: (p) => (p.preset ?? 'none') === 'none',
  kernel: point({
    // 3 x 257 lookup table (each channel's last entry repeated so index i0 + 1 needs no clamp)
    uniforms: (p) => paddedTables(String(p.preset ?? 'none')),
    // the tables are 0..1 (the lookups clamp their index); the push stays between a channel and
    // the max; none changes nothing
    range: (p) => (String(p.preset ?? 'none') === 'none' ? 'keeps-unit' : 'unit'),
    writesAlpha: (p) => String(p.preset ?? 'none') !== 'none',
    source: (k, p) => {
      const preset = String(p.preset ?? 'none');
      if (preset === 'none') return '';
      let src = 'a = 1.0;\n';
      const index: Record<string, string> = { r: `${k.unit('r')} * 255.0`, g: `${k.unit('g')} * 255.0`, b: `${k.unit('b')} * 255.0` };
      if (preset === 'country') {
        // imgflo's u8 path: red only, (x - 0.5) x 1.1 - 0.05 + 0.5, clamped, truncated to 8 bits
        // (the offset: where imgflo's float32 result is a whole k, ours may land a hair below it)
        const q = k.v('q');
        src += `const ${q} = Math.floor(Math.min(Math.max((${k.unit('r')} - 0.5) * 1.1 + 0.45, 0.0), 1.0) * 255.0 + 0.0001);\n`;
        index.r = q;
      }
      src += (['r', 'g', 'b'] as const).map((c, n) => {
        const [f, i0] = ['f', 'i0'].map((x) => k.v(x + c));
        return `const ${f} = ${index[c]};
const ${i0} = Math.floor(${f});
${c} = ${k.pAt(`${n * 257} + ${i0}`)} + (${k.pAt(`${n * 257 + 1} + ${i0}`)} - ${k.pAt(`${n * 257} + ${i0}`)}) * (${f} - ${i0});\n`;
      }).join('');
      if (preset === 'indie') {
        // imgflo's saturation push: each channel += round((max - channel) x 0.1) in 8-bit steps
        const m = k.v('m');
        src += `const ${m} = Math.max(r, Math.max(g, b));\n`;
        src += ['r', 'g', 'b'].map((c) => `${c} = ${c} + Math.floor((${m} - ${c}) * 25.5 + 0.5) / 255.0;\n`).join('');
      }
      return src;
    },
  }),
});
