/**
 * Curve presets for the `curves` operation, as control points (0..255) per channel, turned into
 * 256-entry lookup tables by monotone cubic interpolation (Fritsch-Carlson: no overshoot).
 * The retro presets (prog, indie, batcave, country) are the curve step of imgflo's retro-curve
 * (operations/retro-curve.ts adds its other steps): 10 points per channel fitted to what GEGL
 * 0.4.42 gives with imgflo's operation on a ramp of every 8-bit value (its u8 path: per
 * channel, a channel curve then a master curve, here folded into one), within 0.25-0.38/255 on
 * average and 1.56/255 at most of it. They are our own fit, not its tables
 * (spec/fixtures/gegl/README.md says how they were made). The Instagram-like ones are our own
 * approximations of the looks noflo-image's presets gave, not copies of their tables.
 */
export type Points = ReadonlyArray<readonly [number, number]>;
export interface CurvePreset { rgb?: Points; r?: Points; g?: Points; b?: Points }

export const CURVE_PRESETS: Record<string, CurvePreset> = {
  none: {},
  // retro-curve's curve step, fitted (above); the same four presets as imgflo's
  prog: { r: [[3, 77], [26, 77], [44, 85.5], [75, 111], [96, 134.5], [138, 178], [159, 203], [173, 213.5], [217, 220], [255, 217.5]], g: [[0, 57], [28, 57], [43, 60.5], [66, 70.5], [83, 87], [121, 124.5], [162, 160.5], [184, 182], [213, 210], [255, 254]], b: [[0, 62], [36, 62], [44, 65.5], [57, 69.5], [73, 82], [88, 98.5], [123, 139], [159, 180], [195, 205], [247, 205]] },
  indie: { r: [[2, 50], [16, 51.5], [34, 71], [53, 81.5], [83, 109], [141, 188], [178, 236.5], [201, 249], [221, 255], [255, 255]], g: [[8, 0], [21, 5], [36, 22.5], [63, 57], [86, 103.5], [118, 166.5], [138, 193], [163, 208.5], [195, 228.5], [255, 251]], b: [[2, 47.5], [20, 51.5], [60, 75], [87, 104.5], [124, 141], [138, 151.5], [167, 180], [196, 194.5], [232, 222], [255, 225.5]] },
  batcave: { r: [[4, 0], [23, 5.5], [77, 32], [127, 65], [139, 81], [172, 129], [196, 172], [223, 212.5], [238, 231.5], [255, 255]], g: [[2, 0], [13, 1.5], [44, 10.5], [74, 24.5], [115, 58], [170, 128], [193, 167], [223, 210.5], [241, 234.5], [255, 255]], b: [[20, 0], [28, 2], [47, 11.5], [82, 38], [134, 94], [172, 131], [204, 166], [227, 202.5], [243, 233.5], [255, 255]] },
  // country's red points are on the red value after imgflo's contrast step (retro-curve.ts)
  country: { r: [[0, 56], [30, 56], [48, 69.5], [73, 110], [80, 126.5], [93, 154], [143, 216.5], [206, 249.5], [228, 253.5], [233, 255]], g: [[0, 37.5], [20, 53], [33, 71], [65, 112], [85, 140], [108, 163], [121, 171.5], [138, 187], [216, 218], [255, 221]], b: [[0, 97], [18, 107.5], [32, 117.5], [81, 139], [126, 157.5], [147, 160.5], [168, 165.5], [193, 167], [220, 172.5], [255, 176.5]] },
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

const padded = new Map<string, number[]>();
/** presetTables with each 256-entry channel table followed by a copy of its last entry. */
export function paddedTables(preset: string): number[] {
  let t = padded.get(preset);
  if (!t) {
    const flat = presetTables(preset);
    t = [0, 1, 2].flatMap((n) => [...flat.slice(n * 256, n * 256 + 256), flat[n * 256 + 255]]);
    padded.set(preset, t);
  }
  return t;
}
