/**
 * The size node of imgflo graphs: what imgflo-server's `gegl:scale-size-keepaspect` in front of
 * the graph did with a request's width and height, where other graphs get `resize` (sharp).
 *
 * GEGL's size rule: width alone or height alone keeps the aspect ratio (the other side is the
 * scaled one, a partly covered last pixel included: 256x192 at height 70 is 94x70), both
 * stretch, and it enlarges. Sampling is GEGL's default sampler, linear: bilinear, and under
 * reduction by 2 or more an average of floor(1/scale) bilinear samples per axis over the output
 * pixel's footprint (an exact 2x2 box at half size; not an exact pixel-area average, which is
 * 1.6-5.4/255 further from GEGL at other factors), in linear light with premultiplied alpha and
 * the outside of the image transparent, so a partly covered edge pixel comes out partly
 * transparent, as GEGL's does. Measured against GEGL 0.4.42
 * in spec/fixtures/gegl/README.md.
 *
 * `fit` and `position` are imgflow's: a request that sets `fit` is resized as any other graph's
 * (sharp, `resize`'s rules), so those parameters keep their meaning on every graph.
 */
import sharp from 'sharp';
import { defineOperation, type Params, type ParamSpec, type RawImage, type SharpStep, type Size } from './define.ts';
import resize, { targetSize } from './resize.ts';
import { fromPremultipliedLinear, linearLayout, toPremultipliedLinear } from './_internal/premultiplied-linear.ts';

/** A side scaled by `s`, a partly covered last pixel counted (GEGL's extent); rounding dust ignored. */
const scaledSide = (n: number, s: number) => Math.max(1, Math.ceil(n * s - 1e-9));

/** GEGL's output size and the scale factor per axis. */
export function geglScaleGeometry(input: Size, p: Params): { width: number; height: number; sx: number; sy: number } {
  const { width: tw, height: th } = targetSize(p);
  const { width: w, height: h } = input;
  if (tw !== undefined && th !== undefined) return { width: tw, height: th, sx: tw / w, sy: th / h };
  if (tw !== undefined) return { width: tw, height: scaledSide(h, tw / w), sx: tw / w, sy: tw / w };
  if (th !== undefined) return { width: scaledSide(w, th / h), height: th, sx: th / h, sy: th / h };
  return { width: w, height: h, sx: 1, sy: 1 };
}

/** Per output pixel along an axis: the first input index and the weights from there (summing to 1 or less at the edge). */
interface AxisWeights { start: Int32Array; offset: Int32Array; weights: Float32Array }

function axisWeights(nIn: number, nOut: number, s: number): AxisWeights {
  const start = new Int32Array(nOut);
  const offset = new Int32Array(nOut + 1);
  const all: number[] = [];
  const d = 1 / s;
  // GEGL's linear sampler under reduction: floor(1/scale) bilinear samples spread evenly over the
  // output pixel's footprint, averaged (one sample, plain bilinear, when enlarging or reducing by
  // less than 2). Measured: this matches GEGL 0.4.42 at 0.36, 0.5, 0.52 and 0.78 and at 1.17.
  const n = Math.max(1, Math.floor(d + 1e-9));
  for (let i = 0; i < nOut; i++) {
    offset[i] = all.length;
    const centre = (i + 0.5) * d - 0.5;
    const taps = new Map<number, number>();
    const add = (k: number, wt: number) => { if (k >= 0 && k < nIn && wt > 0) taps.set(k, (taps.get(k) ?? 0) + wt / n); };
    for (let j = 0; j < n; j++) {
      const u = centre + ((j + 0.5) / n - 0.5) * (n === 1 ? 0 : d);
      const k = Math.floor(u), f = u - k;
      add(k, 1 - f);
      add(k + 1, f);
    }
    const ks = [...taps.keys()];
    const k0 = ks.length ? Math.min(...ks) : 0, k1 = ks.length ? Math.max(...ks) : -1;
    start[i] = k0;
    for (let k = k0; k <= k1; k++) all.push(taps.get(k) ?? 0);
  }
  offset[nOut] = all.length;
  return { start, offset, weights: Float32Array.from(all) };
}

export function geglScale(img: RawImage, p: Params, signal?: AbortSignal): RawImage {
  const { width: w, height: h, channels } = img;
  const { width: W, height: H, sx, sy } = geglScaleGeometry(img, p);
  // GEGL's scaler at the input's own size hands the loader's pixels on (compiler.ts
  // u8WhereSizeKept); a copy, as the compute thread hands its result's buffer back by transfer.
  if (W === w && H === h) return { ...img, data: Buffer.from(img.data) };
  const { colours, ch } = linearLayout(channels);
  // Premultiplied linear light with alpha (GEGL's RaGaBaA float).
  const src = toPremultipliedLinear(img);
  // Along x first (W columns of h rows), then along y.
  const ax = axisWeights(w, W, sx);
  const mid = new Float32Array(W * h * ch);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * ch;
      for (let j = ax.offset[x], k = ax.start[x]; j < ax.offset[x + 1]; j++, k++) {
        const wt = ax.weights[j];
        if (wt === 0) continue;
        const s = (row + k) * ch;
        for (let c = 0; c < ch; c++) mid[o + c] += wt * src[s + c];
      }
    }
    if ((y & 63) === 0) signal?.throwIfAborted();
  }
  const ay = axisWeights(h, H, sy);
  const out = new Float32Array(W * H * ch);
  const stride = W * ch;
  for (let y = 0; y < H; y++) {
    const o = y * stride;
    for (let j = ay.offset[y], k = ay.start[y]; j < ay.offset[y + 1]; j++, k++) {
      const wt = ay.weights[j];
      if (wt === 0) continue;
      const s = k * stride;
      for (let i = 0; i < stride; i++) out[o + i] += wt * mid[s + i];
    }
    if ((y & 63) === 0) signal?.throwIfAborted();
  }
  return fromPremultipliedLinear(out, W, H, colours);
}

const RESIZE_DEFAULTS: Params = Object.fromEntries(Object.entries(resize.params as Record<string, ParamSpec>).flatMap(([k, spec]) => (spec.default === undefined ? [] : [[k, spec.default]])));

/** A request that names `fit` gets imgflow's resize, on any graph. */
const imgflowResize = (p: Params) => p.fit !== undefined;

export default defineOperation({
  name: 'gegl-scale',
  title: 'Scale (GEGL)',
  description: "Scales as GEGL's scale-size-keepaspect: width or height alone keeps the aspect ratio, both stretch, enlarges; GEGL's linear sampler (box-averaged bilinear samples when reducing) in linear light. With fit, resizes as resize does",
  icon: 'expand',
  category: 'transform',
  inputs: { input: { description: 'Image to scale' } },
  params: {
    width: { type: 'int', min: 1, max: 16384, description: 'Target width in pixels; alone, the height keeps the aspect ratio' },
    height: { type: 'int', min: 1, max: 16384, description: 'Target height in pixels; alone, the width keeps the aspect ratio' },
    fit: { type: 'enum', values: resize.params.fit.values, description: "Unset: GEGL's rule. Set: resize's (CSS object-fit, never enlarges)" },
    position: resize.params.position,
    dpr: resize.params.dpr,
  },
  identity: (p) => p.width === undefined && p.height === undefined,
  /** Measured: 130-165 ms for 2000x1500 -> 400x300 (3 MP in) on a loaded 2-core machine. */
  cost: 50,
  outputSize: (input, p) => (imgflowResize(p) ? resize.outputSize!(input, p) : geglScaleGeometry(input, p)),
  process: async (img, p, _aux, ctx) => {
    if (!imgflowResize(p)) return geglScale(img, p, ctx.signal);
    // resize's own step, with its defaults for what this operation does not take (kernel, enlarge, background)
    const base = { width: img.width, height: img.height, channels: img.channels };
    const { data, info } = await (resize.sharp!.apply as SharpStep['apply'])(sharp(img.data, { raw: base }), { ...RESIZE_DEFAULTS, ...p }, {}, base)
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
  },
});
