/**
 * Curve presets for the `curves` operation, as control points (0..255) per channel, turned into
 * 256-entry lookup tables by monotone cubic interpolation (Fritsch-Carlson: no overshoot).
 * The retro presets (prog, indie, batcave, country) and the Instagram-like ones are our own
 * approximations of the looks imgflo's retro-curve and noflo-image's presets gave, not copies
 * of their tables.
 */
export type Points = ReadonlyArray<readonly [number, number]>;
export interface CurvePreset { rgb?: Points; r?: Points; g?: Points; b?: Points }

export const CURVE_PRESETS: Record<string, CurvePreset> = {
  none: {},
  // retro-curve looks
  prog: { r: [[0, 20], [128, 142], [255, 240]], g: [[0, 10], [128, 126], [255, 235]], b: [[0, 42], [128, 112], [255, 200]] },
  indie: { r: [[0, 0], [64, 48], [192, 212], [255, 255]], g: [[0, 12], [128, 136], [255, 245]], b: [[0, 60], [128, 122], [255, 190]] },
  batcave: { rgb: [[0, 0], [128, 100], [255, 232]], r: [[0, 0], [255, 222]], b: [[0, 22], [255, 255]] },
  country: { r: [[0, 30], [128, 142], [255, 235]], g: [[0, 26], [128, 136], [255, 230]], b: [[0, 20], [128, 108], [255, 198]] },
  // Instagram-like looks (graphs/1977.json and friends)
  // Faded rose: lifted, reddish shadows, whites tinted warm pink (255, 226, 222), never green.
  '1977': { rgb: [[0, 0], [128, 140], [255, 255]], r: [[0, 58], [32, 62], [128, 152], [192, 214], [255, 255]], g: [[0, 40], [64, 48], [128, 110], [192, 172], [255, 226]], b: [[0, 45], [64, 55], [128, 120], [192, 180], [255, 222]] },
  brannan: { r: [[0, 50], [64, 90], [128, 167], [192, 240], [255, 254]], g: [[0, 0], [64, 59], [128, 150], [192, 210], [255, 252]], b: [[0, 48], [128, 131], [192, 180], [255, 225]] },
  hefe: { r: [[0, 32], [64, 117], [128, 200], [192, 233], [255, 252]], g: [[0, 1], [64, 63], [128, 190], [192, 228], [255, 252]], b: [[0, 2], [64, 38], [128, 128], [192, 205], [255, 228]] },
  lordkelvin: { r: [[0, 43], [85, 173], [128, 220], [255, 255]], g: [[0, 0], [40, 57], [85, 133], [128, 180], [220, 238], [255, 255]], b: [[0, 0], [128, 125], [255, 212]] },
  nashville: { r: [[0, 56], [128, 190], [255, 255]], g: [[0, 38], [128, 150], [255, 234]], b: [[0, 97], [128, 160], [255, 188]] },
  xproii: { r: [[0, 0], [64, 40], [192, 225], [255, 255]], g: [[0, 0], [64, 50], [192, 210], [255, 255]], b: [[0, 30], [255, 220]] },
};

export const CURVE_PRESET_NAMES = Object.keys(CURVE_PRESETS);

/** Monotone cubic interpolation through points (x ascending), sampled at 0..255, output 0..1. */
export function curveTable(points: Points | undefined): Float64Array {
  const out = new Float64Array(256);
  if (!points || points.length === 0) {
    for (let i = 0; i < 256; i++) out[i] = i / 255;
    return out;
  }
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const n = xs.length;
  const d: number[] = [];
  for (let i = 0; i < n - 1; i++) d.push((ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]));
  const m: number[] = new Array(n).fill(0);
  if (n > 1) {
    m[0] = d[0];
    m[n - 1] = d[n - 2];
    for (let i = 1; i < n - 1; i++) m[i] = d[i - 1] * d[i] <= 0 ? 0 : (d[i - 1] + d[i]) / 2;
    for (let i = 0; i < n - 1; i++) {
      if (d[i] === 0) { m[i] = 0; m[i + 1] = 0; continue; }
      const a = m[i] / d[i], b = m[i + 1] / d[i], s = a * a + b * b;
      if (s > 9) { const t = 3 / Math.sqrt(s); m[i] = t * a * d[i]; m[i + 1] = t * b * d[i]; }
    }
  }
  for (let x = 0; x < 256; x++) {
    let y: number;
    if (n === 1 || x <= xs[0]) y = ys[0];
    else if (x >= xs[n - 1]) y = ys[n - 1];
    else {
      let i = 0;
      while (x > xs[i + 1]) i++;
      const h = xs[i + 1] - xs[i], t = (x - xs[i]) / h, t2 = t * t, t3 = t2 * t;
      y = (2 * t3 - 3 * t2 + 1) * ys[i] + (t3 - 2 * t2 + t) * h * m[i] + (-2 * t3 + 3 * t2) * ys[i + 1] + (t3 - t2) * h * m[i + 1];
    }
    out[x] = Math.min(Math.max(y / 255, 0), 1);
  }
  return out;
}

/** Linear lookup in a 0..1 table of 256 entries. */
export function lookup(table: ArrayLike<number>, v: number): number {
  const f = Math.min(Math.max(v, 0), 1) * 255;
  const i0 = Math.floor(f), i1 = Math.min(i0 + 1, 255);
  return table[i0] + (table[i1] - table[i0]) * (f - i0);
}

/** The 768 uniforms of a preset: per channel, the master curve then the channel curve. */
export function presetTables(name: string): number[] {
  const preset = CURVE_PRESETS[name] ?? CURVE_PRESETS.none;
  const master = curveTable(preset.rgb);
  const out: number[] = [];
  for (const ch of [preset.r, preset.g, preset.b]) {
    const t = curveTable(ch);
    for (let i = 0; i < 256; i++) out.push(lookup(t, master[i]));
  }
  return out;
}
