import { defineOperation } from './define.ts';
import { point, type KernelSource } from './kernels/descriptor.ts';
import { kConvertChecked, kTableLookup, SRGB_TABLE, srgbTables } from './kernels/color.ts';

export const BLEND_MODES = ['normal', 'multiply', 'screen', 'overlay', 'soft-light', 'color-dodge', 'darken', 'lighten', 'difference'] as const;

/** Kernel statements setting `out` to the W3C blend function B(cb, cs) of one channel. */
function blendFn(mode: string, out: string, cb: string, cs: string, k: KernelSource, ch: string): string {
  switch (mode) {
    case 'multiply': return `${out} = ${cb} * ${cs};`;
    case 'screen': return `${out} = ${cb} + ${cs} - ${cb} * ${cs};`;
    case 'overlay': return `if (${cb} <= 0.5) { ${out} = 2.0 * ${cb} * ${cs}; } else { ${out} = 1.0 - 2.0 * (1.0 - ${cb}) * (1.0 - ${cs}); }`;
    case 'soft-light': {
      const d = k.v(`d${ch}`);
      return `let ${d} = Math.sqrt(${cb});
if (${cb} <= 0.25) { ${d} = ((16.0 * ${cb} - 12.0) * ${cb} + 4.0) * ${cb}; }
if (${cs} <= 0.5) { ${out} = ${cb} - (1.0 - 2.0 * ${cs}) * ${cb} * (1.0 - ${cb}); } else { ${out} = ${cb} + (2.0 * ${cs} - 1.0) * (${d} - ${cb}); }`;
    }
    case 'color-dodge': return `if (${cb} <= 0.0) { ${out} = 0.0; } else { if (${cs} >= 1.0) { ${out} = 1.0; } else { ${out} = Math.min(1.0, ${cb} / (1.0 - ${cs})); } }`;
    case 'darken': return `${out} = Math.min(${cb}, ${cs});`;
    case 'lighten': return `${out} = Math.max(${cb}, ${cs});`;
    case 'difference': return `${out} = Math.abs(${cb} - ${cs});`;
    default: return `${out} = ${cs};`;
  }
}

export default defineOperation({
  name: 'blend',
  title: 'Blend',
  description: 'Draws aux over input with a blend mode (W3C compositing formulas) and an opacity; aux is anchored at the top-left, transparent beyond its size',
  icon: 'clone',
  category: 'composite',
  inputs: {
    input: { description: 'Backdrop image' },
    aux: { description: 'Image blended over the backdrop', required: false },
  },
  params: {
    mode: { type: 'enum', values: BLEND_MODES, default: 'normal', description: 'Blend mode: normal (source over), multiply, screen, overlay, soft-light, color-dodge, darken, lighten, difference' },
    opacity: { type: 'number', default: 1, min: 0, max: 1, description: 'Opacity of aux, 0 (input unchanged) to 1' },
    srgb: { type: 'boolean', default: true, description: 'Blend sRGB-encoded values (true, what browsers do) or linear light (false)' },
  },
  kernel: point({
    auxPort: 'aux',
    writesAlpha: () => true,
    // opacity, and in linear mode the sRGB tables (lookups instead of three Math.pow per channel)
    uniforms: (p) => [Number(p.opacity ?? 1), ...(p.srgb === false ? srgbTables() : [])],
    source: (k, p) => {
      const mode = String(p.mode ?? 'normal');
      const lin = p.srgb === false;
      const as = k.v('as'), ao = k.v('ao');
      let s = `const ${as} = ${k.aux.a} * ${k.p(0)};\nconst ${ao} = ${as} + a * (1.0 - ${as});\n`;
      for (const [c, src] of [['r', k.aux.r], ['g', k.aux.g], ['b', k.aux.b]] as const) {
        const cb = k.v(`cb${c}`), cs = k.v(`cs${c}`), bl = k.v(`bl${c}`);
        s += `let ${cb} = ${k.unit(c)};\nlet ${cs} = Math.min(Math.max(${src}, 0.0), 1.0);\n`;
        // both clamped to 0..1 above: the tables' range
        if (lin) s += kTableLookup(k.pAt, cb, 1, k.v(`f${cb}`), k.v(`i${cb}`)) + kTableLookup(k.pAt, cs, 1, k.v(`f${cs}`), k.v(`i${cs}`));
        s += `let ${bl} = 0.0;\n${blendFn(mode, bl, cb, cs, k, c)}\n`;
        s += `${c} = 0.0;\nif (${ao} > 0.0) { ${c} = (${as} * ((1.0 - a) * ${cs} + a * ${bl}) + (1.0 - ${as}) * a * ${cb}) / ${ao}; }\n`;
        if (lin) s += kConvertChecked(k.pAt, c, 1 + SRGB_TABLE + 2, true, k.v(`f${c}`), k.v(`i${c}`));
      }
      return s + `a = ${ao};\n`;
    },
  }),
});
