/**
 * Linear motion blur with GEGL's semantics (gegl:motion-blur-linear, what imgflo's motionblur
 * graph ran): ceil(length) + 1 samples spread evenly over [-length/2, length/2] along the angle,
 * each read bilinearly, averaged in linear light with premultiplied alpha, and the outside of the
 * image transparent (so edges fade, as GEGL's abyss does).
 *
 * Every pixel takes the same samples at the same offsets, so the whole blur is one convolution
 * with a sparse kernel of bilinear weights (`motionTaps`). That is what makes it fast: along an
 * axis the kernel is a run of equal weights plus a few corrections, which a sliding sum gives in
 * O(1) per pixel whatever the length (the shipped motionblur graph: length 100, angle 90); other
 * angles add the kernel's taps one at a time over whole rows (O(taps) per pixel, no gather).
 */
import { defineOperation, type RawImage } from './define.ts';
import { fromPremultipliedLinear, linearLayout, toPremultipliedLinear } from './_internal/premultiplied-linear.ts';

/** Sample count and the blur vector, as GEGL computes them. */
function motionSamples(length: number, angleDeg: number): { n: number; ox: number; oy: number } {
  const n = Math.ceil(length) + 1;
  const a = (angleDeg * Math.PI) / 180;
  return { n, ox: length * Math.cos(a), oy: length * Math.sin(a) };
}

export interface MotionTaps {
  dx: number[];
  dy: number[];
  /** Weights already divided by the sample count: they sum to 1. */
  w: number[];
}

/**
 * The blur as a convolution: each sample's four bilinear weights, merged per offset. Weights
 * of floating-point dust (cos 90 degrees is 6e-17, not 0) are dropped so that an axis-aligned
 * blur stays on one axis.
 */
export function motionTaps(length: number, angleDeg: number): MotionTaps {
  const { n, ox, oy } = motionSamples(length, angleDeg);
  const merged = new Map<string, { dx: number; dy: number; w: number }>();
  const add = (dx: number, dy: number, w: number) => {
    const key = `${dx},${dy}`;
    const tap = merged.get(key);
    if (tap) tap.w += w;
    else merged.set(key, { dx, dy, w });
  };
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? 0 : i / (n - 1) - 0.5;
    const xx = t * ox, yy = t * oy;
    const ix = Math.floor(xx), iy = Math.floor(yy);
    const fx = xx - ix, fy = yy - iy;
    add(ix, iy, (1 - fx) * (1 - fy));
    add(ix + 1, iy, fx * (1 - fy));
    add(ix, iy + 1, (1 - fx) * fy);
    add(ix + 1, iy + 1, fx * fy);
  }
  const taps = [...merged.values()].filter((t) => t.w > 1e-9).sort((a, b) => a.dy - b.dy || a.dx - b.dx);
  return { dx: taps.map((t) => t.dx), dy: taps.map((t) => t.dy), w: taps.map((t) => t.w / n) };
}

/**
 * A 1-D kernel along x (`alongX`) or y as a sliding sum of weight `c` over [lo, hi] plus the
 * taps that differ from c. For an integer length the corrections are at most the two ends.
 */
function axisBlur(src: Float32Array, out: Float32Array, w: number, h: number, ch: number, taps: MotionTaps, alongX: boolean, signal?: AbortSignal) {
  const offs = alongX ? taps.dx : taps.dy;
  const lo = Math.min(...offs), hi = Math.max(...offs);
  const weights = new Float64Array(hi - lo + 1);
  offs.forEach((o, i) => (weights[o - lo] += taps.w[i]));
  const c = [...weights].sort((a, b) => a - b)[weights.length >> 1];
  const fix: [number, number][] = [];
  weights.forEach((v, i) => { if (Math.abs(v - c) > 1e-12) fix.push([i + lo, v - c]); });
  if (alongX) {
    // One row at a time: a window sum per channel, zero outside the row.
    const acc = new Float64Array(ch);
    for (let y = 0; y < h; y++) {
      const row = y * w * ch;
      acc.fill(0);
      for (let x = lo; x <= hi; x++) if (x >= 0 && x < w) for (let k = 0; k < ch; k++) acc[k] += src[row + x * ch + k];
      for (let x = 0; x < w; x++) {
        const o = row + x * ch;
        for (let k = 0; k < ch; k++) out[o + k] = c * acc[k];
        for (const [d, f] of fix) {
          const xx = x + d;
          if (xx >= 0 && xx < w) for (let k = 0; k < ch; k++) out[o + k] += f * src[row + xx * ch + k];
        }
        const add = x + hi + 1, drop = x + lo;
        if (add < w) for (let k = 0; k < ch; k++) acc[k] += src[row + add * ch + k];
        if (drop >= 0 && drop < w) for (let k = 0; k < ch; k++) acc[k] -= src[row + drop * ch + k];
      }
      if ((y & 63) === 0) signal?.throwIfAborted();
    }
    return;
  }
  // Down the columns, a whole row of window sums at once (rows are contiguous in memory).
  const stride = w * ch;
  const acc = new Float64Array(stride);
  for (let y = lo; y <= hi; y++) if (y >= 0 && y < h) for (let i = 0; i < stride; i++) acc[i] += src[y * stride + i];
  for (let y = 0; y < h; y++) {
    const o = y * stride;
    for (let i = 0; i < stride; i++) out[o + i] = c * acc[i];
    for (const [d, f] of fix) {
      const yy = y + d;
      if (yy < 0 || yy >= h) continue;
      const s = yy * stride;
      for (let i = 0; i < stride; i++) out[o + i] += f * src[s + i];
    }
    const add = y + hi + 1, drop = y + lo;
    if (add < h) for (let i = 0, s = add * stride; i < stride; i++) acc[i] += src[s + i];
    if (drop >= 0 && drop < h) for (let i = 0, s = drop * stride; i < stride; i++) acc[i] -= src[s + i];
    if ((y & 63) === 0) signal?.throwIfAborted();
  }
}

/**
 * Any kernel: for each output row, each tap adds a shifted source row span (no per-pixel
 * gather). Row by row rather than tap by tap over the whole image: the output row and the few
 * source rows the line crosses stay in cache, where a whole-image pass per tap streamed the
 * image through memory once per tap (2-3x slower at length 100).
 */
function sparseBlur(src: Float32Array, out: Float32Array, w: number, h: number, ch: number, taps: MotionTaps, signal?: AbortSignal) {
  const count = taps.w.length;
  for (let y = 0; y < h; y++) {
    for (let t = 0; t < count; t++) {
      const dx = taps.dx[t], yy = y + taps.dy[t], wt = taps.w[t];
      if (yy < 0 || yy >= h) continue;
      const x0 = Math.max(0, -dx), x1 = Math.min(w, w - dx);
      if (x1 <= x0) continue;
      const o = (y * w + x0) * ch, s = (yy * w + x0 + dx) * ch, span = (x1 - x0) * ch;
      for (let i = 0; i < span; i++) out[o + i] += wt * src[s + i];
    }
    if ((y & 15) === 0) signal?.throwIfAborted();
  }
}

export function motionBlur(img: RawImage, length: number, angle: number, signal?: AbortSignal): RawImage {
  const { width: w, height: h, channels } = img;
  const { colours, ch } = linearLayout(channels);
  // Premultiplied linear light with an alpha channel, as GEGL's "RaGaBaA float".
  const src = toPremultipliedLinear(img);
  const taps = motionTaps(length, angle);
  const out = new Float32Array(src.length);
  if (taps.dy.every((d) => d === 0)) axisBlur(src, out, w, h, ch, taps, true, signal);
  else if (taps.dx.every((d) => d === 0)) axisBlur(src, out, w, h, ch, taps, false, signal);
  else sparseBlur(src, out, w, h, ch, taps, signal);
  return fromPremultipliedLinear(out, w, h, colours);
}

export default defineOperation({
  name: 'motion-blur-linear',
  title: 'Linear Motion Blur',
  description: 'Averages pixels along a line, as if the camera moved during the exposure: bilinear samples in linear light with premultiplied alpha, the outside of the image transparent (edges fade), as GEGL',
  icon: 'fighter-jet',
  category: 'blur',
  inputs: { input: { description: 'Image to blur' } },
  params: {
    length: { type: 'number', default: 10, min: 0, max: 256, unit: 'px', description: 'Length of the blur in pixels' },
    angle: { type: 'number', default: 0, min: -180, max: 180, unit: 'degrees', description: 'Direction of the blur, clockwise from the x axis' },
  },
  process: async (img, p, _aux, ctx) => motionBlur(img, Number(p.length ?? 10), Number(p.angle ?? 0), ctx.signal),
});
