/**
 * GEGL's noise-cie-lch: each pixel's CIE lightness, chroma and hue (LCh(ab), D50, as babl's
 * "CIE LCH(ab) float") move by a random amount, independently per pixel. Per component GEGL
 * draws `holdness` uniform numbers and keeps the smallest (so a higher holdness makes small
 * changes likelier: the mean of the minimum of n uniforms is 1 / (n + 1)), moves by
 * distance x that minimum, up or down by a fair coin; lightness and chroma stop at 0 and 100,
 * hue wraps. A pixel without chroma gets a random hue (its chroma may grow), and its hue is
 * not otherwise moved. GEGL's random numbers come from its own table; ours from a per-pixel
 * hash, so the picture is not GEGL's pixel for pixel, but its statistics are
 * (spec/fixtures/gegl/README.md): the same seed gives the same image.
 */
import { point, type KernelSource } from './kernels/descriptor.ts';
import { kTableLookup, SRGB_TABLE, srgbTables } from './kernels/color.ts';
import { defineOperation } from './define.ts';

/** Deterministic per-pixel random number in [0, 1): the classic fract(sin(dot) * 43758.5453) hash. */
export function hash01(x: number, y: number, seed: number, k: number): number {
  const v = Math.sin(x * 12.9898 + y * 78.233 + seed * 37.719 + k * 4.581) * 43758.5453;
  return v - Math.floor(v);
}

function kHash(k: KernelSource, name: string, n: number): string {
  return `const ${name}s = Math.sin(x * 12.9898 + y * 78.233 + ${k.p(U_SEED)} * 37.719 + ${n}.0 * 4.581) * 43758.5453;
const ${name} = ${name}s - Math.floor(${name}s);\n`;
}

/**
 * Linear sRGB to XYZ relative to D50 (ICC's Bradford-adapted sRGB primaries, as babl), each row
 * divided by the D50 white's component so that white is (1, 1, 1) and a grey has no chroma.
 */
const RGB_TO_XYZ = [
  [0.4360747, 0.3850649, 0.1430804],
  [0.2225045, 0.7168786, 0.0606169],
  [0.0139322, 0.0971045, 0.7141733],
];
export const RGB_TO_XYZN = RGB_TO_XYZ.map((row) => { const s = row[0] + row[1] + row[2]; return row.map((v) => v / s); });
export const XYZN_TO_RGB = invert3(RGB_TO_XYZN);
/** CIE's constants: below EPSILON (in Y/Yn) the cube root gives way to a line of slope KAPPA / 116. */
export const LAB_EPSILON = 216 / 24389;
export const LAB_KAPPA = 24389 / 27;
/**
 * Below this chroma a pixel counts as grey (GEGL: exactly 0). An 8-bit grey through our matrices
 * lands within 1e-13 of 0; the least colourful non-grey 8-bit colour has a chroma above 0.05.
 */
export const GREY_CHROMA = 1e-6;

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

const U_L = 0, U_C = 1, U_H = 2, U_SEED = 3, U_TABLES = 4;
const TO_LINEAR = U_TABLES, TO_SRGB = U_TABLES + SRGB_TABLE + 2;

/**
 * Kernel statements moving `v` by `distance` x the least of `holdness` draws, up or down by the
 * next draw; `first` is the first draw's number. Clamping and wrapping are the caller's.
 */
function kRandomize(k: KernelSource, v: string, distance: string, holdness: number, first: number): string {
  const least = k.v(`${v}least`);
  let s = '';
  for (let i = 0; i < holdness; i++) s += kHash(k, k.v(`${v}u${i}`), first + i);
  s += `let ${least} = ${k.v(`${v}u0`)};\n`;
  for (let i = 1; i < holdness; i++) s += `${least} = Math.min(${least}, ${k.v(`${v}u${i}`)});\n`;
  s += kHash(k, k.v(`${v}sign`), first + holdness);
  s += `if (${k.v(`${v}sign`)} < 0.5) { ${v} = ${v} - ${distance} * ${least}; } else { ${v} = ${v} + ${distance} * ${least}; }\n`;
  return s;
}

export default defineOperation({
  name: 'noise',
  title: 'CIE LCh Noise',
  description: "Moves each pixel's CIE lightness, chroma and hue by random amounts (GEGL's noise-cie-lch); the same seed gives the same image",
  icon: 'random',
  category: 'filter',
  // CPU ms per megapixel on gpu.js's CPU backend, measured at 2000x1500 (bench/graph-profile.ts,
  // enhancelowres with iterations=0): ten times a usual kernel's, for the job-class estimate.
  cost: 450,
  inputs: { input: { description: 'Image to add noise to' } },
  params: {
    'lightness-distance': { type: 'number', default: 40, min: 0, max: 100, description: 'Largest lightness change, in CIE L* (0..100)' },
    'chroma-distance': { type: 'number', default: 40, min: 0, max: 100, description: 'Largest chroma change, in CIE C*; the result stays within 0..100, as in GEGL' },
    'hue-distance': { type: 'number', default: 3, min: 0, max: 180, unit: 'degrees', description: 'Largest hue rotation' },
    holdness: { type: 'int', default: 2, min: 1, max: 8, description: 'Draws per change, the least kept: higher makes small changes likelier' },
    seed: { type: 'int', default: 0, min: 0, max: 1000000, description: 'Random seed' },
  },
  kernel: point({
    uniforms: (p) => [Number(p['lightness-distance'] ?? 40), Number(p['chroma-distance'] ?? 40), Number(p['hue-distance'] ?? 3), Number(p.seed ?? 0), ...srgbTables()],
    range: () => 'unit',
    source: (k, p) => {
      const holdness = Math.max(1, Math.min(8, Math.round(Number(p.holdness ?? 2))));
      const [lr, lg, lb, X, Y, Z, L, A, B, C, H, fx, fy, fz, greyHue] = ['lr', 'lg', 'lb', 'X', 'Y', 'Z', 'L', 'A', 'B', 'C', 'H', 'fx', 'fy', 'fz', 'greyHue'].map(k.v);
      const lookup = (v: string, at: number) => kTableLookup(k.pAt, v, at, k.v(`f${at}${v}`), k.v(`i${at}${v}`));
      const row = (m: number[][], i: number, a: string, b: string, c: string) => `${m[i][0]} * ${a} + ${m[i][1]} * ${b} + ${m[i][2]} * ${c}`;
      const f = (t: string) => `if (${t} > ${LAB_EPSILON}) { ${t} = Math.cbrt(${t}); } else { ${t} = (${LAB_KAPPA} * ${t} + 16.0) / 116.0; }\n`;
      const fInverse = (t: string) => `if (${t} * ${t} * ${t} > ${LAB_EPSILON}) { ${t} = ${t} * ${t} * ${t}; } else { ${t} = (116.0 * ${t} - 16.0) / ${LAB_KAPPA}; }\n`;
      // Draws per pixel, as GEGL numbers them: hue (holdness + its sign), a grey's hue, chroma, lightness.
      const [hueDraw, greyDraw, chromaDraw, lightnessDraw] = [0, holdness + 1, holdness + 2, 2 * holdness + 3];
      let s = `let ${lr} = ${k.unit('r')}; let ${lg} = ${k.unit('g')}; let ${lb} = ${k.unit('b')};\n`;
      s += [lr, lg, lb].map((v) => lookup(v, TO_LINEAR)).join('');
      s += `let ${X} = ${row(RGB_TO_XYZN, 0, lr, lg, lb)}; let ${Y} = ${row(RGB_TO_XYZN, 1, lr, lg, lb)}; let ${Z} = ${row(RGB_TO_XYZN, 2, lr, lg, lb)};\n`;
      s += f(X) + f(Y) + f(Z);
      s += `let ${L} = 116.0 * ${Y} - 16.0; let ${A} = 500.0 * (${X} - ${Y}); let ${B} = 200.0 * (${Y} - ${Z});
let ${C} = Math.sqrt(${A} * ${A} + ${B} * ${B});
let ${H} = Math.atan2(${B}, ${A}) * ${180 / Math.PI};
if (${H} < 0.0) { ${H} = ${H} + 360.0; }\n`;
      // GEGL's hue range: 0..359 wrapping by 359.5 (its "steps")
      s += `if (${C} > ${GREY_CHROMA}) {\n${kRandomize(k, H, k.p(U_H), holdness, hueDraw)}
if (${H} < 0.0) { ${H} = ${H} + 359.5; }
if (${H} > 359.0) { ${H} = ${H} - 359.5; }
} else {\n${kHash(k, greyHue, greyDraw)}${H} = ${greyHue} * 360.0;\n}\n`;
      s += kRandomize(k, C, k.p(U_C), holdness, chromaDraw);
      s += `${C} = Math.min(Math.max(${C}, 0.0), 100.0);\n`;
      s += kRandomize(k, L, k.p(U_L), holdness, lightnessDraw);
      s += `${L} = Math.min(Math.max(${L}, 0.0), 100.0);\n`;
      s += `${Y} = (${L} + 16.0) / 116.0;
${X} = ${Y} + ${C} * Math.cos(${H} * ${Math.PI / 180}) / 500.0;
${Z} = ${Y} - ${C} * Math.sin(${H} * ${Math.PI / 180}) / 200.0;\n`;
      s += fInverse(X) + fInverse(Y) + fInverse(Z);
      // out of the sRGB gamut: clamped, as GEGL's 8-bit output is
      s += `${lr} = Math.min(Math.max(${row(XYZN_TO_RGB, 0, X, Y, Z)}, 0.0), 1.0);
${lg} = Math.min(Math.max(${row(XYZN_TO_RGB, 1, X, Y, Z)}, 0.0), 1.0);
${lb} = Math.min(Math.max(${row(XYZN_TO_RGB, 2, X, Y, Z)}, 0.0), 1.0);\n`;
      s += [lr, lg, lb].map((v) => lookup(v, TO_SRGB)).join('');
      return s + `r = ${lr}; g = ${lg}; b = ${lb};\n`;
    },
  }),
});
