import { defineOperation, type ParamSpec } from './define.ts';
import { inUnit, point } from './kernels/descriptor.ts';
import { kSrgbToLinear, kTableLookup, parseColor, SRGB_TABLE, srgbTables, srgbToLinear } from './kernels/color.ts';

const STOPS = 5;
const colorDefaults = ['#000000ff', '#ffffffff', '#ffffffff', '#ffffffff', '#ffffffff'];
const stopDefaults = [0, 1, 1, 1, 1];
/** Uniform layout: colours (rgba per stop), stops, opacity, 1 / each segment's width, sRGB tables. */
const U_STOPS = 4 * STOPS, U_OPACITY = U_STOPS + STOPS, U_INV_WIDTH = U_OPACITY + 1, U_TABLES = U_INV_WIDTH + STOPS - 1;

const params: Record<string, ParamSpec> = {};
for (let i = 1; i <= STOPS; i++) {
  params[`color${i}`] = { type: 'color', default: colorDefaults[i - 1], description: `Colour of gradient stop ${i}` };
  params[`stop${i}`] = { type: 'number', default: stopDefaults[i - 1], min: 0, max: 1, description: `Luminance (0..1) where colour ${i} sits; a stop below the previous one is raised to it` };
}
params.srgb = { type: 'boolean', default: false, description: 'Interpolate in sRGB-encoded values and place stops by sRGB-encoded luminance (true), or both in linear light (false); luminance itself is always measured in linear light, as GEGL does' };
params.opacity = { type: 'number', default: 1, min: 0, max: 1, description: 'Mix of the mapped colours over the original, 0 (original) to 1' };

export default defineOperation({
  name: 'gradient-map',
  title: 'Gradient Map',
  description: 'Replaces each pixel by the colour a gradient of up to five stops has at its luminance',
  icon: 'barcode',
  category: 'color',
  inputs: { input: { description: 'Image whose luminance picks the colours' } },
  params,
  kernel: point({
    // 5 colours (rgba), 5 stops (non-decreasing), opacity, 1 / each segment's width, and in
    // the sRGB tables (srgbTables: a lookup instead of 6 Math.pow per pixel)
    uniforms: (p) => {
      const lin = p.srgb !== true;
      const colors = [];
      for (let i = 1; i <= STOPS; i++) {
        const [r, g, b, a] = parseColor(String(p[`color${i}`] ?? colorDefaults[i - 1]));
        colors.push(...(lin ? [srgbToLinear(r), srgbToLinear(g), srgbToLinear(b)] : [r, g, b]), a);
      }
      const stops: number[] = [];
      for (let i = 1; i <= STOPS; i++) stops.push(Math.max(Number(p[`stop${i}`] ?? stopDefaults[i - 1]), stops[i - 2] ?? 0));
      const inverseWidths = stops.slice(1).map((end, i) => 1 / Math.max(end - stops[i], 0.000001));
      return [...colors, ...stops, Number(p.opacity ?? 1), ...inverseWidths, ...srgbTables()];
    },
    // the stop colours' alpha, mixed in by opacity
    writesAlpha: () => true,
    // 0..1 colours mixed in by a 0..1 opacity
    range: (p) => (inUnit(p.opacity ?? 1) ? 'keeps-unit' : undefined),
    source: (k, p) => {
      const lin = p.srgb !== true;
      const [lr, lg, lb, L, t] = ['lr', 'lg', 'lb', 'L', 't'].map(k.v);
      const [cr, cg, cb, ca] = ['cr', 'cg', 'cb', 'ca'].map(k.v);
      const c = (i: number, ch: number) => k.p(i * 4 + ch);
      const stop = (i: number) => k.p(U_STOPS + i);
      const TO_LINEAR = U_TABLES, TO_SRGB = U_TABLES + SRGB_TABLE + 2;
      const lookup = (v: string, at: number) => kTableLookup(k.pAt, v, at, k.v(`f${v}`), k.v(`i${v}`));
      let s = `let ${lr} = r; let ${lg} = g; let ${lb} = b;\n`;
      // GEGL measures luminance in linear light in both modes ("YA float" or "Y'A float": the
      // same Y, sRGB-encoded); the table covers 0..1 only: other input takes the exact curve
      s += [lr, lg, lb].map((v) => (k.unitIn ? lookup(v, TO_LINEAR) : kSrgbToLinear(v))).join('');
      s += `let ${L} = Math.min(Math.max(0.2126 * ${lr} + 0.7152 * ${lg} + 0.0722 * ${lb}, 0.0), 1.0);\n`;
      if (!lin) s += lookup(L, TO_SRGB);
      s += `let ${cr} = ${c(4, 0)}; let ${cg} = ${c(4, 1)}; let ${cb} = ${c(4, 2)}; let ${ca} = ${c(4, 3)};\n`;
      // The first segment whose end is >= L wins; beyond the last stop, colour 5 stays.
      for (let i = 0; i < STOPS - 1; i++) {
        s += `${i ? 'else ' : ''}if (${L} <= ${stop(i + 1)}) {
  const ${t} = Math.min(Math.max((${L} - ${stop(i)}) * ${k.p(U_INV_WIDTH + i)}, 0.0), 1.0);
  ${cr} = ${c(i, 0)} + (${c(i + 1, 0)} - ${c(i, 0)}) * ${t};
  ${cg} = ${c(i, 1)} + (${c(i + 1, 1)} - ${c(i, 1)}) * ${t};
  ${cb} = ${c(i, 2)} + (${c(i + 1, 2)} - ${c(i, 2)}) * ${t};
  ${ca} = ${c(i, 3)} + (${c(i + 1, 3)} - ${c(i, 3)}) * ${t};
}\n`;
      }
      // mixes of 0..1 stop colours: always in the table's range
      if (lin) s += [cr, cg, cb].map((v) => lookup(v, TO_SRGB)).join('');
      const o = k.p(U_OPACITY);
      s += `r = r + (${cr} - r) * ${o}; g = g + (${cg} - g) * ${o}; b = b + (${cb} - b) * ${o};
a = a * (1.0 + (${ca} - 1.0) * ${o});\n`;
      return s;
    },
  }),
});
