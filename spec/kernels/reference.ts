/**
 * Plain-JS references for the kernel operations, written from the operations' descriptions
 * (not from the kernel sources): straight-alpha float RGBA, row 0 at the top, edges clamped.
 */
import type { Params, RawImage } from '../../operations/define.ts';
import { parseColor, srgbToLinear, linearToSrgb } from '../../operations/kernels/color.ts';
import { presetTables, lookup } from '../../operations/kernels/curves.ts';
import { SEPIA } from '../../operations/sepia.ts';
import { matrix4x5 } from '../../operations/color-matrix.ts';
import { NEIGHBOURS } from '../../operations/noise-reduction.ts';
import { pixelateGrid } from '../../operations/pixelate.ts';
import { gaussianWeights } from '../../operations/unsharp-mask.ts';
import { convolutionMatrix } from '../../operations/convolution.ts';
import { GREY_CHROMA, hash01, LAB_EPSILON, LAB_KAPPA, RGB_TO_XYZN, XYZN_TO_RGB } from '../../operations/noise.ts';

export interface FImage { data: Float64Array; width: number; height: number }

/** Deterministic PRNG (mulberry32), the one deepdream seeds its jitter with. */
import { createRandom as rng } from '../../operations/deepdream/random.ts';
export { rng };

export function randomImage(width: number, height: number, channels: 1 | 2 | 3 | 4, seed: number): RawImage {
  const r = rng(seed);
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { data, width, height, channels };
}

export function toF(img: RawImage): FImage {
  const { width, height, channels, data } = img;
  const out = new Float64Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const grey = channels < 3;
    out[i * 4] = data[s] / 255;
    out[i * 4 + 1] = data[grey ? s : s + 1] / 255;
    out[i * 4 + 2] = data[grey ? s : s + 2] / 255;
    out[i * 4 + 3] = channels === 2 ? data[s + 1] / 255 : channels === 4 ? data[s + 3] / 255 : 1;
  }
  return { data: out, width, height };
}

const clamp = (v: number, lo = 0, hi = 1) => Math.min(Math.max(v, lo), hi);

function mapPixels(src: FImage, fn: (px: number[], x: number, y: number) => number[]): FImage {
  const out = new Float64Array(src.data.length);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const i = (y * src.width + x) * 4;
      const px = fn([src.data[i], src.data[i + 1], src.data[i + 2], src.data[i + 3]], x, y);
      out.set(px, i);
    }
  }
  return { data: out, width: src.width, height: src.height };
}

function at(src: FImage, x: number, y: number, c: number): number {
  const cx = clamp(x, 0, src.width - 1), cy = clamp(y, 0, src.height - 1);
  return src.data[(cy * src.width + cx) * 4 + c];
}

const luma = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

export const references: Record<string, (src: FImage, p: Params, aux?: FImage) => FImage> = {
  sepia(src, p) {
    const lin = p.srgb === false;
    const s = Number(p.scale);
    return mapPixels(src, ([r, g, b, a]) => {
      const v = lin ? [r, g, b].map(srgbToLinear) : [r, g, b];
      const m = [0, 1, 2].map((row) => Math.min(SEPIA[row * 3] * v[0] + SEPIA[row * 3 + 1] * v[1] + SEPIA[row * 3 + 2] * v[2], 1));
      const o = v.map((c, i) => c + (m[i] - c) * s);
      return [...(lin ? o.map(linearToSrgb) : o), a];
    });
  },

  'gradient-map'(src, p) {
    const lin = p.srgb !== true;
    const cols = [1, 2, 3, 4, 5].map((i) => { const c = parseColor(String(p[`color${i}`])); return lin ? [...c.slice(0, 3).map(srgbToLinear), c[3]] : c; });
    const stops: number[] = [];
    for (let i = 1; i <= 5; i++) stops.push(Math.max(Number(p[`stop${i}`]), stops[i - 2] ?? 0));
    const op = Number(p.opacity);
    return mapPixels(src, ([r, g, b, a]) => {
      const Y = clamp(luma(srgbToLinear(r), srgbToLinear(g), srgbToLinear(b)));
      const L = lin ? Y : linearToSrgb(Y);
      let c = cols[4];
      for (let i = 0; i < 4; i++) {
        if (L <= stops[i + 1]) {
          const t = clamp((L - stops[i]) / Math.max(stops[i + 1] - stops[i], 1e-6));
          c = cols[i].map((v, k) => v + (cols[i + 1][k] - v) * t);
          break;
        }
      }
      const rgb = lin ? c.slice(0, 3).map(linearToSrgb) : c.slice(0, 3);
      return [r + (rgb[0] - r) * op, g + (rgb[1] - g) * op, b + (rgb[2] - b) * op, a * (1 + (c[3] - 1) * op)];
    });
  },

  curves(src, p) {
    const t = presetTables(String(p.preset));
    const tables = [t.slice(0, 256), t.slice(256, 512), t.slice(512)];
    const s = Number(p.strength);
    return mapPixels(src, ([r, g, b, a]) => [...[r, g, b].map((v, i) => v + (lookup(tables[i], v) - v) * s), a]);
  },

  // imgflo's retro-curve as operations/retro-curve.ts describes it, in 0..1 units
  'retro-curve'(src, p) {
    const preset = String(p.preset);
    if (preset === 'none') return mapPixels(src, (px) => px);
    const t = presetTables(preset);
    const tables = [t.slice(0, 256), t.slice(256, 512), t.slice(512)];
    if (p.path === 'float') {
      // GEGL's float path: whole table values read between entries, the index wrapping as a
      // C cast to guint8 does; country's contrast on every channel, unclamped; no indie push
      const whole = tables.map((tb) => tb.map((v) => Math.round(v * 255)));
      const at = (tb: number[], i: number) => tb[((i % 256) + 256) % 256];
      return mapPixels(src, ([r, g, b]) => [...[r, g, b].map((c, i) => {
        const v = preset === 'country' ? (c - 0.5) * 1.1 - 0.05 + 0.5 : clamp(c);
        const x = Math.abs(v * 255 - Math.round(v * 255)) < 5e-4 ? Math.round(v * 255) : v * 255;
        const [hi, lo] = [Math.ceil(x), Math.floor(x)];
        const y = hi === lo ? at(whole[i], hi) : at(whole[i], lo) + (at(whole[i], hi) - at(whole[i], lo)) * (x - lo);
        return Math.floor(y + 1e-5) / 255;
      }), 1]);
    }
    return mapPixels(src, ([r, g, b]) => {
      const x = [r, g, b];
      if (preset === 'country') x[0] = Math.floor(clamp((r - 0.5) * 1.1 + 0.45) * 255 + 1e-4) / 255;
      const o = x.map((v, i) => lookup(tables[i], v));
      const m = Math.max(...o);
      const out = preset === 'indie' ? o.map((v) => v + Math.floor((m - v) * 25.5 + 0.5) / 255) : o;
      return [...out, 1];
    });
  },

  levels(src, p) {
    const [il, ih, gm, ol, oh] = ['in-low', 'in-high', 'gamma', 'out-low', 'out-high'].map((k) => Number(p[k]));
    return mapPixels(src, ([r, g, b, a]) => [...[r, g, b].map((v) => ol + Math.pow(clamp((v - il) / Math.max(ih - il, 1e-6)), 1 / gm) * (oh - ol)), a]);
  },

  'color-matrix'(src, p) {
    const m = matrix4x5(String(p.matrix));
    return mapPixels(src, (px) => [0, 1, 2, 3].map((row) => clamp(px[0] * m[row * 5] + px[1] * m[row * 5 + 1] + px[2] * m[row * 5 + 2] + px[3] * m[row * 5 + 3] + m[row * 5 + 4])));
  },

  posterize(src, p) {
    const L = Number(p.levels) - 1;
    return mapPixels(src, ([r, g, b, a]) => [...[r, g, b].map((v) => Math.round(clamp(v) * L) / L), a]);
  },

  vignette(src, p) {
    const col = parseColor(String(p.color));
    const [st, rad, soft, li] = ['strength', 'radius', 'softness', 'lighten'].map((k) => Number(p[k]));
    const { width: w, height: h } = src;
    return mapPixels(src, ([r, g, b, a], x, y) => {
      const d = Math.hypot(x + 0.5 - w / 2, y + 0.5 - h / 2) / Math.hypot(w / 2, h / 2);
      const m = st * clamp((d - rad) / Math.max(soft, 1e-6)) * col[3];
      const l = li * clamp(1 - d / Math.max(rad, 1e-6));
      return [...[r, g, b].map((v, i) => Math.min(v + (col[i] - v) * m + l, 1)), a];
    });
  },

  blend(src, p, aux) {
    const mode = String(p.mode), lin = p.srgb === false, op = Number(p.opacity);
    const B = (cb: number, cs: number): number => {
      switch (mode) {
        case 'multiply': return cb * cs;
        case 'screen': return cb + cs - cb * cs;
        case 'overlay': return cb <= 0.5 ? 2 * cb * cs : 1 - 2 * (1 - cb) * (1 - cs);
        case 'soft-light': {
          const d = cb <= 0.25 ? ((16 * cb - 12) * cb + 4) * cb : Math.sqrt(cb);
          return cs <= 0.5 ? cb - (1 - 2 * cs) * cb * (1 - cb) : cb + (2 * cs - 1) * (d - cb);
        }
        case 'color-dodge': return cb <= 0 ? 0 : cs >= 1 ? 1 : Math.min(1, cb / (1 - cs));
        case 'darken': return Math.min(cb, cs);
        case 'lighten': return Math.max(cb, cs);
        case 'difference': return Math.abs(cb - cs);
        default: return cs;
      }
    };
    return mapPixels(src, ([r, g, b, ab], x, y) => {
      const inside = aux && x < aux.width && y < aux.height;
      const s = inside ? Array.from(aux.data.subarray((y * aux.width + x) * 4, (y * aux.width + x) * 4 + 4)) : [0, 0, 0, 0];
      const as = s[3] * op;
      const ao = as + ab * (1 - as);
      const out = [r, g, b].map((v, i) => {
        let cb = clamp(v), cs = clamp(s[i]);
        if (lin) { cb = srgbToLinear(cb); cs = srgbToLinear(cs); }
        const c = ao > 0 ? (as * ((1 - ab) * cs + ab * B(cb, cs)) + (1 - as) * ab * cb) / ao : 0;
        return lin ? linearToSrgb(c) : c;
      });
      return [...out, ao];
    });
  },

  'edge-sobel'(src, p) {
    const hor = p.horizontal !== false, ver = p.vertical !== false, sign = p['keep-sign'] === true, lin = p.linear === true;
    const out = (v: number) => (lin ? linearToSrgb(Math.max(v, 0)) : v);
    return mapPixels(src, (px, x, y) => [...[0, 1, 2].map((c) => {
      const v = (dx: number, dy: number) => (lin ? srgbToLinear : (u: number) => u)(at(src, x + dx, y + dy, c));
      const gx = v(1, -1) + 2 * v(1, 0) + v(1, 1) - (v(-1, -1) + 2 * v(-1, 0) + v(-1, 1));
      const gy = v(-1, -1) + 2 * v(0, -1) + v(1, -1) - (v(-1, 1) + 2 * v(0, 1) + v(1, 1));
      if (hor && ver) return out(Math.min(Math.hypot(gx, gy) / (4 * Math.SQRT2), 1));
      if (!hor && !ver) return out(0);
      const g = hor ? gx : gy;
      return out(sign ? clamp(0.5 + g / 8) : Math.min(Math.abs(g) / 4, 1));
    }), px[3]]);
  },

  'brightness-contrast-linear'(src, p) {
    const [contrast, brightness] = [Number(p.contrast), Number(p.brightness)];
    return mapPixels(src, ([r, g, b, a]) => [...[r, g, b].map((v) => clamp(linearToSrgb(Math.max((srgbToLinear(v) - 0.5) * contrast + 0.5 + brightness, 0)))), a]);
  },

  'noise-reduction'(src, p) {
    let img = src;
    const inv = 1 / Number(p.threshold);
    for (let it = 0; it < Number(p.iterations); it++) {
      const cur = img;
      img = mapPixels(cur, (px, x, y) => [...[0, 1, 2].map((c) => {
        let acc = 0, ws = 1;
        for (const [dx, dy] of NEIGHBOURS) {
          const d = at(cur, x + dx, y + dy, c) - px[c];
          const w = Math.max(1 - Math.abs(d) * inv, 0);
          acc += w * d; ws += w;
        }
        return px[c] + acc / ws;
      }), px[3]]);
    }
    return img;
  },

  pixelate(src, p) {
    const sx = Number(p['size-x']), sy = Number(p['size-y']);
    const gx = pixelateGrid(sx), gy = pixelateGrid(sy);
    return mapPixels(src, (_px, x, y) => {
      const bx = Math.floor(x / sx) * sx, by = Math.floor(y / sy) * sy;
      const sum = [0, 0, 0, 0]; let n = 0;
      for (let j = 0; j < gy.count; j++) {
        for (let i = 0; i < gx.count; i++) {
          const px = bx + i * gx.step, py = by + j * gy.step;
          if (px >= src.width || py >= src.height || px >= bx + sx || py >= by + sy) continue;
          const a = at(src, px, py, 3);
          for (let c = 0; c < 3; c++) sum[c] += at(src, px, py, c) * a;
          sum[3] += a; n++;
        }
      }
      return sum[3] > 0 ? [sum[0] / sum[3], sum[1] / sum[3], sum[2] / sum[3], sum[3] / n] : [0, 0, 0, 0];
    });
  },

  'unsharp-mask'(src, p) {
    const { radius, weights } = gaussianWeights(Number(p['std-dev']));
    const scale = Number(p.scale), th = Number(p.threshold);
    return mapPixels(src, (px, x, y) => [...[0, 1, 2].map((c) => {
      let blur = 0;
      for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) blur += at(src, x + dx, y + dy, c) * weights[Math.abs(dx)] * weights[Math.abs(dy)];
      const d = px[c] - blur;
      return Math.abs(d) >= th ? clamp(px[c] + scale * d) : px[c];
    }), px[3]]);
  },

  convolution(src, p) {
    const { size, m } = convolutionMatrix(p);
    const half = (size - 1) / 2;
    const div = Number(p.divisor) || m.reduce((s, v) => s + v, 0) || 1;
    return mapPixels(src, (px, x, y) => [...[0, 1, 2].map((c) => {
      let s = 0;
      for (let j = 0; j < size; j++) for (let i = 0; i < size; i++) s += m[j * size + i] * at(src, x + i - half, y + j - half, c);
      return clamp(s / div + Number(p.offset));
    }), px[3]]);
  },

  noise(src, p) {
    const distance = { L: Number(p['lightness-distance']), C: Number(p['chroma-distance']), H: Number(p['hue-distance']) };
    const holdness = Number(p.holdness), seed = Number(p.seed);
    const f = (t: number) => (t > LAB_EPSILON ? Math.cbrt(t) : (LAB_KAPPA * t + 16) / 116);
    const fInverse = (t: number) => (t ** 3 > LAB_EPSILON ? t ** 3 : (116 * t - 16) / LAB_KAPPA);
    const times = (m: number[][], v: number[]) => m.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
    return mapPixels(src, ([r, g, b, a], x, y) => {
      // GEGL's randomize_value: the least of `holdness` draws, then a draw for the direction
      const move = (v: number, dist: number, first: number) => {
        let least = 1;
        for (let i = 0; i < holdness; i++) least = Math.min(least, hash01(x, y, seed, first + i));
        return hash01(x, y, seed, first + holdness) < 0.5 ? v - dist * least : v + dist * least;
      };
      const [X, Y, Z] = times(RGB_TO_XYZN, [r, g, b].map((v) => srgbToLinear(clamp(v)))).map(f);
      let L = 116 * Y - 16;
      const A = 500 * (X - Y), B = 200 * (Y - Z);
      let C = Math.hypot(A, B);
      let H = (Math.atan2(B, A) * 180) / Math.PI;
      if (H < 0) H += 360;
      if (C > GREY_CHROMA) {
        H = move(H, distance.H, 0);
        if (H < 0) H += 359.5;
        if (H > 359) H -= 359.5;
      } else {
        H = hash01(x, y, seed, holdness + 1) * 360;
      }
      C = clamp(move(C, distance.C, holdness + 2), 0, 100);
      L = clamp(move(L, distance.L, 2 * holdness + 3), 0, 100);
      const fy = (L + 16) / 116;
      const xyz = [fy + (C * Math.cos((H * Math.PI) / 180)) / 500, fy, fy - (C * Math.sin((H * Math.PI) / 180)) / 200].map(fInverse);
      return [...times(XYZN_TO_RGB, xyz).map((v) => linearToSrgb(clamp(v))), a];
    });
  },
};

/**
 * A reference within TIE steps of halfway between two 8-bit steps may come out as either:
 * the kernels compute in float32 (about 1.5e-5 of a step at 255), so which side of the
 * midpoint their sum lands on is noise. Block averages hit exact midpoints often (pixelate 4x3:
 * 12 samples whose sum is 6 more than a multiple of 12), and such a block moves all its pixels
 * at once: on 16x9 (12 blocks) two of them were 0.125 steps of mean error, over BOUND_MEAN.
 */
const TIE = 1e-4;

/**
 * Max and mean absolute difference in 8-bit steps between a kernel result and a reference,
 * where a value at a tie (TIE) counts no error as either neighbour: both are as right.
 */
export function compare(out: RawImage, ref: FImage): { max: number; mean: number; at: number } {
  let max = 0, sum = 0, worst = -1;
  for (let i = 0; i < ref.data.length; i++) {
    const exact = clamp(ref.data[i]) * 255;
    const tie = Math.abs(Math.abs(out.data[i] - exact) - 0.5) < TIE;
    const d = tie ? 0 : Math.abs(out.data[i] - Math.round(exact));
    if (d > max) { max = d; worst = i; }
    sum += d;
  }
  return { max, mean: sum / ref.data.length, at: worst };
}
