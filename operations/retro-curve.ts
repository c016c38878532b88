/**
 * imgflo's retro-curve (imgflo-components-extra; the same operation as GNOME Photos'
 * insta-curve), which imgflo's `retro` graph fades over the original. Its presets prog, indie,
 * batcave and country are the 1977, Brannan, Gotham and Nashville looks.
 *
 * GEGL ran one of two code paths, by the type of what came in, and `path` picks which:
 *
 * `u8`: what imgflo ran for a request without width/height (its jpg and png loaders give R'G'B'
 * u8), in sRGB-encoded values:
 * - country first raises contrast (x 1.1 around the middle) and lowers brightness (-0.05) on
 *   red only, truncated to 8 bits: the u8 path computes green and blue's adjusted values and
 *   then stores the unadjusted ones (an imgflo quirk, kept);
 * - each channel goes through its curve (here the fitted points of kernels/curves.ts);
 * - indie then moves each channel 10% of the way to the pixel's largest one, in whole 8-bit
 *   steps rounded half up (imgflo's saturation push).
 *
 * `float`: what imgflo ran when the request had width or height (its scale-size-keepaspect
 * handed GEGL floats; the runtime sets this path for those requests, runtime/compiler.ts):
 * - country's contrast/brightness on all three channels, unclamped; a value it takes below 0
 *   (an input under 23/255) indexes the table through a C cast of a negative float to guint8,
 *   which wraps (gcc on x86-64, as GEGL ran it): such dark pixels come out near white, as in
 *   imgflo;
 * - the curve is read between table entries, then truncated to a whole table value;
 * - indie's push is cast to guint8 from floats in 0..1, so it is always 0: no push.
 *
 * The result is opaque, as GEGL's: both paths work in R'G'B' (no alpha), so an R'G'B'A input
 * loses its alpha (none passes the input through, alpha and all).
 * spec/imgflo/gegl-operations.spec.ts compares every preset, both paths, with GEGL's output.
 */
import { defineOperation } from './define.ts';
import { point, type KernelSource } from './kernels/descriptor.ts';
import { paddedTables } from './kernels/curves.ts';

const RETRO_PRESETS = ['none', 'prog', 'indie', 'batcave', 'country'];
const RETRO_PATHS = ['u8', 'float'];

/** The float path reads whole table values (imgflo's tables are integers): ours, rounded. */
const wholeTables = new Map<string, number[]>();
function roundedTables(preset: string): number[] {
  let t = wholeTables.get(preset);
  if (!t) wholeTables.set(preset, (t = paddedTables(preset).map((v) => Math.round(v * 255))));
  return t;
}

export default defineOperation({
  name: 'retro-curve',
  title: 'Retro Curve',
  description: "imgflo's retro-curve: preset colour curves (prog, indie, batcave, country: the 1977, Brannan, Gotham and Nashville looks) with its contrast and saturation steps, as GEGL ran it on 8-bit input (path u8) or on the floats imgflo's resize gave it (path float); the result is opaque, as GEGL's",
  icon: 'line-chart',
  category: 'color',
  inputs: { input: { description: 'Image to tone' } },
  params: {
    preset: { type: 'enum', values: RETRO_PRESETS, default: 'none', description: 'Curve preset: none, prog, indie, batcave or country' },
    path: {
      type: 'enum',
      values: RETRO_PATHS,
      default: 'u8',
      description: "Which of GEGL's code paths: u8 (imgflo without width/height) or float (after imgflo's resize: country's contrast on all channels, dark pixels wrapped to near white, no indie push). Set by the runtime where the node reads a request's resize to another size than the input's, unless the graph sets it",
    },
  },
  geglInputPath: 'path',
  identity: (p) => (p.preset ?? 'none') === 'none',
  kernel: point({
    // 3 x 257 lookup table (each channel's last entry repeated so index i0 + 1 needs no clamp)
    // (the float path: whole 0..255 values, as imgflo's tables hold)
    uniforms: (p) => (p.path === 'float' ? roundedTables : paddedTables)(String(p.preset ?? 'none')),
    // the tables are 0..1 (the lookups clamp their index); the push stays between a channel and
    // the max; none changes nothing
    range: (p) => (String(p.preset ?? 'none') === 'none' ? 'keeps-unit' : 'unit'),
    writesAlpha: (p) => String(p.preset ?? 'none') !== 'none',
    source: (k, p) => {
      const preset = String(p.preset ?? 'none');
      if (preset === 'none') return '';
      if (p.path === 'float') return floatSource(k, preset);
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

/** GEGL's float path (see the header): per channel, in 0..255 table units. */
function floatSource(k: KernelSource, preset: string): string {
  let src = 'a = 1.0;\n';
  for (const [n, c] of (['r', 'g', 'b'] as const).entries()) {
    const [v, x, x1, x2, i1, i2, y] = ['v', 'x', 'x1', 'x2', 'i1', 'i2', 'y'].map((s) => k.v(s + c));
    // country's contrast is unclamped (a value below 0 wraps: the indexes below); the others read 0..1
    src += preset === 'country' ? `const ${v} = (${c} - 0.5) * 1.1 - 0.05 + 0.5;\n` : `const ${v} = ${k.unit(c)};\n`;
    // an input on the 8-bit grid lands on a table entry, as it does in GEGL's float32
    // arithmetic; ours may be a rounding error off it, and ceil would then take the next one.
    // The indexes wrap modulo 256 as C's cast of a negative float to guint8 did in GEGL's
    // build; the result is truncated as its cast was (the offset: a whole table value
    // interpolated may come out a rounding error below itself)
    src += `let ${x} = ${v} * 255.0;
if (Math.abs(${x} - Math.round(${x})) < 0.0005) ${x} = Math.round(${x});
const ${x1} = Math.ceil(${x});
const ${x2} = Math.floor(${x});
const ${i1} = ${x1} - 256.0 * Math.floor(${x1} / 256.0);
const ${i2} = ${x2} - 256.0 * Math.floor(${x2} / 256.0);
let ${y} = ${k.pAt(`${n * 257} + ${i1}`)};
if (${x1} !== ${x2}) ${y} = ${k.pAt(`${n * 257} + ${i2}`)} + (${y} - ${k.pAt(`${n * 257} + ${i2}`)}) * (${x} - ${x2});
${c} = Math.floor(${y} + 0.00001) / 255.0;\n`;
  }
  return src;
}
